"""Limits for a check as a whole: all its processes together, not each one.

rlimits are per process: a check that forks eight children could hold eight times its memory
limit and keep every core busy. :class:`CheckBudget` watches every process of the check
(a thread of the grader, polling ``/proc`` every ``POLL_S`` seconds) and ends them all when
together they pass the check's memory cap (proportional set size, so pages a fork shares are
counted once; read only once the resident sizes, its cheap upper bound, pass the cap) or its
CPU-seconds cap. The process count is capped per user id
(``RLIMIT_NPROC`` counts every process of the uid, and as root each submission has a uid of
its own). Which processes are the check's:

* as root with a leased sandbox uid (one submission's own): every process of that uid that was not already running
  when the check started and is not an ancestor of the check's process (the submission's
  fork server is not the check's), wherever it moved (a double fork, ``setsid``);
* otherwise (not root, or the default sandbox user that every grader shares): the check's
  process and its descendants.

``in_force()`` says what held, for the check's result. A kernel cgroup would be stricter
(no polling gap); this works on every host the sandbox runs on, cgroup-writable or not.
"""
from __future__ import annotations

import os
import signal
import threading

POLL_S = 0.1


def _uid_of(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def _pids() -> list[str]:
    try:
        return [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []


def _rss_kb(pid: str) -> int:
    """Resident set size, from ``statm`` (cheap): never less than the proportional set size."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0


def _memory_kb(pid: str) -> int:
    """Proportional set size (shared pages split between their users), else resident size.
    Costly for a large process: ``smaps_rollup`` walks every mapping (16 ms of CPU for a check
    child that has torch and a 200 MB tensor loaded)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return _rss_kb(pid)


def _state(pid: str) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return None


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class CheckBudget:
    """Watches one check's processes; kills them all past ``memory_mb`` (together) or
    ``cpu_seconds`` (together). ``reason`` says which cap was hit (None while within)."""

    def __init__(self, memory_mb: int, cpu_seconds: float, nproc: int | None, uid: int | None = None):
        self.memory_mb, self.cpu_seconds, self.nproc, self.uid = memory_mb, cpu_seconds, nproc, uid
        self.reason: str | None = None
        self.peak_mb = 0.0  # the largest total seen: resident size, proportional once past the cap
        self.detail = ""  # staff only: how many processes, how much (the student chooses these)
        self._root_pid: int | None = None
        self._before: set[str] = set(p for p in _pids() if _uid_of(p) == uid) if uid is not None else set()
        self._cpu_dead = 0.0  # CPU seconds of the check's processes that already ended
        self._cpu_seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, root_pid: int | None):
        """Begin watching once the check's process ``root_pid`` runs. Its ancestors (a fork
        server of the submission, its namespace's init) are not the check's, whatever their uid."""
        self._root_pid = root_pid
        pid = root_pid
        while pid and pid > 1:
            st = _stat(str(pid))
            pid = st[0] if st is not None else 0
            if pid > 1:
                self._before.add(str(pid))
        self._thread = threading.Thread(target=self._loop, name="check-budget", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def in_force(self) -> dict:
        return {"memory_mb_per_check": self.memory_mb, "cpu_seconds_per_check": round(self.cpu_seconds, 1),
                "nproc_per_uid": self.nproc if self.uid is not None else None,
                "scope": "every process of the check's uid" if self.uid is not None else "the check's process tree",
                "enforced_by": f"grader watchdog polling /proc every {POLL_S} s (proportional set size)",
                "cgroup": False}

    # -- watching --------------------------------------------------------------------
    def members(self) -> list[str]:
        if self.uid is not None:
            return [p for p in _pids() if p not in self._before and _uid_of(p) == self.uid]
        if self._root_pid is None:
            return []
        kids: dict[int, list[int]] = {}
        for p in _pids():
            st = _stat(p)
            if st is not None:
                kids.setdefault(st[0], []).append(int(p))
        out, stack = [], [self._root_pid] if self._root_pid > 1 and self._root_pid != os.getpid() else []
        while stack:
            pid = stack.pop()
            out.append(str(pid))
            stack.extend(kids.get(pid, []))
        return out

    def _loop(self):
        interval = POLL_S if self.uid is not None else 2.5 * POLL_S  # a tree walk reads every process
        while not self._stop.wait(interval):
            try:
                self._poll()
            except Exception:  # noqa: BLE001 - a vanished process mid-read: next round
                continue
            if self.reason is not None:
                return

    def _poll(self):
        pids = self.members()
        # the resident sizes bound the proportional ones from above (a page that forks share counts
        # whole in each one's RSS): the costly PSS only decides once the RSS sum passes the cap. Read
        # each poll, PSS took 1.2 of the 2.4 s of CPU the grader itself used grading nist36's reference.
        mem_kb = sum(_rss_kb(p) for p in pids)
        if mem_kb > self.memory_mb * 1024:
            mem_kb = sum(_memory_kb(p) for p in pids)
        self.peak_mb = max(self.peak_mb, mem_kb / 1024)
        cpu_now = {}
        for p in pids:
            st = _stat(p)
            if st is not None:
                cpu_now[p] = st[1]
        self._cpu_dead += sum(v for p, v in self._cpu_seen.items() if p not in cpu_now)
        self._cpu_seen = cpu_now
        cpu = self._cpu_dead + sum(cpu_now.values())
        if mem_kb > self.memory_mb * 1024:
            self.reason = f"the check's processes together used more than its memory limit of {self.memory_mb} MB"
        elif cpu > self.cpu_seconds:
            self.reason = f"the check's processes together used more than its {self.cpu_seconds:.0f} CPU seconds"
        if self.reason is not None:
            self.detail = f"{len(pids)} processes, {mem_kb / 1024:.0f} MB, {cpu:.1f} CPU s"
            self.kill_all()

    def kill_all(self):
        mine = {1, os.getpid(), os.getppid()}  # never the grader, whatever the process table says
        for _ in range(20):
            pids = [p for p in self.members() if int(p) not in mine and _state(p) not in ("Z", "X", None)]
            if not pids:
                return
            for p in pids:
                try:
                    os.kill(int(p), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

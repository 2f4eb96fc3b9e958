"""Finding and killing what sandboxed code left running (the fallback isolation levels).

With namespaces (``isolation.py``) the kernel ends every process of a check with its PID
namespace; without them, processes are found through ``/proc``: descendants of the grader
(it is a child subreaper, so detached ones come back to it) running as a sandbox id or
carrying the sandbox marker, and, when a uid lease ends, every process of that id.
A process is killed whatever state ``/proc`` shows: a "zombie" whose other threads still run
is alive (its main thread exited; ``kill`` reaches the whole thread group).
"""
from __future__ import annotations

import os
import signal
import sys
import time

from .ids import sandbox_uids
from .limits import MARKER_ENV

LIVE: set[int] = set()  # process-group leaders of the sandboxes open in this process
ZYGOTES: set[int] = set()  # fork servers open in this process (spared by kill_strays)
_SUBREAPER = False


def become_subreaper() -> None:
    """Make this process adopt orphaned descendants (Linux), so that processes a child
    detaches with setsid/double fork stay findable, and killable, after the check."""
    global _SUBREAPER
    if _SUBREAPER or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except Exception:  # noqa: BLE001
        pass
    _SUBREAPER = True


def kill_now(pids, wait_for=None) -> None:
    """SIGKILL each pid's process group and the process itself (a forked check may not lead its
    group yet), then wait up to 5 s for ``wait_for`` (a Popen-like object) to end."""
    for pid in pids:
        if not pid:
            continue
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    if wait_for is not None:
        try:
            wait_for.wait(timeout=5)
        except Exception:  # noqa: BLE001 - TimeoutExpired: nothing more to do here
            pass


def proc_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (ppid, real uid, state) for every process visible in /proc."""
    table = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as fh:
                ppid = uid = None
                state = "?"
                for line in fh:
                    if line.startswith(b"State:"):
                        state = line.split()[1].decode()
                    elif line.startswith(b"PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith(b"Uid:"):
                        uid = int(line.split()[1])
                        break
            if ppid is not None and uid is not None:
                table[int(name)] = (ppid, uid, state)
        except (OSError, ValueError, IndexError):
            continue
    return table


def count_procs(uid: int) -> int:
    return sum(1 for _p, (_pp, u, _st) in proc_table().items() if u == uid)


def _has_live_threads(pid: int) -> bool:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
            if state not in (b"Z", b"X"):
                return True
        except (OSError, IndexError):
            continue
    return False


def _is_sandboxed(pid: int, uid: int, is_box_uid) -> bool:
    if is_box_uid is not None:
        return is_box_uid(uid)
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            return (MARKER_ENV + "=1").encode() in fh.read().split(b"\0")
    except OSError:
        # a zombie leader's environ is gone: judge it by a live thread's
        return False


def _sigkill(pids) -> int:
    """SIGKILL each of ``pids`` (a process already gone, or not ours to signal, is passed over);
    how many were signalled."""
    sent = 0
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            sent += 1
        except (ProcessLookupError, PermissionError):
            pass
    return sent


def _reap(pids) -> None:
    """Collect those of ``pids`` that are our children and have ended (never waits)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def kill_strays(rounds: int = 50) -> int:
    """Kill (and reap) every descendant of this process that a sandbox left behind.

    Descendants are found through /proc (this process is a child subreaper, so even
    processes detached with setsid are re-parented here); a process counts as a
    sandbox's when it runs as a sandbox id (root: ``ids.sandbox_uids``) or carries
    the sandbox marker in its environment. Processes of sandboxes still open in this
    process are spared. Returns how many processes were killed.
    """
    if not sys.platform.startswith("linux"):
        return 0
    is_box_uid = sandbox_uids() if os.geteuid() == 0 else None
    me = os.getpid()
    killed = 0
    for _ in range(rounds):
        table = proc_table()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _uid, _st) in table.items():
            children.setdefault(ppid, []).append(pid)
        found, stack = [], list(children.get(me, []))
        while stack:
            pid = stack.pop()
            if pid in LIVE or pid in ZYGOTES:
                continue
            # descend only through sandboxed processes: another grader below us (a `course grade`
            # subprocess, nbgrader) is not ours to clean, and its sandboxes are its own
            if not (_is_sandboxed(pid, table[pid][1], is_box_uid) or (table[pid][2] == "Z" and _has_live_threads(pid))):
                continue
            found.append(pid)
            stack.extend(children.get(pid, []))
        victims = found
        if not victims:
            break
        alive = [p for p in victims if table[p][2] != "Z" or _has_live_threads(p)]
        killed += _sigkill(alive)
        _reap(p for p in victims if table[p][0] == me)  # the ones re-parented to us
        time.sleep(0.01 if alive else 0.005)
    return killed


def _status_lines(key: bytes):
    """``(pid, fields)`` for each process in /proc whose ``status`` has a line starting with ``key``:
    that line's fields after the key. A process that vanishes while read is passed over."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as fh:
                fields = next((line.split()[1:] for line in fh if line.startswith(key)), None)
        except OSError:
            continue
        if fields is not None:
            yield int(name), fields


def kill_uid(uid: int, rounds: int = 50) -> int:
    """Kill every process whose real, effective or saved uid is ``uid`` (root only), in any
    state, until none is left. Used when a uid lease ends, before the id can be leased again."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux") or uid == 0:
        return 0
    killed = 0
    for _ in range(rounds):
        victims = []
        for pid, fields in _status_lines(b"Uid:"):
            try:
                if uid in [int(x) for x in fields[:3]]:
                    victims.append(pid)
            except ValueError:
                continue
        live = [p for p in victims if _has_live_threads(p)]
        if not live:
            break
        killed += _sigkill(live)
        _reap(live)
        time.sleep(0.01)
    return killed


def pid_namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def host_pid(ns: str, inner_pid: int) -> int | None:
    """The host pid of the process numbered ``inner_pid`` inside PID namespace ``ns``."""
    for pid, ids in _status_lines(b"NSpid:"):
        try:
            if len(ids) >= 2 and int(ids[-1]) == inner_pid and pid_namespace(pid) == ns:
                return pid
        except ValueError:
            continue
    return None

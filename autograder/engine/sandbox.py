"""The parent side of the sandbox: one isolated child process per check.

The child runs with a wall-clock deadline (its whole process group is killed), rlimits,
a scrubbed environment, its own working directory and an import path holding only
the submission, the child runner and the installed libraries. When the grader runs as
root, the child runs as an unprivileged user (``nobody`` unless ``NNCOURSE_SANDBOX_USER``
names another) and the grading files are made unreadable to it.
"""
from __future__ import annotations

import os
import pwd
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import wire
from .wire import Opaque, Ref

ENGINE_DIR = Path(__file__).resolve().parent
PASS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LD_LIBRARY_PATH")
MARKER_ENV = "NNCOURSE_SANDBOX"  # set in every sandbox child (finds strays when not root)
_LIVE: set[int] = set()  # process-group leaders of the sandboxes open in this process
_ZYGOTES: set[int] = set()  # fork servers open in this process (spared by kill_strays)


@dataclass
class Limits:
    timeout: float = 60.0  # wall clock, seconds, for the whole check
    memory_mb: int = 6144  # address space
    file_mb: int = 64
    nproc: int = 256
    nofile: int = 256


class SandboxError(Exception):
    """Base class: something went wrong on the student's side of the boundary."""


class StudentError(SandboxError):
    """The student's code raised."""

    def __init__(self, type_name: str, message: str, traceback: str):
        super().__init__(message)
        self.type_name, self.message, self.traceback = type_name, message, traceback


class SandboxTimeout(SandboxError):
    pass


class SandboxCrashed(SandboxError):
    """The child died or misbehaved. ``what`` is safe to show for hidden checks; the
    message (``str``) adds the tail of the child's output for staff and public checks."""

    def __init__(self, message: str, what: str | None = None):
        super().__init__(message)
        self.what = what if what is not None else message.split("\n", 1)[0]


@dataclass(frozen=True)
class Identity:
    """Who a sandboxed process runs as (when the grader is root)."""

    uid: int
    gid: int
    name: str


def sandbox_user() -> Identity | None:
    """The shared unprivileged account for children, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("NNCOURSE_SANDBOX_USER", "nobody")
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        raise SandboxError(f"sandbox user {name!r} does not exist; set NNCOURSE_SANDBOX_USER") from None
    return Identity(pw.pw_uid, pw.pw_gid, name)


DEFAULT_UIDS = (61000, 61999)  # NNCOURSE_SANDBOX_UIDS=FIRST-LAST: ids with no account, one per submission
LEASE_DIR = Path("/run/nncourse-sandbox")


def sandbox_uid_range() -> range:
    spec = os.environ.get("NNCOURSE_SANDBOX_UIDS", "")
    try:
        first, last = (int(x) for x in spec.split("-", 1)) if spec else DEFAULT_UIDS
    except ValueError:
        raise SandboxError(f"NNCOURSE_SANDBOX_UIDS={spec!r}: expected FIRST-LAST, e.g. 61000-61999") from None
    if not 1000 <= first <= last:
        raise SandboxError(f"NNCOURSE_SANDBOX_UIDS={spec!r}: expected 1000 <= FIRST <= LAST")
    return range(first, last + 1)


def sandbox_uids():
    """A test ``uid -> bool``: is it a sandbox's id (the shared account or a leasable one)? Root only."""
    user, ids = sandbox_user(), sandbox_uid_range()
    return lambda uid: (user is not None and uid == user.uid) or uid in ids


class UidLease:
    """A user id of its own for one submission's sandboxes (root only).

    Concurrent gradings (``--jobs``, several graders on one machine) then run their
    students' code under different ids: one student's processes cannot signal, trace or
    read another's (``/proc/<pid>/cwd``, open files), and RLIMIT_NPROC counts each student
    alone. The id is one with no account and no group (``NNCOURSE_SANDBOX_UIDS``, default
    61000-61999), held with an exclusive lock on ``/run/nncourse-sandbox/<uid>`` while the
    submission is graded; a crashed grader's lock goes with it. ``identity`` is the leased
    id, or the shared account (``nobody``) when ``NNCOURSE_SANDBOX_USER`` is set, when not
    root, or when no id is free.
    """

    def __init__(self):
        self.identity = sandbox_user()
        self._fd = None
        if self.identity is None or "NNCOURSE_SANDBOX_USER" in os.environ:
            return
        try:
            self._lease()
        except OSError:
            pass  # no lease directory: the shared account

    def _lease(self) -> None:
        import fcntl
        import grp

        LEASE_DIR.mkdir(mode=0o700, exist_ok=True)
        st = LEASE_DIR.lstat()
        if not LEASE_DIR.is_dir() or LEASE_DIR.is_symlink() or st.st_uid != 0 or st.st_mode & 0o022:
            return
        for uid in sandbox_uid_range():
            try:
                pwd.getpwuid(uid)
                continue  # an account: never run students' code as it
            except KeyError:
                pass
            try:
                grp.getgrgid(uid)
                continue
            except KeyError:
                pass
            fd = os.open(LEASE_DIR / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self._fd = fd
            self.identity = Identity(uid, uid, f"sandbox-{uid}")
            return

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # drops the lock
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def protect(paths) -> None:
    """Make grading-side files unreadable to other users (only when running as root)."""
    if os.geteuid() != 0:
        return
    for p in paths:
        p = Path(p)
        targets = [p]
        # compiled copies hold the same code and constants: protect them too
        cache = p.parent / "__pycache__"
        if p.is_file() and cache.is_dir():
            targets += sorted(cache.glob(p.stem + ".*.pyc"))
        for t in targets:
            if t.exists() and not t.is_symlink():
                mode = t.stat().st_mode
                if mode & 0o007:
                    os.chmod(t, mode & ~0o007)


def _tail(path: Path, n: int = 4000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - n))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


class Sandbox:
    """A live child process serving calls into one prepared submission tree.

    ``subdir`` holds ``starter/`` (the student's package, with provided files restored);
    ``probes`` lists files copied beside the child runner (trusted helpers, no secrets).
    """

    def __init__(self, subdir: Path, limits: Limits, probes: dict[str, Path] | None = None,
                 zygote: "Zygote | None" = None, identity: Identity | None = None):
        self.limits = limits
        self.zygote = zygote
        self.deadline = time.monotonic() + limits.timeout  # set again once the process runs
        # Layout: <outer> (root, 0711: not listable) / <random token> / {sub, grader, req, resp, cwd}.
        # Other sandboxes cannot find this tree; the child can write only sub/, resp/ and cwd/;
        # requests are written by the grader into req/, a directory the child cannot touch.
        self.outer = Path(tempfile.mkdtemp(prefix="nncourse-box-"))
        self.work = self.outer / secrets.token_hex(16)
        self._n = 0
        self.proc = None
        # as root: the submission's leased id (``UidLease``), else the shared account
        user = identity if identity is not None else sandbox_user()
        try:
            self.work.mkdir()
            shutil.copytree(subdir, self.work / "sub", symlinks=True)
            grader = self.work / "grader"
            grader.mkdir()
            shutil.copy2(ENGINE_DIR / "child.py", grader / "child.py")
            shutil.copy2(ENGINE_DIR / "wire.py", grader / "wire.py")
            for name, src in (probes or {}).items():
                shutil.copy2(src, grader / name)
            for d in ("req", "resp", "cwd", "cwd/tmp", "cwd/.config"):
                (self.work / d).mkdir()
            self._out = open(self.outer / "stdout.txt", "wb")
            self._err = open(self.outer / "stderr.txt", "wb")
            os.chmod(self.outer, 0o711)
            for d in (self.work, grader, self.work / "req"):
                os.chmod(d, 0o755)
            if user is not None:
                for d in ("sub", "resp", "cwd"):
                    _chown_tree(self.work / d, user.uid, user.gid)
            self._start(user)
            # the clock starts with the process (the zygote's first start, its imports, is not the check's)
            self.deadline = time.monotonic() + limits.timeout
        except BaseException:
            self.close()
            raise

    # -- process ---------------------------------------------------------------------
    def _start(self, user):
        become_subreaper()
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        cwd = self.work / "cwd"
        env = sandbox_env(cwd)
        lim = self.limits
        drop = user is not None
        # RLIMIT_NPROC counts every process of the user: as root the sandbox user's, otherwise
        # ours, so leave room above what already runs (a fork bomb still stops quickly)
        nproc = lim.nproc if drop else _count_procs(os.getuid()) + lim.nproc
        rlimits = [("RLIMIT_AS", lim.memory_mb << 20), ("RLIMIT_FSIZE", lim.file_mb << 20),
                   ("RLIMIT_NOFILE", lim.nofile), ("RLIMIT_CORE", 0), ("RLIMIT_CPU", int(lim.timeout) + 10),
                   ("RLIMIT_NPROC", nproc)]
        try:
            if self.zygote is not None:
                self.proc = self.zygote.spawn(self.work, req_r, resp_w, self._out.fileno(), self._err.fileno(),
                                              env, rlimits)
            if self.proc is None:
                self.proc = subprocess.Popen(
                    [sys.executable, "-I", "-S", "-B", str(self.work / "grader" / "child.py"), str(self.work),
                     str(req_r), str(resp_w), _site_dirs()],
                    stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err, cwd=str(cwd), env=env,
                    pass_fds=(req_r, resp_w), start_new_session=True, preexec_fn=_limiter(rlimits),
                    **_user_kwargs(user))
        finally:
            os.close(req_r)
            os.close(resp_w)
        _LIVE.add(self.proc.pid)
        self._resp_buf = b""

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            for kill in (os.killpg, os.kill):  # os.kill: a forked check may not lead its group yet
                try:
                    kill(self.proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
        elif self.proc is not None:
            # the leader exited; stragglers (fork bombs) may still hold the group
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def close(self):
        self.kill()
        if self.proc is not None:
            _LIVE.discard(self.proc.pid)
            if not _LIVE:
                kill_strays()
        for fd_name in ("_req_w", "_resp_r"):
            fd = getattr(self, fd_name, None)
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
                setattr(self, fd_name, None)
        for fh in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if fh is not None:
                fh.close()
        shutil.rmtree(self.outer, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def output_tail(self, n: int = 2000) -> str:
        out = _tail(self.outer / "stdout.txt", n)
        err = _tail(self.outer / "stderr.txt", n)
        return (out + ("\n" if out and err else "") + err).strip()

    # -- requests --------------------------------------------------------------------
    def _request(self, payload: dict):
        if self.proc is None or self.proc.poll() is not None:
            raise SandboxCrashed(*self._death())
        self._n += 1
        n = str(self._n)
        wire.dump(payload, str(self.work / "req"), f"req{n}", strict=True)
        for p in (self.work / "req" / f"req{n}.json", self.work / "req" / f"req{n}.npz"):
            os.chmod(p, 0o644)
        try:
            os.write(self._req_w, (n + "\n").encode())
        except (BrokenPipeError, OSError):
            raise SandboxCrashed(*self._death()) from None
        while b"\n" not in self._resp_buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise SandboxTimeout(f"time limit of {self.limits.timeout:g} s exceeded")
            if self.proc.poll() is not None and not self._readable():
                # the child died (os._exit, a signal) but a grandchild may still hold the pipe
                self.kill()
                raise SandboxCrashed(*self._death())
            ready, _, _ = select.select([self._resp_r], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self._resp_r, 4096)
                if not chunk:
                    self.kill()
                    raise SandboxCrashed(*self._death())
                self._resp_buf += chunk
        line, _, self._resp_buf = self._resp_buf.partition(b"\n")
        if line.decode(errors="replace").strip() != n:
            self.kill()
            raise SandboxCrashed("the sandbox answered out of turn (did the code write to the grader's pipe?)")
        try:
            resp = wire.load(str(self.work / "resp"), f"resp{n}", max_bytes=(self.limits.file_mb + 1) << 20)
        except Exception as exc:  # noqa: BLE001 - whatever the child wrote, never trust it
            self.kill()
            raise SandboxCrashed(f"could not read the result back: {str(exc)[:300]}",
                                 "could not read the result back from your code's process") from None
        if not isinstance(resp, dict) or "ok" not in resp:
            raise SandboxCrashed("malformed answer from the sandbox")
        if not resp["ok"]:
            err = resp.get("error") or {}
            if not isinstance(err, dict):
                err = {}
            raise StudentError(str(err.get("type", "Error")), str(err.get("message", "")), str(err.get("traceback", "")))
        if resp.get("ref") is not None:
            if type(resp["ref"]) is not int:
                raise SandboxCrashed("malformed answer from the sandbox")
            return Ref(resp["ref"])
        return resp.get("value")

    def _readable(self) -> bool:
        return bool(select.select([self._resp_r], [], [], 0)[0])

    def _death(self) -> tuple[str, str]:
        """(message with the output tail, the same without it)."""
        code = self.proc.poll() if self.proc else None
        if code is None:
            try:
                code = self.proc.wait(timeout=2)
            except Exception:  # noqa: BLE001
                code = None
        if code is not None and code < 0:
            try:
                sig = signal.Signals(-code).name
            except ValueError:
                sig = str(-code)
            hint = {
                "SIGKILL": " (killed: memory or CPU limit?)",
                "SIGXCPU": " (CPU time limit exceeded)",
                "SIGSEGV": " (segmentation fault)",
            }.get(sig, "")
            what = f"the process was killed by {sig}{hint}"
        elif code is not None:
            what = f"the process exited with status {code} (sys.exit or os._exit in your code?)"
        else:
            what = "the process stopped answering"
        tail = self.output_tail(600)
        return what + (f"\nlast output:\n{tail}" if tail else ""), what

    def call(self, target, *args, keep: bool = False, kind: str = "student", return_args: bool = False, **kwargs):
        return self._request({"op": "call", "target": target, "args": list(args), "kwargs": kwargs,
                              "keep": keep, "kind": kind, "return_args": return_args})

    def get(self, ref: Ref):
        return self._request({"op": "get", "target": ref})

    def setitem(self, ref: Ref, key, value):
        return self._request({"op": "setitem", "target": ref, "key": key, "value": value})

    def setattr(self, ref: Ref, key: str, value):
        return self._request({"op": "setattr", "target": ref, "key": key, "value": value})


def sandbox_env(cwd: Path) -> dict:
    """The whole environment of a sandboxed process whose home is ``cwd``."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(cwd),
        "TMPDIR": str(cwd / "tmp"),
        "MPLCONFIGDIR": str(cwd / ".config"),
        "XDG_CACHE_HOME": str(cwd / ".config"),
        "MPLBACKEND": "Agg",
        "LANG": "C.UTF-8",
        "USER": "sandbox",  # a leased id has no account: getpass.getuser() reads these
        "LOGNAME": "sandbox",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "TORCH_NUM_THREADS": "1",
        MARKER_ENV: "1",
    }
    for k in PASS_ENV:
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def _limiter(rlimits):
    """A ``preexec_fn`` applying ``[(name, value)]`` rlimits (soft = hard) in the child."""

    def preexec():
        import resource

        for which, value in rlimits:
            try:
                resource.setrlimit(getattr(resource, which), (value, value))
            except (ValueError, OSError):
                pass
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return preexec


def _user_kwargs(user) -> dict:
    return {} if user is None else dict(user=user.uid, group=user.gid, extra_groups=[])


class _Forked:
    """A check process forked by the zygote: the part of ``Popen``'s interface the sandbox uses.

    The zygote (its parent) waits for it and writes the exit status to ``status_fd``; if the
    zygote itself dies first, the status is unknown and the process group is killed."""

    def __init__(self, pid: int, status_fd: int):
        self.pid, self._fd, self.returncode = pid, status_fd, None
        self._buf = b""

    def _collect(self, timeout: float) -> None:
        if self.returncode is not None or self._fd is None:
            return
        end = time.monotonic() + timeout
        while True:
            ready, _, _ = select.select([self._fd], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                return
            chunk = os.read(self._fd, 64)
            if chunk:
                self._buf += chunk
                if b"\n" not in self._buf:
                    continue
                try:
                    self.returncode = int(self._buf.split(b"\n", 1)[0])
                except ValueError:
                    self.returncode = -signal.SIGKILL
            else:  # the zygote is gone: make sure the check is too
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                self.returncode = -signal.SIGKILL
            os.close(self._fd)
            self._fd = None
            return

    def poll(self):
        self._collect(0.0)
        return self.returncode

    def wait(self, timeout: float | None = None):
        self._collect(3600.0 if timeout is None else timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired("zygote child", timeout)
        return self.returncode


class Zygote:
    """A fork server for one submission's checks (see ``zygote.py``): torch is imported once
    instead of once per check. Started lazily on the first ``spawn``; any problem with it
    (no fork-safe start, no answer, killed by a check) makes ``spawn`` return None from then
    on, and the sandbox starts its child the ordinary way.

    ``preload``: modules to import up front (those that exist are imported)."""

    START_TIMEOUT = 120.0
    REPLY_TIMEOUT = 30.0

    def __init__(self, preload=("numpy",), identity: Identity | None = None):
        self.preload = tuple(preload)
        self.identity = identity
        self.proc = None
        self.broken = False
        self.loaded: list[str] = []
        self._sock = None
        self._outer = None

    def _start(self) -> None:
        import json
        import socket

        user = self.identity if self.identity is not None else sandbox_user()
        self._outer = Path(tempfile.mkdtemp(prefix="nncourse-zygote-"))
        home = self._outer / secrets.token_hex(16)
        home.mkdir()
        for name in ("zygote.py", "child.py", "wire.py"):
            shutil.copy2(ENGINE_DIR / name, home / name)
        (home / "cwd").mkdir()
        os.chmod(self._outer, 0o711)
        os.chmod(home, 0o755)
        if user is not None:
            _chown_tree(home / "cwd", user.uid, user.gid)
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        become_subreaper()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-B", str(home / "zygote.py"), str(home), str(child_sock.fileno()),
                 _site_dirs(), *self.preload],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(home / "cwd"),
                env=sandbox_env(home / "cwd"), pass_fds=(child_sock.fileno(),), start_new_session=True,
                # no other limits here: each check lowers its own (a limit set here could not be raised)
                preexec_fn=_limiter([("RLIMIT_CORE", 0)]),
                **_user_kwargs(user))
        finally:
            child_sock.close()
        _ZYGOTES.add(self.proc.pid)
        self._sock = parent_sock
        parent_sock.settimeout(self.START_TIMEOUT)
        ready = json.loads(parent_sock.recv(1 << 16) or b"{}")
        if not ready.get("ready") or ready.get("threads") != 1:
            raise OSError(f"the zygote is not usable: {ready}")
        self.loaded = list(ready.get("loaded", []))
        parent_sock.settimeout(self.REPLY_TIMEOUT)

    def spawn(self, work: Path, req_r: int, resp_w: int, out_fd: int, err_fd: int, env: dict, rlimits) -> _Forked | None:
        """Fork a check child serving ``work`` (see ``Sandbox``), or None if the zygote cannot."""
        import json
        import socket

        if self.broken:
            return None
        status_r, status_w = os.pipe()
        try:
            if self.proc is None:
                self._start()
            msg = {"workdir": str(work), "env": env, "rlimits": rlimits, "site_dirs": _site_dirs()}
            socket.send_fds(self._sock, [json.dumps(msg).encode()], [req_r, resp_w, status_w, out_fd, err_fd])
            os.close(status_w)
            status_w = None
            pid = int(json.loads(self._sock.recv(1 << 16) or b"{}")["pid"])
            return _Forked(pid, status_r)
        except Exception:  # noqa: BLE001 - fall back to a fresh interpreter
            self.broken = True
            os.close(status_r)
            if status_w is not None:
                os.close(status_w)
            self.close()
            return None

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
            _ZYGOTES.discard(self.proc.pid)
            self.proc = None
            if not _LIVE:
                kill_strays()
        if self._outer is not None:
            shutil.rmtree(self._outer, ignore_errors=True)
            self._outer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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


def _proc_table() -> dict[int, tuple[int, int, str]]:
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


def _count_procs(uid: int) -> int:
    return sum(1 for _p, (_pp, u, _st) in _proc_table().items() if u == uid)


def _is_sandboxed(pid: int, uid: int, is_box_uid) -> bool:
    if is_box_uid is not None:
        return is_box_uid(uid)
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            return (MARKER_ENV + "=1").encode() in fh.read().split(b"\0")
    except OSError:
        return False


def kill_strays(rounds: int = 50) -> int:
    """Kill (and reap) every descendant of this process that a sandbox left behind.

    Descendants are found through /proc (this process is a child subreaper, so even
    processes detached with setsid are re-parented here); a process counts as a
    sandbox's when it runs as a sandbox id (root: ``sandbox_uids``) or carries the sandbox marker in
    its environment. Processes of sandboxes still open in this process are spared.
    Returns how many processes were killed.
    """
    if not sys.platform.startswith("linux"):
        return 0
    is_box_uid = sandbox_uids() if os.geteuid() == 0 else None
    me = os.getpid()
    killed = 0
    for _ in range(rounds):
        table = _proc_table()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _uid, _st) in table.items():
            children.setdefault(ppid, []).append(pid)
        found, stack = [], list(children.get(me, []))
        while stack:
            pid = stack.pop()
            if pid in _LIVE or pid in _ZYGOTES:
                continue
            found.append(pid)
            stack.extend(children.get(pid, []))
        victims = [p for p in found if _is_sandboxed(p, table[p][1], is_box_uid)]
        if not victims:
            break
        alive = [p for p in victims if table[p][2] != "Z"]
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        for pid in victims:  # reap the ones re-parented to us
            if table[pid][0] == me:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
        if not alive:
            time.sleep(0.005)
        else:
            time.sleep(0.01)
    return killed


def _site_dirs() -> str:
    """The grader interpreter's site-packages (the child adds them without .pth files)."""
    import site

    dirs = [d for d in site.getsitepackages() if os.path.isdir(d)]
    return os.pathsep.join(dirs)


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid, follow_symlinks=False)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)


__all__ = ["Sandbox", "Zygote", "UidLease", "Identity", "Limits", "kill_strays", "become_subreaper", "SandboxError", "StudentError", "SandboxTimeout", "SandboxCrashed", "Opaque", "Ref", "protect"]

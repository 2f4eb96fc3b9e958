"""What every sandboxed process gets: limits, a scrubbed environment, the errors it can end in."""
from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

PASS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LD_LIBRARY_PATH")
MARKER_ENV = "NNCOURSE_SANDBOX"  # set in every sandbox child (finds strays when not root)


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
        # set grader-side by ``Context``: the grader's name of the call that raised, and the
        # public checks that call the same function (where the student can see the traceback)
        self.target: str | None = None
        self.public_checks: tuple[str, ...] = ()


class SandboxTimeout(SandboxError):
    """The check's time ran out. ``what`` is safe to show for hidden checks (the limit and the
    grader's name of the call, no timings: how long a call took is the student's choice)."""

    def __init__(self, message: str, what: str | None = None):
        super().__init__(message)
        self.what = what if what is not None else message


class SandboxCrashed(SandboxError):
    """The child died or misbehaved. ``what`` is safe to show for hidden checks; the
    message (``str``) adds the tail of the child's output for staff and public checks."""

    def __init__(self, message: str, what: str | None = None):
        super().__init__(message)
        self.what = what if what is not None else message.split("\n", 1)[0]


class SandboxUnavailable(RuntimeError):
    """The grader's own side failed: the sandbox cannot start on this machine (never the
    student's fault: no submission is graded, nor charged, while this holds)."""


def sandbox_env(cwd: Path | str) -> dict:
    """The whole environment of a sandboxed process whose home is ``cwd``."""
    cwd = Path(cwd)
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
        # a check that asks torch for more threads: waiting threads sleep instead of spinning, so a
        # busy grading machine (--jobs, other graders) loses no CPU to them
        "OMP_WAIT_POLICY": "PASSIVE",
        MARKER_ENV: "1",
    }
    for k in PASS_ENV:
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def rlimits_for(lim: Limits, nproc: int | None = None) -> list[tuple[str, int]]:
    return [("RLIMIT_AS", lim.memory_mb << 20), ("RLIMIT_FSIZE", lim.file_mb << 20),
            ("RLIMIT_NOFILE", lim.nofile), ("RLIMIT_CORE", 0), ("RLIMIT_CPU", int(lim.timeout) + 10),
            ("RLIMIT_NPROC", lim.nproc if nproc is None else nproc)]


def limiter(rlimits):
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


def site_dirs() -> list[str]:
    """The grader interpreter's site-packages (the child adds them without .pth files)."""
    import site

    return [d for d in site.getsitepackages() if os.path.isdir(d)]


def chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid, follow_symlinks=False)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)


def tail(path: Path, n: int = 4000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - n))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""

"""Who sandboxed code runs as: an unprivileged user id leased for one submission (root only)."""
from __future__ import annotations

import os
import pwd
from pathlib import Path

from .ids import DEFAULT_UIDS, LEASE_DIR, Identity, sandbox_uid_range, sandbox_uids, sandbox_user
from .strays import kill_uid

__all__ = ["DEFAULT_UIDS", "LEASE_DIR", "Identity", "UidLease", "protect", "sandbox_uid_range", "sandbox_uids",
           "sandbox_user"]


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
            # nothing may outlive the submission under its id: the next lease of this id is
            # another student's (a process of any state, a zombie leader with live threads too)
            kill_uid(self.identity.uid)
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


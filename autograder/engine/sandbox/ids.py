"""Which user ids are the sandbox's: the shared unprivileged account and the leasable range.

Read by ``identity`` (leasing one id per submission) and ``strays`` (which leftover processes
are a sandbox's); neither imports the other's way back.
"""
from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from .limits import SandboxError


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

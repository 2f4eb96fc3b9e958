"""The sandbox: student code runs in isolated child processes; the grader talks to them.

One responsibility per module:

- ``isolation``: which level this machine allows (namespaces / uid / process), the probe
  child that proves it before anyone is graded, the mount layout, and the launcher;
- ``nslaunch``: the root-side launcher script (unshare, new root, drop to the sandbox uid);
- ``identity``: the unprivileged user id leased to one submission;
- ``limits``: rlimits, the scrubbed environment, the errors a check can end in;
- ``process``: ``Sandbox``, the parent side of one check's child;
- ``forkserver``: ``Zygote``, the parent side of a submission's fork server;
- ``strays``: finding and killing leftovers where there are no PID namespaces.
"""
from ..wire import Opaque, Ref
from .forkserver import Forked, Zygote
from .identity import DEFAULT_UIDS, LEASE_DIR, Identity, UidLease, protect, sandbox_uid_range, sandbox_uids, sandbox_user
from .isolation import Isolation, current as current_isolation, reset as reset_isolation
from .limits import (Limits, SandboxCrashed, SandboxError, SandboxTimeout, SandboxUnavailable, StudentError,
                     sandbox_env)
from .process import Sandbox
from .strays import become_subreaper, kill_strays, kill_uid, proc_table

_proc_table = proc_table  # older name, used by tests

__all__ = ["Sandbox", "Zygote", "Forked", "UidLease", "Identity", "Isolation", "Limits", "current_isolation",
           "reset_isolation", "kill_strays", "kill_uid", "become_subreaper", "SandboxError", "StudentError",
           "SandboxTimeout", "SandboxCrashed", "SandboxUnavailable", "Opaque", "Ref", "protect", "proc_table",
           "sandbox_env", "sandbox_uid_range", "sandbox_uids", "sandbox_user", "DEFAULT_UIDS", "LEASE_DIR"]

"""The parent side of one check: a live sandboxed child serving calls into a submission tree.

Layout of a box root (host side; ``/box`` inside namespaces): ``<root>/<random token>/``
holds ``sub/`` (the student's tree), ``grader/`` (child runner, wire, kit, probes), ``req/``
(requests, written by the grader only), ``resp/`` (answers) and ``cwd/`` (home, TMPDIR).
A check forked by a submission's fork server shares the server's root; otherwise the check
has a root of its own. Requests and answers are files plus a line on a pipe; answers are
read with size caps and never unpickled (``wire``).
"""
from __future__ import annotations

import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from .. import wire
from ..wire import Ref
from . import isolation as iso
from . import reaper
from .identity import Identity, sandbox_user
from .limits import (Limits, SandboxCrashed, SandboxTimeout, StudentError, chown_tree, limiter, rlimits_for,
                     sandbox_env, site_dirs, tail)
from .budget import CheckBudget
from .strays import LIVE, become_subreaper, count_procs, kill_now, kill_strays

ENGINE_DIR = Path(__file__).resolve().parents[1]
MAX_ANSWER_JSON = 8 << 20  # bytes of an answer's JSON part (arrays travel in the .npz)


class Sandbox:
    """A live child process serving calls into one prepared submission tree.

    ``subdir`` holds ``starter/`` (the student's package, with provided files restored);
    ``probes`` lists files copied beside the child runner (trusted helpers, no secrets).
    """

    def __init__(self, subdir: Path, limits: Limits, probes: dict[str, Path] | None = None,
                 zygote=None, identity: Identity | None = None):
        self.limits = limits
        self.zygote = zygote
        self.isolation = iso.current()
        self.deadline = time.monotonic() + limits.timeout  # set again once the process runs
        self._n = 0
        self.proc = None
        self._inner = None  # host pid of the namespace's PID 1 (fresh children with namespaces)
        self.outer = None  # a box root of our own (removed on close)
        user = identity if identity is not None else sandbox_user()
        try:
            root = zygote.box_root() if zygote is not None and self.isolation.namespaced else None
            if root is None:
                self.outer = root = iso.make_box_root()
                if self.isolation.namespaced:
                    iso.prepare_box_root(root)
            token = secrets.token_hex(16)
            self.work = root / token
            self.inner_work = f"{iso.BOX}/{token}" if self.isolation.namespaced else str(self.work)
            self.work.mkdir()
            shutil.copytree(subdir, self.work / "sub", symlinks=True)
            grader = self.work / "grader"
            grader.mkdir()
            for name in ("child.py", "wire.py", "kit.py"):  # kit: the grader's helpers for the probes
                shutil.copy2(ENGINE_DIR / name, grader / name)
            for name, src in (probes or {}).items():
                shutil.copy2(src, grader / name)
            for d in ("req", "resp", "cwd", "cwd/tmp", "cwd/.config"):
                (self.work / d).mkdir()
            self._out = open(self.work / "stdout.txt", "wb")
            self._err = open(self.work / "stderr.txt", "wb")
            os.chmod(self.work / "stdout.txt", 0o600)
            os.chmod(self.work / "stderr.txt", 0o600)
            for d in (self.work, grader, self.work / "req"):
                os.chmod(d, 0o755)
            if user is not None:
                for d in ("sub", "resp", "cwd"):
                    chown_tree(self.work / d, user.uid, user.gid)
            # memory, CPU and processes of the check as a whole (every process it starts together)
            # (scope by uid only for a leased id: the default sandbox user is shared by every grader)
            own_uid = identity.uid if identity is not None and os.geteuid() == 0 else None
            self.budget = CheckBudget(limits.memory_mb, limits.timeout + 10, limits.nproc, own_uid)
            self._start(user)
            self.budget.start(getattr(self.proc, "pid", None))
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
        inner = self.inner_work
        env = sandbox_env(f"{inner}/cwd")
        lim = self.limits
        drop = user is not None
        # RLIMIT_NPROC counts every process of the user: as root the sandbox user's, otherwise
        # ours, so leave room above what already runs (a fork bomb still stops quickly)
        rlimits = rlimits_for(lim, None if drop else count_procs(os.getuid()) + lim.nproc)
        argv = [iso.real_python() if self.isolation.namespaced else sys.executable, "-I", "-S", "-B",
                f"{inner}/grader/child.py", inner, str(req_r), str(resp_w), os.pathsep.join(site_dirs())]
        try:
            if self.zygote is not None:
                self.proc = self.zygote.spawn(inner, req_r, resp_w, self._out.fileno(), self._err.fileno(),
                                              env, rlimits)
            if self.proc is None and self.isolation.namespaced:
                spec = iso.mount_spec(self.work.parent, user.uid, user.gid, argv, env, f"{inner}/cwd", rlimits)
                launched = iso.launch(spec, pass_fds=(req_r, resp_w), stdout=self._out, stderr=self._err)
                self.proc, self._inner = launched.proc, launched.inner
            elif self.proc is None:
                self.proc = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err, cwd=str(self.work / "cwd"),
                    env=env, pass_fds=(req_r, resp_w), start_new_session=True, preexec_fn=limiter(rlimits),
                    **_user_kwargs(user))
        finally:
            os.close(req_r)
            os.close(resp_w)
        if self.proc.pid is not None:
            LIVE.add(self.proc.pid)
        self._resp_buf = b""

    def kill(self):
        pids = [p for p in (getattr(self.proc, "pid", None), self._inner) if p]
        if self.proc is not None and self.proc.poll() is None:
            kill_now(pids, self.proc)
        elif self.proc is not None:
            # the leader exited; stragglers (fork bombs) may still hold the group
            for pid in pids:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def close(self):
        budget = getattr(self, "budget", None)
        if budget is not None:
            budget.stop()
            if budget.uid is not None:
                budget.kill_all()
        self.kill()
        if self.proc is not None:
            LIVE.discard(self.proc.pid)
            if not LIVE:
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
        work = getattr(self, "work", None)  # every process of the check is gone: remove in the background
        if work is not None:
            reaper.remove_later(work)
        if self.outer is not None:
            reaper.remove_later(self.outer)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def output_tail(self, n: int = 2000) -> str:
        out = tail(self.work / "stdout.txt", n)
        err = tail(self.work / "stderr.txt", n)
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
                if len(self._resp_buf) > 4096:
                    self.kill()
                    raise SandboxCrashed("the sandbox flooded the grader's pipe (did the code write to it?)")
        line, _, self._resp_buf = self._resp_buf.partition(b"\n")
        if line.decode(errors="replace").strip() != n:
            self.kill()
            raise SandboxCrashed("the sandbox answered out of turn (did the code write to the grader's pipe?)")
        try:
            resp = wire.load(str(self.work / "resp"), f"resp{n}", max_bytes=(self.limits.file_mb + 1) << 20,
                             max_json_bytes=MAX_ANSWER_JSON)
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
        """(message with the exit status and output tail, what a hidden check may show).

        The second part names only what the grader knows without the student's say: that the
        process ended, and for the three signals a limit sends, which one. An exit status or
        another signal is the student's choice (``sys.exit(n)``, ``os.kill``), so it could
        carry a hidden input: it stays in the staff message."""
        code = self.proc.poll() if self.proc else None
        if code is None:
            try:
                code = self.proc.wait(timeout=2)
            except Exception:  # noqa: BLE001
                code = None
        budget = getattr(self, "budget", None)
        if budget is not None and budget.reason:
            return f"{budget.reason} ({budget.detail})", budget.reason
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
            safe = what if hint else "the process was killed by a signal"
        elif code is not None:
            what = f"the process exited with status {code} (sys.exit or os._exit in your code?)"
            safe = "the process exited (sys.exit or os._exit in your code?)"
        else:
            what = safe = "the process stopped answering"
        tail_ = self.output_tail(600)
        return what + (f"\nlast output:\n{tail_}" if tail_ else ""), safe

    def call(self, target, *args, keep: bool = False, kind: str = "student", return_args: bool = False, **kwargs):
        return self._request({"op": "call", "target": target, "args": list(args), "kwargs": kwargs,
                              "keep": keep, "kind": kind, "return_args": return_args})

    def get(self, ref: Ref):
        return self._request({"op": "get", "target": ref})

    def setitem(self, ref: Ref, key, value):
        return self._request({"op": "setitem", "target": ref, "key": key, "value": value})

    def setattr(self, ref: Ref, key: str, value):
        return self._request({"op": "setattr", "target": ref, "key": key, "value": value})


def _user_kwargs(user) -> dict:
    return {} if user is None else dict(user=user.uid, group=user.gid, extra_groups=[])

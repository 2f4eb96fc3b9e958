"""Helpers for the engine tests: the fixture corpus and a timed grader call."""
import os
import textwrap
import time
from pathlib import Path

import pytest

from autograder.engine import grade_submission
from autograder.engine.sandbox import _proc_table, reset_isolation, sandbox_uids

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "example"
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="isolation by uid needs root (CI runs as root)")


LEVELS = ["namespaces", "fallback"] if ROOT else ["fallback"]


@pytest.fixture(params=LEVELS)
def level(request, monkeypatch):
    """Run a test once per isolation level this machine offers (namespaces need root)."""
    from autograder.engine.sandbox import SandboxUnavailable, current_isolation

    monkeypatch.setenv("NNCOURSE_ISOLATION", request.param)
    reset_isolation()
    try:
        current_isolation()
    except SandboxUnavailable as exc:  # e.g. the fallback, with the project inside a 0700 folder
        reset_isolation()
        pytest.skip(f"isolation level {request.param!r} cannot start on this machine: {exc}")
    yield request.param
    reset_isolation()


def grade(sub, only=None, *, bound: float = 30.0, **kw):
    """Grade a fixture (name) or path with the example suite; assert it ends within ``bound`` s."""
    path = FIXTURES / sub if isinstance(sub, str) else sub
    start = time.monotonic()
    r = grade_submission("example", path, only=only, **kw)
    took = time.monotonic() - start
    assert took < bound, f"grading {sub} took {took:.1f} s (bound {bound} s)"
    return r


def by_id(result):
    return {c.id: c for c in result.checks}


def sandbox_descendants():
    """Processes below this one that run as a sandbox id (root) - should be none after a check."""
    table = _proc_table()
    me = os.getpid()
    kids = {}
    for pid, (ppid, _u, _s) in table.items():
        kids.setdefault(ppid, []).append(pid)
    out, stack = [], list(kids.get(me, []))
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(kids.get(p, []))
    if not ROOT:
        return []
    is_box_uid = sandbox_uids()
    return [p for p in out if is_box_uid(table[p][1])]


def tools_submission(root: Path, source: str) -> Path:
    """``root/sub/starter/example/tools.py`` holding ``source`` (dedented): a submission whose
    functions a test calls in the sandbox as ``example.tools:<name>``. Returns ``root/sub``."""
    pkg = root / "sub" / "starter" / "example"
    pkg.mkdir(parents=True)
    (pkg.parent / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "tools.py").write_text(textwrap.dedent(source))
    return root / "sub"

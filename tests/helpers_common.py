"""The homeworks' shared test kit: what every ``tests/<hw>/helpers.py`` builds on.

* :func:`make_tree`: a submission tree ``root/starter/<hw>/`` written from the reference
  (``solutions/<hw>/``), optionally stripped to the blank starter (as ``course build`` does),
  with ``(file, old, new)`` patches laid over it and extra files (weights) beside the code;
* :func:`apply_patches`: the patches alone; each ``old`` must occur exactly once, so a patch never
  silently stops applying when the reference changes;
* :func:`suite_checks`: a homework's checks by id (its suite loaded once per call);
* :func:`run_checks`: checks run on a tree through the real engine (a sandboxed child each, or
  children forked from a fork server, as ``grade_submission`` runs a submission's checks; :func:`shared_server`);
* :func:`suite_fixtures`, :func:`assert_all_passed`, :func:`assert_all_fail_cleanly`: a suite test's
  module-scoped reference and blank-starter results and what every suite demands of them;
* :func:`validity_functions`: ``buggy()``, ``correct()``, ``handout()`` of a
  ``tests/<hw>/validity_variants.py`` over the tables of its variant module(s);
* :func:`imported_names`: the modules a source file imports (for "who imports what" tests);
* :func:`sample`, :func:`grade_through_nbgrader`, :func:`nbgrader_fixture`, :func:`assert_nbgrader_score`:
  a sample submission by name; samples graded by ``nbgrader autograde`` in a fresh ``course release``
  of their homework (or one sample, as a module-scoped fixture), and the score its expectations record;
* :func:`check_samples`: a homework's sample submissions are the ones its make_samples.py writes
  and each materialises.

Nothing here names a homework: each ``tests/<hw>/helpers.py`` passes its own id, file list and
defaults, and keeps its public names (the tests import them from there); the fixtures and
assertions are used by the tests directly, with the homework's id or its helpers as arguments.
"""
from __future__ import annotations

import ast
import atexit
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from autograder.build.markers import strip_solutions
from autograder.engine import load_suite, run_check
from autograder.engine.grade import zygote_enabled
from autograder.engine.sandbox import Zygote

REPO = Path(__file__).resolve().parents[1]


def solutions(hw: str) -> Path:
    """The reference tree of ``hw``: ``solutions/<hw>/``."""
    return REPO / "solutions" / hw


def apply_patches(dest: Path, patches: Iterable[tuple[str, str, str]]) -> None:
    """Replace ``old`` by ``new`` in ``dest/file`` for each ``(file, old, new)``; ``old`` must
    occur exactly once (AssertionError naming the file and the text otherwise)."""
    for fname, old, new in patches:
        path = dest / fname
        text = path.read_text()
        count = text.count(old)
        if count != 1:
            raise AssertionError(f"patch for {fname}: {old!r} occurs {count} times")
        path.write_text(text.replace(old, new))


def make_tree(root: Path, hw: str, files: Iterable[str] | None = None, patches=(), blank: bool = False,
              extra: Mapping[str, bytes] | None = None) -> Path:
    """Write ``root/starter/<hw>/`` from the reference and return ``root``.

    ``files``: the reference modules copied (default: every ``solutions/<hw>/*.py``, sorted).
    ``patches``: ``(file, old, new)`` replacements (:func:`apply_patches`).
    ``blank``: strip the solution regions, as ``course build`` does for students.
    ``extra``: ``{name: bytes}`` written next to the code after the patches (e.g. weight files).
    """
    src = solutions(hw)
    dest = root / "starter" / hw
    dest.mkdir(parents=True, exist_ok=True)
    (root / "starter" / "__init__.py").write_text("")
    paths = sorted(src.glob("*.py")) if files is None else [src / name for name in files]
    for p in paths:
        text = p.read_text()
        if blank:
            text = strip_solutions(text, str(p))
        (dest / p.name).write_text(text)
    apply_patches(dest, patches)
    for name, data in (extra or {}).items():
        (dest / name).write_bytes(data)
    return root


def suite_checks(hw: str, drop: Iterable[str] = (), keep=None) -> dict:
    """``{check id: Check}`` of ``hw``'s suite, in the suite's order, without the ids in ``drop``
    and, when ``keep`` is given, only those whose check satisfies ``keep(check)``."""
    out = {c.id: c for c in load_suite(hw).checks() if keep is None or keep(c)}
    for i in drop:
        out.pop(i, None)
    return out


_SERVERS: dict[tuple, Zygote] = {}  # (preload, isolation level) -> a fork server of this test process
_AT_EXIT: list = []  # close_shared_servers, once registered


def shared_server(preload=("numpy",)) -> Zygote | None:
    """A fork server of this test process that has imported ``preload``, shared by the
    :func:`run_checks` calls that ask for the same libraries (``NNCOURSE_ZYGOTE=0``: None).

    A child forked from a server costs about 40 ms of set-up, against 150-180 ms of CPU for a fresh
    interpreter that imports numpy (measured 2026-12-07), and a server that has imported torch saves
    each torch check its 1.2-1.6 s import. Tests only: in grading, one fork server serves one student.
    Besides the numpy-only server, only the last other one asked for is kept (so that a process never
    holds several homeworks' torch). A new server replaces one a check broke, or one started at another
    isolation level (tests that switch levels). All of them end after each test file
    (:func:`close_shared_servers`, called by tests/conftest.py), so that no server outlives the tests
    that use it (the engine's tests count the sandbox processes a test leaves behind)."""
    if not zygote_enabled():
        return None
    from autograder.engine.sandbox import current_isolation

    key = (tuple(preload), current_isolation().level)
    server = _SERVERS.get(key)
    if server is not None and not server.broken:
        return server
    for k in [k for k in _SERVERS if k == key or (k[0] != ("numpy",) and key[0] != ("numpy",))]:
        _SERVERS.pop(k).close()
    if not _AT_EXIT:
        _AT_EXIT.append(atexit.register(close_shared_servers))
    server = _SERVERS[key] = Zygote(tuple(preload))
    return server


def close_shared_servers() -> None:
    """Close every server :func:`shared_server` started in this process."""
    while _SERVERS:
        _SERVERS.popitem()[1].close()


def run_checks(hw: str, tree: Path, chosen: Mapping, seed: int = 0, zygote: bool = False) -> dict:
    """Run the checks ``chosen`` (``{id: Check}``) of ``hw`` on ``tree``: ``{id: CheckResult}``.

    ``zygote``: fork the checks' children from one fork server that has imported the suite's
    libraries, as ``grade_submission`` does (started at the first call into the sandbox; not with
    ``NNCOURSE_ZYGOTE=0``). Worth it for a whole suite, or checks that all import torch (pose's
    model checks: 93 -> 56 CPU s for its variant tests); for a few numpy checks a server that imports
    torch first costs more than it saves (nist36's and fms's variant tests: 27 -> 71 CPU s), so by
    default the children fork from a numpy-only server. Both servers are this test process's, shared
    between calls (:func:`shared_server`)."""
    suite = load_suite(hw)
    probes = suite.probe_files()
    server = shared_server(suite.preload if zygote else ("numpy",))
    return {i: run_check(c, tree, probes, seed=seed, zygote=server) for i, c in chosen.items()}


def suite_fixtures(make_tree, grade):
    """Two module-scoped fixtures, ``reference_results`` and ``blank_results``: ``grade`` (the
    homework's helper) of the reference tree and of the blank starter (``make_tree(root, blank=True)``).
    A suite test binds them at module level: ``reference_results, blank_results = suite_fixtures(...)``."""
    @pytest.fixture(scope="module")
    def reference_results(tmp_path_factory):
        return grade(make_tree(tmp_path_factory.mktemp("ref")))

    @pytest.fixture(scope="module")
    def blank_results(tmp_path_factory):
        return grade(make_tree(tmp_path_factory.mktemp("blank"), blank=True))

    return reference_results, blank_results


def assert_all_passed(results: Mapping) -> None:
    """Every ``{id: CheckResult}`` passed (AssertionError listing status, message and log of the rest)."""
    bad = {i: (r.status, r.message, r.log) for i, r in results.items() if r.status != "passed"}
    assert not bad


def assert_all_fail_cleanly(results: Mapping, says: Mapping[str, str] | None = None) -> None:
    """Every check failed (or errored) with score 0 and a student-facing message, never an
    internal grader error (the blank starter's verdict); ``says``: ``{check id: words}`` its message holds."""
    for i, r in results.items():
        assert r.status in ("failed", "error"), i
        assert "internal grader error" not in r.message, (i, r.log)
        assert r.score == 0
    for i, words in (says or {}).items():
        assert words in results[i].message, (i, results[i].message)


def check_samples(hw: str, dest: Path) -> dict:
    """``tests/fixtures/samples/<hw>/make_samples.py --check`` passes (the patches are the ones it
    writes) and every sample of ``hw`` materialises under ``dest/<name>`` (raises if a patch does not
    apply). Returns ``{name: materialised folder}``."""
    from autograder.instructor.samples import load_samples

    script = REPO / "tests" / "fixtures" / "samples" / hw / "make_samples.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {s.name: s.materialize(dest / s.name) for s in load_samples(hw)}


def validity_functions(variants, table: str, kept=None):
    """``buggy()``, ``correct()`` and ``handout()`` as ``benchmarks/validity.py`` reads them from a
    ``tests/<hw>/validity_variants.py``: ``buggy()`` ``{name: (patches, [check id], None)}`` from the rows
    ``(patches, check id, ...)`` of ``variants.<table>``; ``correct()`` and ``handout()`` copies of the
    ``CORRECT`` and (optional) ``HANDOUT`` tables of ``kept`` (default: ``variants``)."""
    kept = variants if kept is None else kept

    def buggy() -> dict:
        return {name: (row[0], [row[1]], None) for name, row in getattr(variants, table).items()}

    def correct() -> dict:
        return dict(kept.CORRECT)

    def handout() -> dict:
        return dict(getattr(kept, "HANDOUT", {}))

    return buggy, correct, handout


def imported_names(path: Path) -> set[str]:
    """The modules the Python file ``path`` imports anywhere (also inside functions): ``import a.b``
    gives ``a.b``, ``from ..x import y`` gives ``..x`` (the leading dots of a relative import kept)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def sample(hw: str, name: str):
    """The sample submission ``name`` of ``hw`` (tests/fixtures/samples/<hw>/)."""
    from autograder.instructor.samples import load_samples

    return {s.name: s for s in load_samples(hw)}[name]


def grade_through_nbgrader(tmp_path_factory, hw: str, samples) -> dict:
    """``course release <hw>`` into a fresh course folder, then ``nbgrader autograde`` of ``samples``
    there (no feedback): ``{sample name: result}`` (``autograder.instructor.pipeline.grade_nbgrader``)."""
    from autograder.instructor.nbgrader_course import Course
    from autograder.instructor.pipeline import grade_nbgrader
    from autograder.instructor.release import release

    root = tmp_path_factory.mktemp("course")
    release(hw, root)
    return grade_nbgrader(Course(root), hw, samples, tmp_path_factory.mktemp("nb"), feedback=False)


def nbgrader_fixture(hw: str, name: str = "partial"):
    """A module-scoped fixture: ``(sample, result)``, the sample ``name`` of ``hw`` and its result
    through :func:`grade_through_nbgrader` (bind it at module level: ``graded = nbgrader_fixture(hw)``)."""
    @pytest.fixture(scope="module")
    def graded(tmp_path_factory):
        chosen = sample(hw, name)
        return chosen, grade_through_nbgrader(tmp_path_factory, hw, [chosen])[name]

    return graded


def assert_nbgrader_score(sample, result, max_code: float, max_written: float) -> None:
    """nbgrader's code score of ``sample`` (``result``: its entry in :func:`grade_through_nbgrader`)
    is the one its expectations record, out of ``max_code`` code and ``max_written`` written points."""
    score = result.score
    assert score.code_score == sample.expect["nbgrader"], (score.code_score, sample.expect)
    assert (score.max_code_score, score.max_written_score) == (max_code, max_written)

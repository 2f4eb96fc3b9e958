"""The fixture corpus (tests/fixtures/example/*): cheating or broken submissions.

Each test asserts that the grader survives, ends within a bound, and awards nothing
for the check the fixture attacks.
"""
import hashlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder.engine import grade_submission
from autograder.engine.grade import MAX_MESSAGE
from autograder.engine.sandbox import proc_table, reset_isolation
from autograder.engine.results import ERROR, FAILED, TIMEOUT

from .conftest import FIXTURES, REPO, by_id, grade, level, needs_root, sandbox_descendants  # noqa: F401

SF, SB, MR = "example.scale_forward", "example.scale_backward", "example.mean_rows"


@pytest.fixture(autouse=True, params=["fresh", "zygote"])
def process_mode(request, monkeypatch):
    """Every attack twice: checks started as fresh interpreters (one-check gradings, notebook
    cells) and checks forked by the per-submission zygote (whole submissions)."""
    monkeypatch.setenv("NNCOURSE_ZYGOTE", "0" if request.param == "fresh" else "always")
    return request.param


def zero(result, *ids):
    checks = by_id(result)
    for i in ids:
        assert checks[i].score == 0, (i, checks[i].status, checks[i].message)
    assert result.score <= result.max_score
    for c in result.checks:
        assert len(c.message) <= MAX_MESSAGE


def test_corpus_is_small():
    names = sorted(p.name for p in FIXTURES.iterdir())
    assert len(names) >= 20
    size = sum(f.stat().st_size for f in FIXTURES.rglob("*") if f.is_file())
    assert size < 200_000


@pytest.mark.parametrize("name", ["infinite_loop", "sleep"])
def test_never_returns(name):
    r = grade(name, [SF], max_timeout=1.5, bound=15)
    zero(r, SF)
    c = by_id(r)[SF]
    assert c.status == TIMEOUT and "time limit" in c.message and "time limit" in c.safe_message


def test_memory_bomb():
    r = grade("memory_bomb", [SF], max_memory_mb=1024, max_timeout=20, bound=30)
    zero(r, SF)
    assert by_id(r)[SF].status in (ERROR, TIMEOUT)


@needs_root
def test_fork_bomb_and_escaped_processes_are_killed():
    r = grade("fork_bomb", [SF], max_timeout=5, bound=40)
    zero(r, SF)
    assert sandbox_descendants() == []


@pytest.mark.parametrize("name,ids", [
    ("sys_exit", [SF, MR]), ("os_exit", [SF, MR]), ("raise_systemexit", [MR]),
    ("raise_keyboardinterrupt", [MR]), ("raise_baseexception", [MR]),
])
def test_exits_and_base_exceptions(name, ids):
    r = grade(name, ids, max_timeout=10, bound=30)
    zero(r, *ids)
    for i in ids:
        assert by_id(r)[i].status == ERROR
    if name == "os_exit":
        assert "exited with status 0" in by_id(r)[MR].message


def test_output_floods_are_capped():
    r = grade("stdout_flood", [SF, "example.scale_shapes"], max_timeout=20, bound=40)
    zero(r, SF)
    c = by_id(r)[SF]
    assert c.status == FAILED and "input unchanged" in c.message
    # the public check passes on shape alone: floods cost nothing but time
    assert by_id(r)["example.scale_shapes"].status == "passed"


def test_forged_results_on_stdout_are_ignored():
    r = grade("forged_results", [MR], bound=20)
    zero(r, MR)
    assert by_id(r)[MR].status == FAILED


def test_forged_wire_files_are_refused():
    r = grade("forge_wire", [MR], max_timeout=10, bound=30)
    zero(r, MR)
    assert by_id(r)[MR].status == ERROR


@needs_root
def test_writes_outside_the_work_dir_are_blocked(tmp_path):
    target = Path("/tmp/nncourse-results-target")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(mode=0o755)
    (target / "results.json").write_text('{"score": 0}')
    try:
        r = grade("write_outside", [SF], bound=20)
        zero(r, SF)
        assert (target / "results.json").read_text() == '{"score": 0}'
        assert not (target / "extra.json").exists()
        for p in (REPO / "pwned.txt", REPO / "autograder/example/pwned.py", FIXTURES / "PWNED"):
            assert not p.exists()
    finally:
        shutil.rmtree(target, ignore_errors=True)


def test_monkeypatching_numpy_and_builtins_changes_nothing_here():
    r = grade("monkeypatch_numpy", [SF, MR], bound=20)
    zero(r, SF, MR)


def test_objects_that_compare_equal_to_everything():
    r = grade("always_equal", [SF, MR], bound=20)
    zero(r, SF, MR)
    assert "expected a numpy array" in by_id(r)[SF].message


def test_nan_and_inf():
    r = grade("nan_inf", [SF, MR], bound=20)
    zero(r, SF, MR)
    assert "non-finite" in by_id(r)[SF].message


def test_wrong_shape():
    r = grade("wrong_shape", [SF, MR, "example.scale_shapes"], bound=20)
    zero(r, SF, MR, "example.scale_shapes")
    assert "shape" in by_id(r)[SF].message and "wrong shape" in by_id(r)[SF].safe_message


def test_wrong_dtype():
    r = grade("wrong_dtype", [SF, MR], bound=20)
    zero(r, SF, MR)
    assert "dtype" in by_id(r)[SF].message


def test_returning_the_input_unchanged():
    r = grade("returns_input", [SF], bound=20)
    zero(r, SF)
    assert "returned the input unchanged" in by_id(r)[SF].message


def test_mutating_inputs():
    r = grade("mutates_input", [MR], bound=20)
    zero(r, MR)
    assert "must not modify its input" in by_id(r)[MR].message


@needs_root
def test_reference_and_hidden_suite_cannot_be_read(tmp_path):
    # a compiled copy of the hidden suite must be protected as well
    cache = REPO / "autograder" / "example" / "__pycache__"
    made = not cache.exists()
    import py_compile

    pyc = py_compile.compile(str(REPO / "autograder/example/hidden.py"),
                             cfile=str(cache / "hidden.cpython-311.pyc"))
    try:
        os.chmod(pyc, 0o644)
        r = grade("steal_reference", [SF], bound=20)
        zero(r, SF)
        assert by_id(r)[SF].status == FAILED
        assert not os.stat(pyc).st_mode & 0o004
    finally:
        os.unlink(pyc)
        if made:
            shutil.rmtree(cache, ignore_errors=True)


def test_symlink_pointing_outside_is_ignored(tmp_path):
    sub = tmp_path / "sub" / "example"
    sub.mkdir(parents=True)
    shutil.copy(FIXTURES / "returns_input" / "__init__.py", sub / "__init__.py")
    (sub / "ops.py").symlink_to(REPO / "solutions" / "example" / "ops.py")
    (tmp_path / "sub" / "starter").symlink_to(REPO / "solutions")
    r = grade(tmp_path / "sub", [SF, MR], bound=20)
    zero(r, SF, MR)
    assert "symlink" in r.error and "missing" in r.error


def test_path_traversal_zip(tmp_path):
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("example/__init__.py", "")
        zf.writestr("../../../tmp/nncourse-evil.py", "print('pwned')")
    r = grade(z, [SF], bound=10)
    zero(r, SF)
    assert "outside the submission" in r.error
    assert not Path("/tmp/nncourse-evil.py").exists()


def test_zip_bomb(tmp_path):
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("example/ops.py", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(60):
                fh.write(block)
    assert z.stat().st_size < 2 << 20
    r = grade(z, [SF], bound=10)
    zero(r, SF)
    assert "zip bomb" in r.error


def test_zip_submission_is_graded_like_a_folder(tmp_path):
    z = tmp_path / "ok.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in (REPO / "solutions" / "example").glob("*.py"):
            zf.write(f, f"hw/starter/example/{f.name}")
    r = grade(z, [SF, MR], bound=20)
    assert r.score == r.max_score == 3


@pytest.mark.parametrize("name,words", [
    ("syntax_error", "syntax error"), ("import_error", "ModuleNotFoundError"),
    ("non_utf8", "UTF-8"), ("missing_file", "missing"),
])
def test_broken_sources(name, words):
    r = grade(name, [SF, MR], bound=20)
    zero(r, SF, MR)
    text = r.error + "\n".join(c.message for c in r.checks)
    assert words in text


def test_known_mistakes_are_named():
    r = grade("buggy_factor", [SB, MR], bound=20)
    zero(r, SB, MR)
    assert "averaged instead of summed" in by_id(r)[SB].message
    assert "sign is flipped" in by_id(r)[MR].message and "sign is flipped" in by_id(r)[MR].safe_message


def test_fixture_tree_is_unchanged_by_grading():
    digest = hashlib.sha256()
    for f in sorted(FIXTURES.rglob("*")):
        if f.is_file():
            digest.update(f.read_bytes())
    before = digest.hexdigest()
    grade("returns_input", [SF], bound=20)
    digest = hashlib.sha256()
    for f in sorted(FIXTURES.rglob("*")):
        if f.is_file():
            digest.update(f.read_bytes())
    assert digest.hexdigest() == before


# -- isolation by construction (namespaces) and what the fallback still guarantees ----------------

def _second_clone(tmp_root: Path) -> Path:
    """A world-readable copy of the reference outside the checkout (a second clone, a build output)."""
    clone = tmp_root / "solutions" / "example"
    clone.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "solutions" / "example" / "ops.py", clone / "ops.py")
    for p in [clone / "ops.py", *[clone, *clone.parents][:3]]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    return clone


@needs_root
@pytest.mark.parametrize("name", ["steal_other_clone", "steal_git", "peek_grader"])
def test_nothing_of_the_host_is_visible_with_namespaces(name, level):
    """A second clone, the checkout's .git (found from sys.path), the grader's and other
    students' command lines: none exists inside the namespaces. The fallback (no namespaces)
    cannot promise this: the README's security model says so."""
    if level != "namespaces":
        pytest.skip("the fallback level does not hide world-readable files or other processes")
    second = Path(tempfile.mkdtemp(prefix="nncourse-second-clone-", dir="/tmp"))
    os.chmod(second, 0o755)
    try:
        _second_clone(second)
        r = grade(name, [SF], bound=60)
        zero(r, SF)
        assert r.isolation == "namespaces"
    finally:
        shutil.rmtree(second, ignore_errors=True)


@needs_root
def test_files_left_in_shared_places_do_not_outlive_the_grading(level):
    leftovers = [Path(d) / f"nncourse-leftover-{uid}" for d in ("/tmp", "/var/tmp", "/dev/shm")
                 for uid in range(61000, 61010)]
    r = grade("leave_tmp", [SF], bound=30)
    zero(r, SF)
    if level == "namespaces":
        assert not [p for p in leftovers if p.exists()]
        assert "6e6e6301" not in Path("/proc/sysvipc/shm").read_text()
    for p in leftovers:  # the fallback level cannot prevent them: clean up after the test
        p.unlink(missing_ok=True)


@needs_root
def test_a_lingering_process_is_gone_before_the_next_submission(level, monkeypatch):
    """A process whose main thread exited (shown as a zombie) while a thread keeps running
    must not survive its submission, nor touch the next one graded under the same id."""
    monkeypatch.setenv("NNCOURSE_SANDBOX_UIDS", "61990-61990")  # the next student gets the same id
    r = grade("linger_thread", [SF], bound=60)
    zero(r, SF)
    left = [pid for pid, (_pp, uid, _st) in proc_table().items() if uid == 61990]
    assert left == [], f"processes of the submission's id outlived it: {left}"
    ok = grade_submission("example", REPO / "solutions")
    assert ok.score == ok.max_score, [(c.id, c.message) for c in ok.checks if c.score < c.points]


def test_the_grader_needs_no_traversable_tmpdir(level, monkeypatch, tmp_path):
    """A TMPDIR the sandbox user cannot enter (mode 0700) must not fail every student."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.setenv("TMPDIR", str(private))
    tempfile.tempdir = None
    try:
        ok = grade_submission("example", REPO / "solutions")
    finally:
        tempfile.tempdir = None
    assert ok.score == ok.max_score, [(c.id, c.message) for c in ok.checks if c.score < c.points]


@needs_root
def test_a_sandbox_that_cannot_start_stops_grading_with_the_cause(monkeypatch, tmp_path):
    """Without namespaces, an interpreter the sandbox user cannot reach is the grader's
    problem: one clear error before anyone is graded, never a zero for everyone."""
    from autograder.engine.sandbox import SandboxUnavailable, isolation as iso_mod

    hidden = tmp_path / "root-only"
    (hidden / "site-packages").mkdir(parents=True)
    os.chmod(hidden, 0o700)
    monkeypatch.setenv("NNCOURSE_ISOLATION", "fallback")
    monkeypatch.setattr(iso_mod, "site_dirs", lambda: [str(hidden / "site-packages")])
    reset_isolation()
    try:
        with pytest.raises(SandboxUnavailable, match="not world-executable"):
            grade_submission("example", REPO / "solutions")
    finally:
        reset_isolation()

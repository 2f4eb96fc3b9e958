"""Issue #26: no module of the grading engine over 400 lines, each one saying what it holds.

The engine's large modules were split along their seams (``batch``: tests/engine/test_batch_split.py;
``cluster``, ``submission``, ``writers``, ``checks`` here). Each old module re-exports the names of
its parts, so callers, tests and a Dask server started with ``--preload autograder.engine.cluster``
keep working; no part imports the module it was split from (tests/test_layering.py: no circle).
"""
import ast
import importlib
from pathlib import Path

import pytest

import autograder.engine as engine_pkg

ENGINE = Path(engine_pkg.__file__).parent
MAX_LINES = 400

# old module -> the modules split out of it
SPLITS = {
    "cluster": ("cluster_payload", "cluster_worker", "cluster_connect"),
    "submission": ("submission_archives", "submission_search"),
    "writers": ("writers_common", "writers_html"),
    "checks": ("suite",),
}
# the public names each module had before its split (what other code imports from it)
PUBLIC_BEFORE = {
    "cluster": "ALLOWED_FAILURES CODE_HANDLERS ClusterSecurityError ClusterUnavailable DATA_FULL_HASH DATA_SAMPLE "
               "DATA_TTL GUARD_MARK HTTP_ROUTES MAX_PACK_BYTES MAX_PACK_FILES PackError REMOTE_PREFIX "
               "RemoteGradingError SKIP_DIRS SchedulerTarget dask_setup datasets_read decode fingerprint_digest "
               "fingerprint_mismatch grade_remote not_a_grading_task pack pack_folder parse_local require_namespaces "
               "run_on_cluster scheduler_target start_local_cluster suite_fingerprint tree_hash unpack_folder",
    "submission": "ARCHIVE_ERRORS ARCHIVE_SUFFIXES MAX_DEPTH MAX_FILES MAX_FILE_BYTES MAX_RATIO MAX_TOTAL_BYTES "
                  "MAX_WALK Prepared REPO SKIP_WALK SubmissionError diagnose find_homework_dir find_nested prepare "
                  "student_files",
    "writers": "FORMATS GRADEBOOK_FRONT SUFFIX atomic_write check_table clean_paths csv_columns gradebook "
               "gradescope_json ordered_parts pts score_line shown_figures to_csv to_gradescope to_html to_json "
               "to_markdown",
    "checks": "AUTOGRADER_DIR Check Context Suite available_homeworks check load_suite public_checks_calling",
}


def _engine_files() -> list[Path]:
    return sorted(p for p in ENGINE.rglob("*.py") if "__pycache__" not in p.parts)


def _own_names(path: Path) -> set[str]:
    """What a module defines at its top level (functions, classes, assigned names), not what it imports."""
    out = set()
    for n in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                if isinstance(t, ast.Name):
                    out.add(t.id)
    return out


def _relative_imports(path: Path) -> set[str]:
    """The sibling engine modules ``path`` imports (``from .x import``, ``from . import x``), lazy ones too."""
    out = set()
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(n, ast.ImportFrom) and n.level == 1:
            out |= {n.module.split(".")[0]} if n.module else {a.name for a in n.names}
    return out


def test_the_line_counter_sees_every_engine_module():
    names = {p.relative_to(ENGINE).as_posix() for p in _engine_files()}
    assert {"checks.py", "cluster.py", "sandbox/process.py", "suite.py"} <= names, sorted(names)


@pytest.mark.parametrize("path", _engine_files(), ids=lambda p: p.relative_to(ENGINE).as_posix())
def test_engine_module_is_at_most_400_lines_and_says_what_it_holds(path):
    rel = path.relative_to(ENGINE.parents[1]).as_posix()
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, (f"{rel} has {n} lines (at most {MAX_LINES}, issue #26): split it along a seam and "
                            f"re-export the moved names from it")
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{rel} has no module docstring"


@pytest.mark.parametrize("old", sorted(SPLITS))
def test_a_split_module_keeps_every_name(old):
    mod = importlib.import_module(f"autograder.engine.{old}")
    lost = [n for n in PUBLIC_BEFORE[old].split() if not hasattr(mod, n)]
    assert not lost, f"autograder.engine.{old} lost {lost}"
    for part in SPLITS[old]:
        pmod = importlib.import_module(f"autograder.engine.{part}")
        for name in sorted(_own_names(ENGINE / f"{part}.py")):
            assert getattr(mod, name, None) is getattr(pmod, name), \
                f"autograder.engine.{old} does not re-export {name} of autograder/engine/{part}.py"


@pytest.mark.parametrize("old", sorted(SPLITS))
def test_no_part_imports_the_module_it_was_split_from(old):
    for part in SPLITS[old]:
        assert old not in _relative_imports(ENGINE / f"{part}.py"), \
            f"autograder/engine/{part}.py imports {old}, which imports it (an import circle)"


def test_cluster_servers_are_preloaded_with_the_module_that_holds_the_guard():
    """``--preload autograder.engine.cluster`` (README; a ``--cluster local`` passes PRELOAD to every
    server) must find ``dask_setup`` there, and the worker's refusal names that module."""
    from autograder.engine import cluster, cluster_worker

    assert cluster_worker.PRELOAD == cluster.__name__
    assert importlib.import_module(cluster_worker.PRELOAD).dask_setup is cluster_worker.dask_setup
    assert cluster.grade_remote is cluster_worker.grade_remote  # the one task a guarded worker runs

"""Issue #26: batch.py split into the gradebook (records; the table) and the executors behind one
interface, each module at most 400 lines, no import circle, and every name other code and tests
import from ``autograder.engine.batch`` still there."""
import ast
from pathlib import Path

from autograder.engine import batch, executors, gradebook, gradebook_records

ENGINE = Path(batch.__file__).parent
SPLIT = ("batch", "executors", "gradebook", "gradebook_records", "cluster")


def _imports() -> dict[str, set[str]]:
    """Engine module -> the engine modules it imports, at module level or inside functions."""
    mods = {p.stem for p in ENGINE.glob("*.py")}
    graph = {}
    for m in mods:
        deps = set()
        for n in ast.walk(ast.parse((ENGINE / f"{m}.py").read_text())):
            if isinstance(n, ast.ImportFrom) and n.level == 1:
                deps.update([n.module.split(".")[0]] if n.module else [a.name for a in n.names])
        graph[m] = deps & mods
    return graph


def test_no_import_circle_through_the_batch():
    graph = _imports()
    for start in SPLIT:
        seen, todo = set(), [start]
        while todo:
            for dep in graph[todo.pop()]:
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        assert start not in seen, f"autograder/engine/{start}.py imports itself through {sorted(seen)}"
    assert "batch" not in graph["cluster"] and "batch" not in graph["executors"]


def test_modules_are_at_most_400_lines():
    for m in SPLIT[:-1]:
        n = len((ENGINE / f"{m}.py").read_text().splitlines())
        assert n <= 400, f"autograder/engine/{m}.py has {n} lines"


def _own_names(mod) -> set[str]:
    """What a module defines at its top level (functions, classes, constants), not what it imports."""
    out = set()
    for n in ast.parse(Path(mod.__file__).read_text()).body:
        if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
            out.add(n.name)
        elif isinstance(n, ast.Assign):
            out.update(t.id for t in n.targets if isinstance(t, ast.Name))
    return out


def test_batch_keeps_the_names_it_had():
    for name in ("grade_batch", "BatchReport", "REBUILD_EVERY_S", "grade_submission", "default_jobs", "_run_pool",
                 "_fail_payload", "SubmissionResult", "load_suite"):
        assert hasattr(batch, name), name
    for mod in (gradebook, gradebook_records):
        for name in _own_names(mod):
            assert getattr(batch, name, None) is getattr(mod, name), \
                f"autograder.engine.batch lost {name} ({mod.__name__})"
    assert batch._run_pool is executors._run_pool and batch.grade_one is gradebook_records.grade_one

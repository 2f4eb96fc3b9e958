"""One source of truth: starter/ and assignments/ are exactly what solutions/ generates."""
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.build import build, check, homeworks, plan
from autograder.build.markers import has_markers


def test_checked_in_tree_is_up_to_date(repo):
    stale = check(repo)
    assert stale == [], "run `course build`: stale generated files:\n" + "\n".join(stale)


def test_build_check_cli_reports_drift(tmp_path, repo):
    # a copy of the repo's solutions/ with one edited reference file
    import shutil

    shutil.copytree(repo / "solutions" / "example", tmp_path / "solutions" / "example")
    (tmp_path / "solutions" / "__init__.py").write_text("")
    assert build(tmp_path)  # first build writes files
    assert check(tmp_path) == []
    ops = tmp_path / "solutions" / "example" / "ops.py"
    ops.write_text(ops.read_text().replace("dx = a * dout", "dx = dout * a"))
    assert check(tmp_path) == []  # the edit sits inside a solution region: starter unchanged
    ops.write_text(ops.read_text() + "\n# provided comment\n")
    assert check(tmp_path) == ["starter/example/ops.py"]
    (tmp_path / "starter" / "example" / "stray.py").write_text("x = 1\n")
    assert any("stray.py" in s and "remove" in s for s in check(tmp_path))
    build(tmp_path)
    assert check(tmp_path) == []


def test_provided_files_are_byte_identical(repo):
    for hw in homeworks(repo):
        for src in (repo / "solutions" / hw).rglob("*.py"):
            if "notebooks" in src.parts or "__pycache__" in src.parts:
                continue
            dst = repo / "starter" / hw / src.relative_to(repo / "solutions" / hw)
            if not has_markers(src.read_text()):
                assert dst.read_bytes() == src.read_bytes(), dst


def _starter_modules(repo):
    for hw in homeworks(repo):
        for path in sorted((repo / "starter" / hw).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            rel = path.relative_to(repo).with_suffix("")
            yield ".".join(rel.parts).removesuffix(".__init__")


def test_starter_imports_cleanly_in_a_fresh_interpreter(repo):
    mods = list(_starter_modules(repo))
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)\n"
    res = subprocess.run([sys.executable, "-c", code, *mods], cwd=repo, capture_output=True, text=True,
                         timeout=300, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr[-3000:]


def test_starter_exposes_the_whole_api(repo):
    for hw in homeworks(repo):
        for src in sorted((repo / "solutions" / hw).rglob("*.py")):
            if "notebooks" in src.parts:
                continue
            rel = src.relative_to(repo / "solutions").with_suffix("")
            name = ".".join(rel.parts).removesuffix(".__init__")
            sol = importlib.import_module("solutions." + name)
            st = importlib.import_module("starter." + name)
            public = {n for n, v in vars(sol).items() if not n.startswith("_") and getattr(v, "__module__", None) == sol.__name__}
            missing = sorted(n for n in public if not hasattr(st, n))
            assert not missing, f"starter.{name} lacks {missing}"


def _marked_functions(repo):
    """(module, qualname, n_params) of every function with a solution region."""
    import ast

    from autograder.build.markers import find_regions

    for hw in homeworks(repo):
        for src in sorted((repo / "solutions" / hw).rglob("*.py")):
            if "notebooks" in src.parts:
                continue
            text = src.read_text()
            if not has_markers(text):
                continue
            rel = src.relative_to(repo / "solutions").with_suffix("")
            mod = ".".join(rel.parts)
            for region in find_regions(text, str(src)):
                yield mod, region.function


def test_every_marked_function_raises_not_implemented(repo):
    seen = 0
    for mod, qual in _marked_functions(repo):
        m = importlib.import_module("starter." + mod)
        obj = m
        parts = qual.split(".")
        for p in parts:
            obj = getattr(obj, p)
        if len(parts) > 1:  # a method: check the source instead of constructing the class
            src = inspect.getsource(obj)
            assert "raise NotImplementedError" in src, f"starter.{mod}.{qual}"
            seen += 1
            continue
        if inspect.isgeneratorfunction(obj):
            continue
        n = len([p for p in inspect.signature(obj).parameters.values()
                 if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
        try:
            obj(*([None] * n))
        except NotImplementedError:
            pass
        except Exception:  # provided code before the region needs real inputs: check statically
            assert "raise NotImplementedError" in inspect.getsource(obj), f"starter.{mod}.{qual}"
        else:
            pytest.fail(f"starter.{mod}.{qual} returned instead of raising NotImplementedError")
        seen += 1
    assert seen >= 3

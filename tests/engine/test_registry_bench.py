"""engine.registry's benchmark and README fields: CLI_TARGET_S, BENCH_SUBMISSIONS, FIGURE_CASES, SUMMARY (defaults,
declared values, errors naming the file), and the declarations that the benchmarks read."""
import importlib

import pytest

from autograder.engine import registry

from .test_registry import fake  # noqa: F401  (a homework zz_fake declared in sys.modules only)


def test_defaults_and_declared_values(fake):
    mod, repo = fake
    d = registry.declaration("zz_fake", repo=repo)
    assert (d.cli_target_s, d.bench_submissions, d.figure_cases) == (10.0, (), None)
    assert d.summary == "A fake"  # the suite's title
    (repo / "tests" / "zz_fake").mkdir(parents=True)
    (repo / "tests" / "zz_fake" / "figure_cases.py").write_text("")
    assert registry.declaration("zz_fake", repo=repo).figure_cases == "tests.zz_fake.figure_cases"
    mod.CLI_TARGET_S, mod.BENCH_SUBMISSIONS, mod.FIGURE_CASES = 3, ("solutions/zz_fake",), "x.y"
    mod.SUMMARY = " what students build "
    d = registry.declaration("zz_fake", repo=repo)
    assert d.summary == "what students build"
    assert (d.cli_target_s, d.bench_submissions, d.figure_cases) == (3.0, ("solutions/zz_fake",), "x.y")


@pytest.mark.parametrize("name, value", [("CLI_TARGET_S", 0), ("CLI_TARGET_S", "5"), ("CLI_TARGET_S", True),
                                         ("BENCH_SUBMISSIONS", "solutions/zz_fake"),
                                         ("SUMMARY", "two\nlines"), ("SUMMARY", " "), ("SUMMARY", 3)])
def test_bad_values_name_the_file(fake, name, value):
    mod, repo = fake
    setattr(mod, name, value)
    with pytest.raises(TypeError, match=rf"autograder/zz_fake/__init__.py: {name}"):
        registry.declaration("zz_fake", repo=repo)


def test_the_declarations_the_benchmarks_read_exist():
    bench = registry.bench_homework()
    assert bench.bench_submissions
    for rel in bench.bench_submissions:
        assert (registry.REPO / rel).is_dir() and any((registry.REPO / rel).glob("*.py")), rel
    for hw in registry.all_declarations():
        assert hw.cli_target_s > 0
        if hw.figure_cases:
            assert callable(importlib.import_module(hw.figure_cases).cases), hw.id


def test_no_benchmark_homework_is_a_lookup_error_naming_the_field(monkeypatch):
    monkeypatch.setattr(registry, "all_declarations", lambda: [])
    with pytest.raises(LookupError, match="BENCH_SUBMISSIONS"):
        registry.bench_homework()

"""engine.registry: one declaration per homework, with defaults; errors name the file at fault."""
import importlib
import sys
import types

import pytest

from autograder.engine import Suite, registry
from autograder.engine.checks import available_homeworks


def test_the_registry_lists_the_homeworks_course_list_shows():
    assert registry.homeworks() == available_homeworks()
    assert [h.id for h in registry.all_declarations()] == registry.homeworks()


def test_every_declaration_names_things_that_exist():
    import coursedata

    have = {m.name for m in __import__("pkgutil").iter_modules(coursedata.__path__)}
    for hw in registry.all_declarations():
        assert set(hw.datasets) <= have, (hw.id, hw.datasets)
        if hw.validity:
            mod = importlib.import_module(hw.validity)
            assert callable(mod.make_tree) and all(callable(getattr(mod, f)) for f in ("buggy", "correct", "handout"))
        for spec in hw.long_tests:
            assert spec == "samples" or (registry.REPO / spec).is_file(), (hw.id, spec)
        assert hw.samples is not None and (hw.samples / "perfect").is_dir(), hw.id
        assert hw.notebook_generator is not None and hw.notebook_generator.is_file(), hw.id


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """A homework ``zz_fake`` declared only in ``sys.modules``, in a repository at ``tmp_path``."""
    mod = types.ModuleType("autograder.zz_fake")
    mod.SUITE = Suite(homework="zz_fake", title="A fake")
    monkeypatch.setitem(sys.modules, "autograder.zz_fake", mod)
    return mod, tmp_path


def test_defaults_fill_what_a_declaration_leaves_out(fake):
    mod, repo = fake
    d = registry.declaration("zz_fake", repo=repo)
    assert (d.title, d.datasets, d.kernel_env, d.validity, d.long_tests) == ("A fake", (), (), None, {})
    assert d.samples is None and d.notebook_generator is None and d.prepare_data is None
    (repo / "tests" / "zz_fake").mkdir(parents=True)
    (repo / "tests" / "zz_fake" / "validity_variants.py").write_text("")
    (repo / "tests" / "fixtures" / "samples" / "zz_fake").mkdir(parents=True)
    (repo / "solutions" / "zz_fake" / "notebooks").mkdir(parents=True)
    (repo / "solutions" / "zz_fake" / "notebooks" / "make_zz.py").write_text("")
    d = registry.declaration("zz_fake", repo=repo)
    assert d.validity == "tests.zz_fake.validity_variants"
    assert d.samples == repo / "tests" / "fixtures" / "samples" / "zz_fake"
    assert d.notebook_generator == repo / "solutions" / "zz_fake" / "notebooks" / "make_zz.py"


def test_declared_fields_win_and_bad_ones_name_the_file(fake):
    mod, repo = fake
    mod.DATASETS, mod.KERNEL_ENV, mod.VALIDITY = ("mnist",), ("ZZ_FAST",), "tests.elsewhere"
    mod.LONG_TESTS = {"samples": 12}
    d = registry.declaration("zz_fake", repo=repo)
    assert (d.datasets, d.kernel_env, d.validity, d.long_tests) == (("mnist",), ("ZZ_FAST",), "tests.elsewhere",
                                                                    {"samples": 12})
    mod.DATASETS = "mnist"  # a string, not a tuple of names
    with pytest.raises(TypeError, match=r"autograder/zz_fake/__init__.py: DATASETS"):
        registry.declaration("zz_fake", repo=repo)


def test_an_unknown_homework_is_a_key_error_and_has_no_datasets():
    with pytest.raises(KeyError, match="no homework"):
        registry.declaration("zz_absent")
    assert registry.datasets_for("zz_absent") == ()
    assert registry.submit_files("zz_absent") == []

"""The suite's scheduling in tests/conftest.py: its list of long units names real tests, and
xdist's units are files, except each homework's samples test."""
import pytest

from autograder.engine import registry
from tests import conftest

from .conftest import REPO


def test_every_long_unit_names_an_existing_test_file():
    for spec in conftest.LONGEST_FIRST:
        path = spec.split("::")[0]
        assert (REPO / path).is_file(), f"LONGEST_FIRST names {path}, which does not exist: update tests/conftest.py"


def test_each_homework_s_samples_are_a_unit_and_other_tests_go_by_file():
    pytest.importorskip("xdist")
    sched = conftest._FileOrSampleScheduling.__new__(conftest._FileOrSampleScheduling)
    hws = registry.homeworks()
    a = f"{conftest.SAMPLES}::test_samples_score_as_expected_through_the_cli[{hws[0]}]"
    b = f"{conftest.SAMPLES}::test_samples_score_as_expected_through_the_cli[{hws[-1]}]"
    assert sched._split_scope(a) == a and sched._split_scope(b) == b
    suite_tests = f"tests/{hws[0]}/test_{hws[0]}_suite.py"
    assert sched._split_scope(f"{suite_tests}::test_x[1]") == suite_tests
    assert sched._split_scope(f"{suite_tests}::test_y") == suite_tests


def test_long_units_come_from_the_homeworks_declarations_longest_first():
    for hw in registry.all_declarations():
        for spec in hw.long_tests:
            unit = (f"{conftest.SAMPLES}::test_samples_score_as_expected_through_the_cli[{hw.id}]"
                    if spec == "samples" else spec)
            assert unit in conftest.LONGEST_FIRST, (hw.id, spec)
    seconds = {**conftest.COURSE_LONG_TESTS,
               **{(f"{conftest.SAMPLES}::test_samples_score_as_expected_through_the_cli[{hw.id}]"
                   if spec == "samples" else spec): s
                  for hw in registry.all_declarations() for spec, s in hw.long_tests.items()}}
    assert [seconds[u] for u in conftest.LONGEST_FIRST] == sorted(seconds.values(), reverse=True)


def test_tests_run_on_one_blas_thread_per_process():
    """The xdist workers fill the CPUs; threaded BLAS beside them multiplies the CPU time. A value
    set by the caller wins (`OPENBLAS_NUM_THREADS=2 make test`)."""
    from autograder.demo import ONE_THREAD

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        assert f"{var}=${{{var}:-1}}" in (REPO / "tests" / "run.sh").read_text(), var
        assert ONE_THREAD[var] == "1"


def test_homeworks_sharing_a_dataset_are_prepared_in_one_group():
    from autograder.demo import data_groups
    from autograder.instructor.hooks import datasets_for

    hws = registry.homeworks()
    groups = data_groups(hws)
    assert sorted(h for g in groups for h in g) == sorted(hws)
    for i, a in enumerate(groups):
        for b in groups[i + 1:]:
            assert not {d for h in a for d in datasets_for(h)} & {d for h in b for d in datasets_for(h)}
    sharing = [(a, b) for a in hws for b in hws if a < b and set(datasets_for(a)) & set(datasets_for(b))]
    assert sharing  # the course has homeworks that read one dataset (cifar10), or this test proves little
    for a, b in sharing:
        assert any({a, b} <= set(g) for g in groups), (a, b)


def test_a_shared_dataset_is_made_first_and_alone_then_every_homework_on_its_own(monkeypatch):
    """prepare_all_data makes a dataset two homeworks read (cifar10) in a child of its own before any
    homework's hook, then runs the hooks one homework per child; if making it fails, homeworks
    that share it stay in one child (data_groups)."""
    from autograder import demo

    calls = []

    class Done:
        def __init__(self, argv):
            calls.append(argv)
            self.returncode, self.stderr = 0, ""
            self.stdout = "\n".join(f"{a}: failed" for a in argv[3:] if a == fail) if argv[2] == demo._ENSURE else ""

    monkeypatch.setattr(demo.subprocess, "run", lambda argv, **kw: Done(argv))
    from autograder.instructor.hooks import datasets_for

    hws = registry.homeworks()
    shared = demo.shared_datasets(hws)
    assert shared, "no dataset is read by two homeworks: this test proves little"
    for d in {d for h in hws for d in datasets_for(h)}:
        assert (d in shared) == (sum(d in datasets_for(h) for h in hws) > 1), d
    fail = None
    assert demo.prepare_all_data(hws, jobs=1, log=lambda m: None) == []
    assert calls[0][2] == demo._ENSURE and calls[0][3:] == shared
    assert sorted(c[3:] for c in calls[1:]) == sorted([h] for h in hws)
    calls.clear()
    fail = shared[0]
    assert demo.prepare_all_data(hws, jobs=1, log=lambda m: None) == [f"{fail}: failed"]
    assert sorted(sorted(c[3:]) for c in calls[1:]) == sorted(sorted(g) for g in demo.data_groups(hws))

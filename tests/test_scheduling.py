"""The suite's scheduling in tests/conftest.py: its list of long units names real tests, and
xdist's units are files, except each homework's samples test."""
import pytest

from tests import conftest

from .conftest import REPO


def test_every_long_unit_names_an_existing_test_file():
    for spec in conftest.LONGEST_FIRST:
        path = spec.split("::")[0]
        assert (REPO / path).is_file(), f"LONGEST_FIRST names {path}, which does not exist: update tests/conftest.py"


def test_each_homework_s_samples_are_a_unit_and_other_tests_go_by_file():
    pytest.importorskip("xdist")
    sched = conftest._FileOrSampleScheduling.__new__(conftest._FileOrSampleScheduling)
    a = f"{conftest.SAMPLES}::test_samples_score_as_expected_through_the_cli[fms]"
    b = f"{conftest.SAMPLES}::test_samples_score_as_expected_through_the_cli[pose]"
    assert sched._split_scope(a) == a and sched._split_scope(b) == b
    assert sched._split_scope("tests/fms/test_fms_suite.py::test_x[1]") == "tests/fms/test_fms_suite.py"
    assert sched._split_scope("tests/fms/test_fms_suite.py::test_y") == "tests/fms/test_fms_suite.py"

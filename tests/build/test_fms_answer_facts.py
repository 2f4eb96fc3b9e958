"""fms's written answers state no fact its student notebooks' text gives away (issue #26): none of
its notebooks is on answerfacts.KNOWN_LEAKS any more, so a new leak fails `course build --check`."""
from autograder.build import REPO
from autograder.build.answerfacts import KNOWN_LEAKS, notebook_leaks


def test_fms_has_no_known_leaks_left():
    assert not [k for k in KNOWN_LEAKS if "/fms/" in k[0]]


def test_fms_notebooks_leak_no_answer():
    masters = sorted((REPO / "solutions" / "fms" / "notebooks").glob("*.ipynb"))
    assert len(masters) == 4
    assert [leak.message() for m in masters for leak in notebook_leaks(REPO, "fms", m)] == []

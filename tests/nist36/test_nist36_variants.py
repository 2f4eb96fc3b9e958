"""Known-buggy versions of the student functions are caught on their own part, with a
message naming the mistake; correct-but-different versions get full marks."""
import pytest

from .helpers import grade, make_tree
from .variants import BUGGY, CORRECT, ONE_CHARGE


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_buggy_variant_is_caught(name, tmp_path):
    patches, check_id, hint = BUGGY[name]
    tree = make_tree(tmp_path, patches)
    result = grade(tree, ids=[check_id])[check_id]
    assert result.score < result.points, f"{name} got full marks on {check_id}"
    assert "internal grader error" not in result.message, result.log
    text = result.message + " ".join(c["message"] + c["name"] for c in result.cases or [])
    assert hint in text, f"{name}: message lacks {hint!r}:\n{text}"


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_variant_gets_full_marks(name, tmp_path):
    patches, ids = CORRECT[name]
    tree = make_tree(tmp_path, patches)
    for check_id, result in grade(tree, ids=ids).items():
        assert result.status == "passed" and result.score == result.points, (name, check_id, result.message,
                                                                             result.cases)


@pytest.mark.parametrize("name", sorted(ONE_CHARGE))
def test_a_mistake_is_charged_once(name, tmp_path):
    """The upstream function's check charges the mistake; the downstream checks are judged on the
    student's own upstream, give full marks and say why."""
    patches, upstream, downstream = ONE_CHARGE[name]
    results = grade(make_tree(tmp_path, patches), ids=[upstream, *downstream])
    assert results[upstream].score < results[upstream].points, (name, upstream)
    for cid in downstream:
        r = results[cid]
        assert r.score == r.points, (name, cid, r.message, r.cases)
        assert "costs points in" in r.message, (name, cid, r.message)

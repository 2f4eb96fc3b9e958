"""Every handout question has a home (an autograded check, or a hand-graded answer with
points) and the points per question are the handout's."""
from autograder.engine import load_suite
from solutions.nist36.notebooks import make_notebook as mk

HANDOUT_POINTS = {
    "Q1.1": 3, "Q1.2": 3, "Q1.3": 3, "Q1.4": 3, "Q1.5": 12, "Q1.6": 4, "Q2.1.1": 3, "Q2.1.2": 3, "Q2.1.3": 3,
    "Q2.2.1": 4, "Q2.2.2": 3, "Q2.2.3": 3, "Q2.3": 7, "Q2.4": 5, "Q2.5": 5, "Q3.1": 5, "Q3.2": 3, "Q3.3": 3,
    "Q3.4": 3, "Q4.1": 4, "Q4.2": 10, "Q4.3": 5, "Q4.4": 8, "Q5.1.1": 5, "Q5.1.2": 5, "Q5.2": 5, "Q5.3.1": 5,
    "Q5.3.2": 5, "Q6.1.1": 5, "Q6.1.2": 5, "Q6.1.3": 5, "Q6.1.4": 10, "Q6.3": 20,
}


def test_every_question_has_its_points():
    suite = load_suite("nist36")
    points = dict.fromkeys(suite.parts, 0.0)
    for c in suite.checks():
        assert c.part in suite.parts, c.id
        points[c.part] += c.points
    for gid, (part, pts) in suite.manual().items():
        assert part in suite.parts, gid
        points[part] += pts
    assert list(suite.parts) == list(HANDOUT_POINTS)
    assert points == HANDOUT_POINTS


def test_notebook_has_a_graded_cell_or_answer_for_every_check_and_written_question():
    nb = mk.build()
    suite = load_suite("nist36")
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    graded_ids = {m["grade_id"] for m in meta if m.get("grade")}
    for c in suite.checks():
        assert f"test_{c.id.replace('.', '_')}" in graded_ids, c.id
    for gid, (_part, pts) in suite.manual().items():
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)
        assert cell.metadata["nbgrader"]["points"] == pts
        # the prompt (kept for students) sits right above the answer
        above = nb.cells[nb.cells.index(cell) - 1]
        assert above.cell_type == "markdown" and "graded by hand" in above.source and "nbgrader" not in above.metadata

"""Points per part of a suite: its checks' points plus its written answers' (used by each homework's
points test, which pins them to the handout's)."""
from autograder.engine import load_suite


def points_per_part(homework: str) -> dict[str, float]:
    suite = load_suite(homework)
    points = dict.fromkeys(suite.parts, 0.0)
    for c in suite.checks():
        assert c.part in suite.parts, f"{c.id}: part {c.part!r} is not in autograder/{homework}'s parts"
        points[c.part] += c.points
    for gid, (part, pts) in suite.manual().items():
        assert part in suite.parts, f"{gid}: part {part!r} is not in autograder/{homework}'s parts"
        points[part] += pts
    return points

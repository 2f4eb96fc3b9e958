"""A solution written only from the handout (tests/fms/handout_solution.py), dropped into the
blank starter, gets full marks on every part it implements (2.1 layers, 3 convolution)."""
from .handout_solution import CONV, LAYERS
from .helpers import checks, grade, make_tree

PARTS = ("2.1.1", "2.1.2", "2.1.3", "3a", "3b", "3c", "3d", "3e", "3f")


def test_handout_only_solution_gets_full_marks(tmp_path):
    tree = make_tree(tmp_path, blank=True)
    for name, extra in (("layers.py", LAYERS), ("conv.py", CONV)):
        path = tree / "starter" / "fms" / name
        path.write_text(path.read_text() + "\n\n# --- written from the handout alone ---" + extra)
    ids = [i for i, c in checks().items() if c.part in PARTS]
    assert len(ids) >= 12
    results = grade(tree, ids, seed=3)
    bad = {k: (r.score, r.points, r.message[:300]) for k, r in results.items() if r.score != r.points}
    assert not bad, bad

"""A solution written only from the handout (tests/lenet/handout_solution.py), dropped into
the blank starter, gets full marks on every part it implements."""
from pathlib import Path

from .helpers import checks, grade, make_tree

HERE = Path(__file__).resolve().parent


def test_handout_only_solution_gets_full_marks(tmp_path):
    tree = make_tree(tmp_path, blank=True)
    target = tree / "starter" / "lenet" / "cnn_lenet.py"
    target.write_text(target.read_text() + "\n\n# --- written from the handout alone ---\n"
                      + (HERE / "handout_solution.py").read_text().split('"""', 2)[2])
    ids = [i for i in checks(include_train=False) if not i.startswith("lenet.toy")
           and i != "lenet.public.toy_answers"]
    results = grade(tree, ids=ids, seed=3)
    bad = {k: (r.score, r.points, r.message[:300]) for k, r in results.items() if r.score != r.points}
    assert not bad, bad

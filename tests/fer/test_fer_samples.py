"""The fer samples' patches are the ones make_samples.py writes and they apply (the scores are
checked in tests/instructor/test_samples.py)."""
from autograder.instructor.samples import load_samples
from tests import helpers_common as kit


def test_sample_patches_are_up_to_date_and_apply(tmp_path):
    kit.check_samples("fer", tmp_path)


def test_perfect_sample_carries_the_model_files(tmp_path):
    perfect = {s.name: s for s in load_samples("fer")}["perfect"]
    sub = perfect.materialize(tmp_path / "perfect")
    names = {p.name for p in sub.rglob("*") if p.suffix in (".npz", ".pt")}
    assert names == {"cifar_two_layer.npz", "fer_model.npz", "fer_cnn.pt"}

"""Grader-held seeds: 128-bit secrets drawn once and kept with the grader's private data
(autograder/engine/graderdata.py), never constants in the source."""
from __future__ import annotations

import json
import re
import stat

import pytest

from autograder.engine import graderdata

REPO = graderdata.Path(__file__).resolve().parents[2]


@pytest.fixture
def store(monkeypatch, tmp_path):
    """A fresh data root and no fixture overrides."""
    monkeypatch.setenv("NNCOURSE_DATA", str(tmp_path))
    monkeypatch.delenv(graderdata.FIXTURE_ENV, raising=False)
    for hw in ("fer", "fms", "pose", "demo"):
        monkeypatch.delenv(f"{hw.upper()}_GRADER_SEED", raising=False)
    return tmp_path


def test_a_seed_is_128_random_bits_drawn_once_and_kept_private(store):
    a = graderdata.secret_seed("demo", "hidden")
    assert a.bit_length() == graderdata.SEED_BITS
    assert graderdata.secret_seed("demo", "hidden") == a  # kept
    assert graderdata.secret_seed("demo", "other") != a  # one secret per name
    path = graderdata.store_path("demo")
    assert path == store / "_grader" / "demo.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert {int(v, 16) for v in json.loads(path.read_text()).values()} >= {a}
    tag = graderdata.seed_tag("demo", "hidden")
    assert str(a) not in tag and hex(a)[2:] not in tag and tag == graderdata.seed_tag("demo", "hidden")


def test_another_grader_draws_another_seed(store, tmp_path_factory, monkeypatch):
    a = graderdata.secret_seed("demo", "hidden")
    monkeypatch.setenv("NNCOURSE_DATA", str(tmp_path_factory.mktemp("other")))
    assert graderdata.secret_seed("demo", "hidden") != a


def test_fixture_overrides(store, tmp_path, monkeypatch):
    table = tmp_path / "seeds.json"
    table.write_text(json.dumps({"demo": {"hidden": "0x2a"}}))
    monkeypatch.setenv(graderdata.FIXTURE_ENV, str(table))
    assert graderdata.secret_seed("demo", "hidden") == 42
    assert graderdata.secret_seed("demo", "other").bit_length() == 128  # not listed: the private store
    monkeypatch.delenv(graderdata.FIXTURE_ENV)
    monkeypatch.setenv("DEMO_GRADER_SEED", "7")
    assert graderdata.secret_seed("demo", "hidden") == 7


def test_a_damaged_store_is_an_error_not_a_new_seed(store):
    graderdata.secret_seed("demo", "hidden")
    graderdata.store_path("demo").write_text("{not json")
    with pytest.raises(RuntimeError, match="restore it"):
        graderdata.secret_seed("demo", "hidden")


def test_every_homework_draws_its_hidden_data_from_the_engine_mechanism(store):
    """No grader-held seed is a constant of a suite: the hidden-data code asks graderdata."""
    from autograder.fer import hidden_models
    from autograder.fms import hidden_cnn
    from autograder.pose import hidden as pose_hidden

    assert hidden_cnn.GRADER_SEED == graderdata.secret_seed("fms", "test_split")
    assert pose_hidden.GRADER_SEED == graderdata.secret_seed("pose", "hidden_clips")
    for mod in (hidden_models, hidden_cnn, pose_hidden):
        src = graderdata.Path(mod.__file__).read_text()
        assert not re.search(r"GRADER_SEED\s*=", src), mod.__name__
        assert "secret_seed(" in src


def test_the_sandbox_may_not_read_the_store(store):
    from autograder.engine.checks import load_suite
    from autograder.engine.grade import secret_paths

    paths = secret_paths(load_suite("example"))
    assert graderdata.store_path("example") in paths and graderdata.store_dir() in paths


def test_the_fixture_seeds_are_those_the_samples_were_made_with():
    """tests/conftest.py points $NNCOURSE_GRADER_SEEDS at the fixtures' table."""
    table = json.loads((REPO / "tests" / "fixtures" / "grader_seeds.json").read_text())
    assert graderdata.secret_seed("fms", "test_split") == int(table["fms"]["test_split"], 16)

"""Sample submissions of every homework with a suite, graded through the `course grade` CLI.

A homework takes part as soon as tests/fixtures/samples/<hw>/ holds the sample kinds
(perfect, blank, partial, buggy, adversarial) with SAMPLE.json expectations; until then
it is skipped with the list of what is missing. nbgrader grades the same samples in
test_nbgrader.py (example) and in `make demo` (every released homework).
"""
from __future__ import annotations

import pytest

from autograder.engine.checks import available_homeworks
from autograder.instructor.pipeline import grade_cli
from autograder.instructor.samples import KINDS, compare, load_samples, missing_kinds


@pytest.mark.parametrize("hw", available_homeworks())
def test_samples_score_as_expected_through_the_cli(hw, tmp_path):
    samples = load_samples(hw)
    if not samples:
        pytest.skip(f"no sample submissions for {hw} yet: add tests/fixtures/samples/{hw}/{{{','.join(KINDS)}}}/"
                    "SAMPLE.json (see tests/fixtures/samples/example/README.md)")
    assert not missing_kinds(hw), f"{hw}: missing sample kinds {missing_kinds(hw)}"
    if hw != "example":
        pytest.importorskip("torch")
    res = grade_cli(hw, samples, tmp_path / "subs", tmp_path / "out")
    problems = [p for s in samples for p in compare(s, res[s.name].result)]
    assert not problems, "\n".join(problems)
    for s in samples:
        assert {f.suffix for f in res[s.name].files} >= {".json", ".md", ".html"}

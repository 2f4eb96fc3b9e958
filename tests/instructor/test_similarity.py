"""`course similarity`: copydetect over the student-written functions of a class.

The class is made of the fms samples (tests/fixtures/samples/fms/) plus one planted copy:
a student who handed in the blank starter, a ReLU of their own, and the `softmax_loss` of
the `partial` sample pasted in under another name with every variable renamed.

The `buggy` sample is left out of the class: it is the reference (`perfect`) with two lines
patched, i.e. a copy of `perfect` by construction, and the tool ranks that pair first at 99%
(as it should); the planted copy is the one the test looks for.
"""
from __future__ import annotations

import ast
import csv
import io
import re
from contextlib import redirect_stdout

import pytest

pytest.importorskip("copydetect")

from autograder.instructor.samples import load_samples  # noqa: E402
from autograder.instructor.similarity import (CSV_NAME, HTML_NAME, MD_NAME, run_similarity,  # noqa: E402
                                              written_code)

HW = "fms"
RENAMES = {"softmax_loss": "_row_xent", "N": "n_rows", "shifted": "z", "exps": "ez", "probs": "p",
           "log_probs": "logp", "loss": "total", "dx": "grad", "x": "scores", "y": "labels"}


def _rename(src: str) -> str:
    for old, new in RENAMES.items():
        src = re.sub(rf"\b{old}\b", new, src)
    return src


def _function(text: str, name: str) -> str:
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == name)
    return ast.get_source_segment(text, node)


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    samples = {s.name: s for s in load_samples(HW)}
    subs = {name: samples[name].materialize(root / name) for name in ("perfect", "partial", "adversarial", "blank")}
    # the planted copy: the blank starter + partial's softmax_loss renamed, called from the stub
    source = (subs["partial"] / "starter" / HW / "layers.py").read_text(encoding="utf-8")
    copied = _rename(_function(source, "softmax_loss"))
    copier = samples["blank"].materialize(root / "zoe")
    layers = copier / "starter" / HW / "layers.py"
    text = layers.read_text(encoding="utf-8")
    text = text.replace('raise NotImplementedError("softmax_loss is not implemented yet (see the TODO above this '
                        'line)")', "return _row_xent(x, y)")
    text = text.replace('raise NotImplementedError("relu_forward is not implemented yet (see the TODO above this '
                        'line)")', "out = np.where(x > 0, x, 0.0)\n    cache = x\n    return out, cache")
    layers.write_text(text + "\n\n" + copied + "\n", encoding="utf-8")
    subs["zoe"] = copier
    return root, subs


def test_written_code_keeps_only_what_the_student_wrote():
    starter = 'def given(a):\n    return a + 1\n\n\ndef stub(x):\n    """Doc."""\n    raise NotImplementedError\n'
    student = starter.replace("raise NotImplementedError", "return given(x) * 2") + "\n\ndef helper():\n    pass\n"
    labels = [label for label, _ in written_code(student, starter)]
    assert labels == ["stub", "helper"]  # the provided function is boilerplate, the untouched stub too
    assert written_code(starter, starter) == []


def test_planted_copy_ranks_first(class_dir, tmp_path):
    root, subs = class_dir
    rep = run_similarity(HW, [subs[k] for k in ("perfect", "partial", "adversarial", "blank", "zoe")],
                         tmp_path / "sim")
    assert "blank" in rep.skipped and set(rep.students) == {"perfect", "partial", "adversarial", "zoe"}
    top = rep.pairs[0]
    assert {top.a, top.b} == {"partial", "zoe"}, rep.pairs
    zoe_share = top.share_a if top.a == "zoe" else top.share_b
    assert zoe_share > 0.6  # most of what zoe wrote is partial's softmax_loss
    assert top.score > rep.pairs[1].score + 0.2  # well clear of independent work
    # only the functions zoe touched were compared: the blank stubs and the provided code were not
    code = (tmp_path / "sim" / "code" / "zoe" / "zoe.py").read_text()
    assert "layers.py: _row_xent" in code and "layers.py: softmax_loss" in code
    assert "def affine_forward" not in code
    rows = list(csv.DictReader(io.StringIO((tmp_path / "sim" / CSV_NAME).read_text())))
    assert rows[0]["rank"] == "1" and {rows[0]["student a"], rows[0]["student b"]} == {"partial", "zoe"}
    assert len(rows) == 6  # every pair of the four students with code
    report = (tmp_path / "sim" / HTML_NAME).read_text(encoding="utf-8")
    assert "zoe.py" in report and "partial.py" in report and "highlight-red" in report
    assert "| 1 |" in (tmp_path / "sim" / MD_NAME).read_text()


def test_cli_similarity(class_dir, tmp_path):
    from autograder.cli import main

    _, subs = class_dir
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["similarity", HW, str(subs["partial"]), str(subs["zoe"]), str(subs["blank"]),
                     "--out", str(tmp_path / "sim")])
    assert code == 0, buf.getvalue()
    out = buf.getvalue()
    assert "partial" in out and "zoe" in out and str(tmp_path / "sim" / HTML_NAME) in out
    assert (tmp_path / "sim" / HTML_NAME).is_file()


def test_reports_are_the_same_whatever_the_hash_seed(class_dir, tmp_path):
    """copydetect hashes k-grams with Python's per-process ``hash()``: the course's report must not
    change with PYTHONHASHSEED (a class graded twice gets the same table)."""
    import subprocess
    import sys

    root, subs = class_dir
    code = ("import sys, json; from pathlib import Path; "
            "from autograder.instructor.similarity import run_similarity; "
            "rep = run_similarity('fms', [Path(p) for p in sys.argv[2:]], Path(sys.argv[1])); "
            "print(json.dumps([[p.a, p.b, round(p.share_a, 9), round(p.share_b, 9)] for p in rep.pairs]))")
    outs = []
    for seed in ("1", "6"):
        env = {**__import__("os").environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / seed),
                               *[str(subs[k]) for k in ("perfect", "partial", "adversarial", "zoe")]],
                              capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outs.append(proc.stdout.strip().splitlines()[-1])
    assert outs[0] == outs[1]

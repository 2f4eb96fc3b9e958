"""Hidden inputs cannot come back through a hidden check's feedback (issue 21, section 2).

A hostile submission reads the hidden input it is called with and tries to smuggle it out
through every student-controlled thing the grader reports: the name of the function or file
where it raises, the name of its exception class, its exception message, what it prints,
its exit status, and how long its calls take. Each attack is graded twice with different
hidden inputs (grader seeds 0 and 1): what the student is shown must be byte-identical, so it
carries no byte of the input, while the staff message proves the channel was used.
"""
from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from autograder.engine import grade_submission

from .conftest import FIXTURES, by_id

SF = "example.scale_forward"

# the hidden input of the check's first call, as a token of 8 digits
TOKEN = "tok = '%08d' % (int(abs(float(np.ravel(x)[0])) * 1e8) % 100_000_000)"

ATTACKS = {
    # a function defined in a file named after the input, raising at a line number made from it
    "function_file_and_line": f"""
    {TOKEN}
    import importlib, os, sys
    here = os.path.dirname(os.path.abspath(__file__))
    name = f"m_{{tok}}"
    with open(os.path.join(here, name + ".py"), "w") as fh:
        fh.write("\\n" * (int(tok[:3]) + 1) + f"def f_{{tok}}():\\n    raise ValueError('boom')\\n")
    sys.path.insert(0, here)
    getattr(importlib.import_module(name), f"f_{{tok}}")()
""",
    "exception_class_name": f"""
    {TOKEN}
    raise type(f"E_{{tok}}", (Exception,), {{}})("boom")
""",
    "exception_message": f"""
    {TOKEN}
    raise ValueError(tok)
""",
    "stdout_then_crash": f"""
    {TOKEN}
    import os, sys
    print(tok, flush=True)
    print(tok, file=sys.stderr, flush=True)
    os.abort()
""",
    "exit_status": f"""
    {TOKEN}
    import os
    os._exit(int(tok[:2]) + 1)
""",
    # the first call sleeps as long as the input says, the next never returns: the time-out
    # message must not say how long the first one took
    "timing": f"""
    {TOKEN}
    import time
    if x.shape == (1,):
        time.sleep(int(tok[0]) * 0.15)
        return a * x, (x, a)
    while True:
        pass
""",
}


def _token(seed: int) -> str:
    """The token the attack computes from the check's first hidden input (the grader's own rng)."""
    digest = hashlib.sha256(f"{SF}:{seed}".encode()).digest()
    x = np.random.default_rng(int.from_bytes(digest[:4], "little")).standard_normal((1,))
    return "%08d" % (int(abs(float(x[0])) * 1e8) % 100_000_000)


def _submission(tmp_path, attack: str):
    sub = tmp_path / attack
    shutil.copytree(FIXTURES / "buggy_factor", sub)
    src = (sub / "ops.py").read_text()
    head, sep, rest = src.partition("def scale_forward(x, a):")
    body = rest.split("\ndef ", 1)[1]
    (sub / "ops.py").write_text(head + sep + '\n    """hostile"""' + ATTACKS[attack] + "\n\ndef " + body)
    return sub


def _shown(result) -> str:
    """Everything a student is shown of the check (its feedback and its cases' safe messages)."""
    c = by_id(result)[SF]
    return "\n".join([c.feedback()] + [k.get("safe_message", "") for k in c.cases])


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_no_byte_of_a_hidden_input_comes_back(attack, tmp_path, monkeypatch):
    monkeypatch.setenv("NNCOURSE_ZYGOTE", "0")
    sub = _submission(tmp_path, attack)
    runs = {}
    for seed in (0, 1):
        r = grade_submission("example", sub, only=[SF], seed=seed, max_timeout=4)
        c = by_id(r)[SF]
        assert c.score == 0 and c.hidden
        runs[seed] = (c, _shown(r))
    t0, t1 = _token(0), _token(1)
    assert t0 != t1
    for seed, tok in ((0, t0), (1, t1)):
        c, shown = runs[seed]
        assert tok not in shown and tok[:3] not in shown, shown
    # what the student sees does not depend on the hidden input at all
    assert runs[0][1] == runs[1][1], (runs[0][1], runs[1][1])
    staff = runs[0][0].message + "\n".join(k.get("message", "") for k in runs[0][0].cases)
    if attack == "timing":
        assert "time spent so far" in staff and "time spent" not in runs[0][1]
    elif attack == "exit_status":
        assert "exited with status" in staff
    elif attack == "stdout_then_crash":
        assert t0 in staff  # staff see the output
    elif attack != "function_file_and_line":
        assert t0 in staff  # the channel was used: staff see it
    else:
        assert f"f_{t0}" in staff or "boom" in staff
    if attack in ("function_file_and_line", "exception_message", "exception_class_name"):
        shown = runs[0][1]
        assert "in a function of yours" in shown and "example.scale_shapes" in shown  # where to see it
        assert ("ValueError" in shown) == (attack != "exception_class_name")

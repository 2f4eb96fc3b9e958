"""What the graded cells of a homework notebook call: ``grade_cell(hw, target)``.

A graded (nbgrader) cell of a master notebook reads::

    from autograder.notebook import grade_cell
    grade_cell(HOMEWORK, TARGET)   # TARGET: a check id ("<hw>.<check>"), a part ("2.1") or an id prefix

``grade_cell`` grades the student's *current* ``starter/<hw>/`` files (found next to the
notebook) with the grading engine, in a separate grader process: the kernel that runs
the student's notebook never imports the hidden suite or the reference code, and the
student's code runs, as always, in the engine's sandbox. It prints one readable line
per check and raises ``AssertionError`` when any check does not pass, which is how
nbgrader awards 0 for the cell. Anything the student's code writes to stderr (torch
warnings, deprecation notices) never fails a cell: only the checks' verdicts count.

Hidden checks: the feedback a student sees for a hidden check is its verdict, its
description and the student's own error (or the name of a recognised mistake), never
the hidden inputs, the expected values or the grader's code. The traceback nbgrader
records for a failed cell is a single line (no cell source), so the hidden-test cell's
code does not reach the feedback either.

Under ``nbgrader autograde`` (``NBGRADER_EXECUTION=autograde``) the course's
``nbgrader_config.py`` names the trusted grader (``NNCOURSE_GRADER_ROOT``) and
pre-imports this module from it; if the module in use is not the trusted one (a
submission that ships its own ``autograder/``), every graded cell fails closed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["grade_cell", "cell_result", "GradeCellFailed", "find_tree", "format_results"]

ROOT = Path(__file__).resolve().parents[1]  # the tree holding this autograder/ (repo or release)
TRUSTED_ENV = "NNCOURSE_GRADER_ROOT"
AUTOGRADING = "autograde"
STATUS_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT", "skipped": "SKIP"}


class GradeCellFailed(AssertionError):
    """Raised by a graded cell that did not earn its points; prints as one short line."""

    def _render_traceback_(self):  # IPython: show this instead of a traceback with the cell's source
        return [f"AssertionError: {self}"]


def _autograding() -> bool:
    return os.environ.get("NBGRADER_EXECUTION") == AUTOGRADING


def find_tree(hw: str, start: Path | None = None) -> Path | None:
    """The student's ``starter/<hw>/`` folder: next to the notebook or in a parent folder."""
    here = Path(start or os.getcwd()).resolve()
    for d in (here, *here.parents):
        cand = d / "starter" / hw
        if cand.is_dir():
            return cand
    return None


def hidden_message(check: dict) -> str:
    """What a student is told about a hidden check: grader-written words only (no inputs, no values)."""
    if check["status"] == "passed":
        return ""
    if "safe_message" in check:  # the engine's student-safe summary (CheckResult.feedback())
        return check["safe_message"] or check["status"]
    return "does not match the reference on the hidden inputs"


def format_results(result: dict, *, show_hidden_details: bool = False) -> str:
    lines = []
    for c in result.get("checks", []):
        mark = STATUS_MARK.get(c["status"], c["status"].upper())
        vis = " (hidden)" if c.get("hidden") else ""
        lines.append(f"[{mark}] {c['id']}{vis}: {c['score']:g}/{c['points']:g}  {c.get('description', '')}".rstrip())
        msg = c.get("message", "") if (show_hidden_details or not c.get("hidden")) else hidden_message(c)
        if msg and c["status"] != "passed":
            lines.extend("      " + line for line in msg.splitlines())
        elif msg and not c.get("hidden"):  # notes (e.g. a measured accuracy) of passed public checks
            lines.extend("      " + line for line in msg.splitlines())
    if result.get("error"):
        lines.append("note: " + result["error"].replace("\n", "\n      "))
    return "\n".join(lines)


def _run_grader(hw: str, target: str, tree: Path, root: Path, timeout: float | None) -> dict:
    """Grade in a fresh interpreter rooted at ``root`` (the kernel never imports the suites)."""
    with tempfile.TemporaryDirectory(prefix="nncourse-cell-") as tmp:
        out = Path(tmp) / "result.json"
        # rfc3987_syntax (pulled in by nbformat -> jsonschema, via autograder.build) spends seconds building
        # a grammar at import; the grader never validates IRIs, so it is kept out of this process
        boot = (
            "import sys; sys.modules.setdefault('rfc3987_syntax', None); sys.path.insert(0, sys.argv[1]); "
            "from autograder.notebook import _grade_to_file; _grade_to_file(*sys.argv[2:])"
        )
        cmd = [sys.executable, "-P", "-c", boot, str(root), hw, target, str(tree), str(out)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JPY_", "JUPYTER_"))}
        env.setdefault("MPLBACKEND", "Agg")
        proc = subprocess.run(cmd, cwd=str(root), env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        if not out.is_file():
            tail = (proc.stderr or "")[-1500:]
            raise GradeCellFailed(f"the grader could not run (exit status {proc.returncode})\n{tail}")
        return json.loads(out.read_text())


def _grade_to_file(hw: str, target: str, tree: str, out: str) -> None:
    """Grader-process side of ``grade_cell``: grade ``target`` and write the results as JSON."""
    import warnings

    warnings.simplefilter("ignore")
    from autograder.engine import grade_submission, load_suite

    suite = load_suite(hw)
    checks = suite.checks(include_hidden=True)
    only = [target]
    matched = [c for c in checks if c.id == target or c.id.startswith(target + ".") or c.part == target]
    res = grade_submission(hw, tree, only=only)
    d = res.to_dict()
    d["matched"] = len(matched)
    for c in d["checks"]:  # the kernel is the student's process: it only ever gets student-safe text
        c.pop("log", None)
        if c.get("hidden"):
            c["message"] = hidden_message(c)
    Path(out).write_text(json.dumps(d))


def cell_result(hw: str, target: str, *, timeout: float | None = None) -> dict:
    """Grade ``target`` of ``hw`` on the current starter tree; the result as a dict (no printing)."""
    if _autograding():
        trusted = os.environ.get(TRUSTED_ENV)
        if not trusted or Path(trusted).resolve() != ROOT:
            raise GradeCellFailed(
                f"refusing to grade: the grader in use ({ROOT}) is not the course's trusted grader "
                f"({trusted or 'unset'}); was autograder/ replaced in the submission?"
            )
    tree = find_tree(hw)
    if tree is None:
        raise GradeCellFailed(f"no starter/{hw}/ folder next to this notebook: keep the notebook in the homework "
                              f"folder you were given")
    return _run_grader(hw, target, tree, ROOT, timeout)


def grade_cell(hw: str, target: str, *, timeout: float | None = None) -> None:
    """Grade one check (an id such as ``"<hw>.<name>"``) or one part (``"2.1"``) of ``hw``.

    Prints a line per check and raises ``AssertionError`` unless every check passed.
    """
    start = time.monotonic()
    result = cell_result(hw, target, timeout=timeout)
    if not result.get("matched"):
        if _autograding():
            raise GradeCellFailed(f"no check matches {target!r} in homework {hw!r}")
        print(f"{target}: graded when your instructor runs the autograder (not part of your copy of the checks).")
        return None
    print(format_results(result))
    score, max_score = result.get("score", 0.0), result.get("max_score", 0.0)
    print(f"{target}: {score:g}/{max_score:g} points ({time.monotonic() - start:.1f} s)")
    bad = [c["id"] for c in result["checks"] if c["status"] != "passed"]
    if bad:
        raise GradeCellFailed(f"{len(bad)} of {len(result['checks'])} check(s) did not pass: {', '.join(bad)}")
    return None


def _main(argv=None) -> int:  # python -m autograder.notebook HW TARGET: grade from a terminal
    import argparse

    p = argparse.ArgumentParser(prog="python -m autograder.notebook", description=grade_cell.__doc__)
    p.add_argument("homework")
    p.add_argument("target")
    args = p.parse_args(argv)
    try:
        grade_cell(args.homework, args.target)
    except AssertionError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main())

"""Validity benchmark: does the grader give the right grade to every kept variant?

Grades, through the real engine (sandboxed children, hidden checks included):
* every **buggy** variant the project keeps (``tests/fms/test_fms_variants.py``,
  ``tests/lenet/test_lenet_variants.py``: one realistic mistake each): *caught* when its
  target check loses points (score < points);
* every **correct-but-different** variant (``tests/fms/variants_correct.py``,
  ``tests/lenet/variants_correct.py``: loops, einsum, float32 inside, extra dict keys,
  in-place updates of its own input, other valid tie rules): a *false positive* when any
  check of the functions it changes loses a point on any seed.

Prints the catch rate and the false-positive rate (and every miss / false positive).

Usage: ``python benchmarks/validity.py [--seeds 5] [--only fms|lenet] [--json out.json]``.
A variant whose patch no longer applies to the reference is reported as "n/a".
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _homework(hw):
    from autograder.engine import load_suite

    if hw == "fms":
        from tests.fms import test_fms_variants as tv
        from tests.fms import variants_correct as vc
        from tests.fms.helpers import make_tree
    else:
        from tests.lenet import test_lenet_variants as tv
        from tests.lenet import variants_correct as vc
        from tests.lenet.helpers import make_tree
    buggy = {name: (v[0], v[1]) for name, v in tv.VARIANTS.items()}
    correct = dict(vc.CORRECT)
    known = {c.id for c in load_suite(hw).checks()}
    return buggy, correct, make_tree, known


def _grade(hw, make_tree, patches, ids, seed):
    from autograder.engine import grade_submission

    with tempfile.TemporaryDirectory() as d:
        try:
            make_tree(Path(d), patches)
        except AssertionError as exc:  # the patch no longer applies
            return None, str(exc)
        r = grade_submission(hw, d, only=list(ids), seed=seed)
        return {c.id: c for c in r.checks}, ""


def run(homeworks, seeds, verbose=True):
    out = {"buggy": [], "correct": []}
    for hw in homeworks:
        buggy, correct, make_tree, known = _homework(hw)
        for name, (patches, cid) in sorted(buggy.items()):
            res, why = _grade(hw, make_tree, patches, [cid], seed=0)
            if res is None or cid not in res:
                row = {"hw": hw, "name": name, "check": cid, "status": "n/a", "why": why or "unknown check"}
            else:
                c = res[cid]
                row = {"hw": hw, "name": name, "check": cid, "caught": c.score < c.points - 1e-9,
                       "score": c.score, "points": c.points, "status": c.status}
            out["buggy"].append(row)
            if verbose:
                print(f"  buggy   {hw:5s} {name:40s} {row.get('caught', row['status'])}", flush=True)
        for name, (patches, ids) in sorted(correct.items()):
            ids = [i for i in ids if i in known]
            worst = []
            na = ""
            for seed in seeds:
                res, why = _grade(hw, make_tree, patches, ids, seed=seed)
                if res is None:
                    na = why
                    break
                for i in ids:
                    c = res[i]
                    if c.score < c.points - 1e-9:
                        worst.append({"seed": seed, "check": i, "score": c.score, "points": c.points,
                                      "message": c.message[:300]})
            row = {"hw": hw, "name": name, "checks": ids, "status": "n/a" if na else "graded",
                   "full_marks": not worst and not na, "losses": worst, "why": na}
            out["correct"].append(row)
            if verbose:
                print(f"  correct {hw:5s} {name:40s} {'n/a' if na else ('ok' if not worst else 'LOST POINTS')}",
                      flush=True)
    return out


def summary(out) -> dict:
    b = [r for r in out["buggy"] if r["status"] != "n/a"]
    c = [r for r in out["correct"] if r["status"] != "n/a"]
    caught = sum(r["caught"] for r in b)
    fp = sum(not r["full_marks"] for r in c)
    return {"buggy": len(b), "caught": caught, "catch_rate": caught / len(b) if b else float("nan"),
            "correct": len(c), "false_positives": fp, "false_positive_rate": fp / len(c) if c else float("nan"),
            "not_applicable": len(out["buggy"]) + len(out["correct"]) - len(b) - len(c)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="run seeds for the correct variants (default 5)")
    ap.add_argument("--only", choices=["fms", "lenet"], action="append")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    start = time.monotonic()
    out = run(args.only or ["fms", "lenet"], list(range(args.seeds)), verbose=not args.quiet)
    s = summary(out)
    print()
    for r in out["buggy"]:
        if r["status"] != "n/a" and not r["caught"]:
            print(f"MISSED  {r['hw']}.{r['name']}: {r['check']} gave {r['score']}/{r['points']}")
    for r in out["correct"]:
        for loss in r["losses"][:2]:
            print(f"FALSE+  {r['hw']}.{r['name']} seed {loss['seed']}: {loss['check']} "
                  f"{loss['score']}/{loss['points']}: {loss['message'][:160]!r}")
    print(f"\ncatch rate: {s['caught']}/{s['buggy']} = {s['catch_rate']:.1%}   "
          f"false-positive rate: {s['false_positives']}/{s['correct']} = {s['false_positive_rate']:.1%}   "
          f"(n/a: {s['not_applicable']}; {len(args.only or ['fms', 'lenet'])} homework(s), "
          f"{args.seeds} seeds, {time.monotonic() - start:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps({"summary": s, **out}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

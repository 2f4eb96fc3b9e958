"""Validity benchmark: does the grader give the right grade to every kept variant?

Grades, through the real engine (sandboxed children, hidden checks included):
* every **buggy** variant the project keeps (``tests/<hw>/``: one realistic mistake each):
  *caught* when one of its target checks loses points (for fer: a check of its part);
* every **correct-but-different** variant (loops, einsum, float32 inside, extra dict keys,
  in-place updates of its own input, other valid tie rules, ...): a *false positive* when any
  check of the functions it changes loses a point on any seed;
* every **correct code written for the handout** variant (``HANDOUT`` in the same test
  modules: the conventions a student following the original handout may use, such as a
  scaled dropout mask, momentum with dampening, a loop-based conv layer, a loss with another
  constant factor, an OCR detector tuned for the handout's photographs): graded like the
  correct variants, a *false positive* when it loses a point on any seed;
* with ``--reference``, the ``perfect`` sample (reference code and its weight / model files)
  graded whole on every seed: full marks each time, or the checks that lost points.

Prints the catch rate and the false-positive rate (and every miss / false positive).

Usage: ``python benchmarks/validity.py [--seeds 5] [--only HW] [--reference] [--json out.json]``
(``--only``: a homework that declares kept variants, ``VALIDITY``). A variant whose patch no
longer applies to the reference is reported as "n/a". The pose reference pass trains the network once per seed (100 steps, about
15 s of CPU each).
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


def _registry():
    from autograder.engine import registry

    return registry


# the homeworks whose declaration names their kept variants (``VALIDITY``: autograder/engine/registry.py)
HOMEWORKS = tuple(_registry().with_validity())


def _variants(hw):
    """The module of ``hw``'s kept variants (``make_tree``, ``buggy()``, ``correct()``, ``handout()``)."""
    import importlib

    decl = _registry().get(hw)
    if not decl.validity:
        raise ValueError(f"homework {hw!r} declares no kept variants (VALIDITY in autograder/{hw}/__init__.py)")
    return importlib.import_module(decl.validity)


def _homework(hw):
    """``buggy`` (name -> (patches, check ids, part or None)), ``correct`` (name -> (patches,
    check ids)), ``make_tree(root, patches)`` and the suite's check ids, from the tests."""
    from autograder.engine import load_suite

    tv = _variants(hw)
    known = {c.id for c in load_suite(hw).checks()}
    return dict(tv.buggy()), dict(tv.correct()), tv.make_tree, known


def _handout(hw) -> dict:
    """``name -> (patches, check ids)``: the homework's "correct code written for the handout"
    variants (``handout()`` of its variants module; empty where it keeps none)."""
    return dict(_variants(hw).handout())


def _grade(hw, make_tree, patches, ids, seed):
    from autograder.engine import grade_submission

    with tempfile.TemporaryDirectory() as d:
        try:
            make_tree(Path(d), patches)
        except AssertionError as exc:  # the patch no longer applies
            return None, str(exc)
        r = grade_submission(hw, d, only=list(ids), seed=seed)
        return {c.id: c for c in r.checks}, ""


def run(homeworks, seeds, verbose=True, reference=False):
    out = {"buggy": [], "correct": [], "handout": [], "reference": []}
    for hw in homeworks:
        buggy, correct, make_tree, known = _homework(hw)
        for name, (patches, cids, part) in sorted(buggy.items()):
            res, why = _grade(hw, make_tree, patches, cids, seed=0)
            if res is None or not set(cids) <= set(res):
                row = {"hw": hw, "name": name, "check": ",".join(cids), "status": "n/a",
                       "why": why or "unknown check"}
            else:
                lost = [c for c in (res[i] for i in cids)
                        if c.score < c.points - 1e-9 and (part is None or c.part == part)]
                row = {"hw": hw, "name": name, "check": ",".join(cids), "caught": bool(lost),
                       "score": sum(res[i].score for i in cids), "points": sum(res[i].points for i in cids),
                       "status": ",".join(sorted({res[i].status for i in cids}))}
            out["buggy"].append(row)
            if verbose:
                print(f"  buggy   {hw:6s} {name[:48]:48s} {row.get('caught', row['status'])}", flush=True)
        for kind, variants in (("correct", correct), ("handout", _handout(hw))):
            for name, (patches, ids) in sorted(variants.items()):
                row = _grade_correct(hw, make_tree, name, patches, [i for i in ids if i in known], seeds)
                out[kind].append(row)
                if verbose:
                    print(f"  {kind:7s} {hw:6s} {name[:48]:48s} "
                          f"{'n/a' if row['why'] else ('ok' if row['full_marks'] else 'LOST POINTS')}", flush=True)
        if reference:
            out["reference"].extend(_reference(hw, seeds, verbose))
    return out


def _grade_correct(hw, make_tree, name, patches, ids, seeds) -> dict:
    """One correct variant on every seed: its row (``full_marks`` unless a check lost points)."""
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
    return {"hw": hw, "name": name, "checks": ids, "status": "n/a" if na else "graded",
            "full_marks": not worst and not na, "losses": worst, "why": na}


def _reference(hw, seeds, verbose):
    """The ``perfect`` sample graded whole (every check, hidden ones included) on each seed."""
    from autograder.engine import grade_submission
    from autograder.instructor.samples import load_samples

    perfect = next((s for s in load_samples(hw) if s.name == "perfect"), None)
    if perfect is None:
        return [{"hw": hw, "seed": None, "status": "n/a", "why": "no perfect sample"}]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        sub = perfect.materialize(Path(d) / "perfect")
        for seed in seeds:
            start = time.monotonic()
            r = grade_submission(hw, sub, seed=seed)
            lost = [f"{c.id} {c.score:g}/{c.points:g}" for c in r.checks if c.score < c.points - 1e-9]
            rows.append({"hw": hw, "seed": seed, "status": "graded", "score": sum(c.score for c in r.checks),
                         "points": sum(c.points for c in r.checks), "lost": lost,
                         "seconds": round(time.monotonic() - start, 1)})
            if verbose:
                row = rows[-1]
                print(f"  perfect {hw:6s} seed {seed}: {row['score']:g}/{row['points']:g} ({row['seconds']} s)"
                      + (f"  lost: {'; '.join(lost)}" if lost else ""), flush=True)
    return rows


def summary(out) -> dict:
    b = [r for r in out["buggy"] if r["status"] != "n/a"]
    c = [r for r in out["correct"] if r["status"] != "n/a"]
    caught = sum(r["caught"] for r in b)
    fp = sum(not r["full_marks"] for r in c)
    h = [r for r in out.get("handout", []) if r["status"] != "n/a"]
    ref = [r for r in out.get("reference", []) if r["status"] == "graded"]
    return {"buggy": len(b), "caught": caught, "catch_rate": caught / len(b) if b else float("nan"),
            "correct": len(c), "false_positives": fp, "false_positive_rate": fp / len(c) if c else float("nan"),
            "handout": len(h), "handout_full_marks": sum(r["full_marks"] for r in h),
            "not_applicable": (len(out["buggy"]) + len(out["correct"]) + len(out.get("handout", []))
                               - len(b) - len(c) - len(h)),
            "reference_runs": len(ref), "reference_full_marks": sum(not r["lost"] for r in ref)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="run seeds for the correct variants (default 5)")
    ap.add_argument("--only", choices=list(HOMEWORKS), action="append")
    ap.add_argument("--reference", action="store_true",
                    help="also grade each homework's perfect sample whole on every seed")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    start = time.monotonic()
    homeworks = args.only or list(HOMEWORKS)
    out = run(homeworks, list(range(args.seeds)), verbose=not args.quiet, reference=args.reference)
    s = summary(out)
    print()
    for r in out["buggy"]:
        if r["status"] != "n/a" and not r["caught"]:
            print(f"MISSED  {r['hw']}.{r['name']}: {r['check']} gave {r['score']}/{r['points']}")
    for r in out["correct"] + out["handout"]:
        for loss in r["losses"][:2]:
            print(f"FALSE+  {r['hw']}.{r['name']} seed {loss['seed']}: {loss['check']} "
                  f"{loss['score']}/{loss['points']}: {loss['message'][:160]!r}")
    print(f"\ncatch rate: {s['caught']}/{s['buggy']} = {s['catch_rate']:.1%}   "
          f"false-positive rate: {s['false_positives']}/{s['correct']} = {s['false_positive_rate']:.1%}   "
          f"(n/a: {s['not_applicable']}; {len(homeworks)} homework(s), "
          f"{args.seeds} seeds, {time.monotonic() - start:.0f} s)")
    print(f"correct code written for the handout: {s['handout_full_marks']}/{s['handout']} with full marks   "
          f"buggy code caught: {s['caught']}/{s['buggy']}")
    if args.reference:
        print(f"perfect samples with full marks: {s['reference_full_marks']}/{s['reference_runs']} gradings")
    if args.json:
        args.json.write_text(json.dumps({"summary": s, **out}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

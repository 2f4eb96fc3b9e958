"""`make demo`: the instructor workflow end to end, offline, in a few minutes.

For every homework with a grading suite:

1. generate its embedded data (``autograder.instructor.hooks``; missing generators are skipped);
2. build the nbgrader course directory and the student release (``course release``),
   scanned for reference code and hidden tests;
3. grade the sample submissions (tests/fixtures/samples/<hw>/) with ``course grade``;
4. grade the same submissions with ``nbgrader autograde`` and write nbgrader's feedback;
5. export the Gradescope autograder and run it on the perfect sample in a mock /autograder;
6. print the score table (expected / CLI / nbgrader, seconds per submission) and write
   the reports to ``out/demo/`` (``summary.json``, ``feedback/<path>/<hw>/...``).

Exit status 0 when every score is as expected.

    python -m autograder.demo [--out out/demo] [--homework HW ...] [--skip-data] [--skip-nbgrader] [--per-student]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from .build import REPO


class Progress:
    def __init__(self, steps: int):
        self.steps, self.n, self.t0 = steps, 0, time.monotonic()

    def step(self, title: str):
        self.n += 1
        print(f"\n[{self.n}/{self.steps}] {title}  (t={time.monotonic() - self.t0:.0f} s)", flush=True)

    @staticmethod
    def say(msg: str):
        print(f"  {msg}", flush=True)


def _homeworks(wanted):
    from .engine.checks import available_homeworks

    hws = available_homeworks()
    if wanted:
        unknown = [h for h in wanted if h not in hws]
        if unknown:
            raise SystemExit(f"error: no grading suite for {', '.join(unknown)} (have: {', '.join(hws)})")
        hws = list(wanted)
    return hws


def _gradescope_run(hw: str, zip_path: Path, submission: Path, work: Path) -> dict:
    from .instructor.gradescope import unpack, validate_results

    root = work / "autograder"
    if root.exists():
        shutil.rmtree(root)
    unpack(zip_path, root)
    shutil.copytree(submission, root / "submission")
    (root / "results").mkdir()
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    start = time.monotonic()
    proc = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=1800)
    secs = time.monotonic() - start
    res = root / "results" / "results.json"
    if not res.is_file():
        raise RuntimeError(f"run_autograder wrote no results.json:\n{(proc.stdout + proc.stderr)[-2000:]}")
    data = json.loads(res.read_text())
    return {"score": data.get("score"), "seconds": round(secs, 1), "problems": validate_results(data),
            "results": data}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.demo", description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(REPO / "out" / "demo"), help="output folder (default out/demo)")
    p.add_argument("--homework", action="append", help="only this homework (repeatable; default: all)")
    p.add_argument("--skip-data", action="store_true", help="do not generate the embedded data")
    p.add_argument("--skip-nbgrader", action="store_true", help="grade with the CLI only")
    p.add_argument("--per-student", action="store_true",
                   help="one `nbgrader autograde --student` run per submission (true per-submission timings)")
    args = p.parse_args(argv)

    from .instructor import leaks
    from .instructor import notebooks as nbs
    from .instructor.gradescope import export
    from .instructor.nbgrader_course import Course
    from .instructor.pipeline import grade_cli, grade_nbgrader
    from .instructor.release import release
    from .instructor.samples import compare, load_samples, missing_kinds

    out = Path(args.out).resolve()
    work = out / "work"
    for d in (work, out / "course", out / "feedback"):
        if d.exists():
            shutil.rmtree(d)
    work.mkdir(parents=True)
    hws = _homeworks(args.homework)
    prog = Progress(6)
    print(f"demo: homeworks {', '.join(hws)}; writing to {out}", flush=True)
    summary: dict = {"homeworks": {}, "problems": []}
    problems = summary["problems"]

    prog.step("embedded data")
    if args.skip_data:
        prog.say("skipped (--skip-data)")
    else:
        from .instructor.hooks import prepare_data

        for hw in hws:
            lines = prepare_data(hw, log=prog.say)
            if not lines:
                prog.say(f"{hw}: no datasets needed")

    prog.step("nbgrader course directory and student releases")
    course = Course(out / "course")
    released = []
    for hw in hws:
        summary["homeworks"][hw] = {"samples": {}}
        if not nbs.master_notebooks(hw):
            prog.say(f"{hw}: no master notebooks yet (solutions/{hw}/notebooks/): not released")
            continue
        try:
            rep = release(hw, course.root, log=prog.say)
        except Exception as exc:  # noqa: BLE001 - one homework must not stop the demo
            problems.append(f"{hw}: release failed: {str(exc)[:1500]}")
            prog.say(f"{hw}: release FAILED: {str(exc)[:1500]}")
            continue
        for n in rep.notes:
            prog.say(f"note: {n}")
        prog.say(rep.summary())
        released.append(hw)
        summary["homeworks"][hw]["release"] = str(rep.release)

    prog.step("sample submissions through the command line (course grade)")
    samples = {}
    for hw in hws:
        samples[hw] = load_samples(hw)
        miss = missing_kinds(hw)
        if miss:
            prog.say(f"{hw}: sample kinds missing: {', '.join(miss)} (tests/fixtures/samples/{hw}/)")
        if not samples[hw]:
            continue
        cli = grade_cli(hw, samples[hw], work / "cli", out / "feedback" / "cli" / hw, log=prog.say)
        for s in samples[hw]:
            o = cli[s.name]
            problems += compare(s, o.result)
            summary["homeworks"][hw]["samples"][s.name] = {
                "expected": s.expect.get("cli"), "cli": o.result["score"], "max": o.result["max_score"],
                "cli_seconds": round(o.seconds, 2)}

    prog.step("the same submissions through nbgrader autograde + generate_feedback")
    if args.skip_nbgrader:
        prog.say("skipped (--skip-nbgrader)")
    for hw in ([] if args.skip_nbgrader else released):
        if not samples.get(hw):
            continue
        try:
            nbr = grade_nbgrader(course, hw, samples[hw], work / "nbgrader", per_student=args.per_student,
                                 log=prog.say)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{hw}: nbgrader autograde failed: {exc}")
            prog.say(f"{hw}: nbgrader FAILED: {str(exc)[-1500:]}")
            continue
        fps = leaks.fingerprints(hw)
        for s in samples[hw]:
            o = nbr[s.name]
            row = summary["homeworks"][hw]["samples"][s.name]
            row.update({"nbgrader": o.score.code_score, "nbgrader_expected": s.expect.get("nbgrader"),
                        "nbgrader_seconds": round(o.seconds, 2), "needs_manual_grade": o.score.needs_manual_grade})
            if "nbgrader" in s.expect and abs(o.score.code_score - s.expect["nbgrader"]) > 1e-6:
                problems.append(f"{s.key}: nbgrader code score {o.score.code_score:g}, expected "
                                f"{s.expect['nbgrader']:g}")
            dest = out / "feedback" / "nbgrader" / hw
            dest.mkdir(parents=True, exist_ok=True)
            for f in o.feedback:
                target = dest / f"{s.name}-{f.name}"
                shutil.copyfile(f, target)
                for finding in leaks.scan(target, fps, hw):
                    problems.append(f"feedback {target.name} shows hidden material: {finding}")

    prog.step("Gradescope autograder export, run on the perfect sample in a mock /autograder")
    for hw in hws:
        perfect = next((s for s in samples.get(hw, []) if s.name == "perfect"), None)
        try:
            zp = export(hw, out / "gradescope" / f"{hw}.zip")
            prog.say(f"{hw}: wrote {zp}")
            if perfect is None:
                continue
            sub = perfect.materialize(work / "gradescope-sub" / hw)
            gs = _gradescope_run(hw, zp, sub, work / "gradescope" / hw)
            prog.say(f"{hw}: results.json score {gs['score']:g} in {gs['seconds']} s; "
                     f"format {'valid' if not gs['problems'] else 'INVALID: ' + '; '.join(gs['problems'])}")
            problems += [f"{hw}: gradescope results.json: {x}" for x in gs["problems"]]
            if "cli" in perfect.expect and abs(gs["score"] - perfect.expect["cli"]) > 1e-6:
                problems.append(f"{hw}: gradescope score {gs['score']:g}, expected {perfect.expect['cli']:g}")
            summary["homeworks"][hw]["gradescope"] = {k: gs[k] for k in ("score", "seconds", "problems")}
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{hw}: gradescope export failed: {exc}")
            prog.say(f"{hw}: gradescope FAILED: {exc}")
            traceback.print_exc()

    prog.step("scores")
    head = f"{'homework':<10} {'sample':<12} {'expected':>8} {'cli':>6} {'nbgrader':>8} {'max':>5}  {'cli s':>6} {'nbg s':>6}"
    print(head)
    print("-" * len(head))
    for hw, info in summary["homeworks"].items():
        for name, r in info["samples"].items():
            nb = r.get("nbgrader")
            print(f"{hw:<10} {name:<12} {r['expected'] if r['expected'] is not None else '-':>8} {r['cli']:>6g} "
                  f"{nb if nb is not None else '-':>8} {r['max']:>5g}  {r['cli_seconds']:>6.1f} "
                  f"{r.get('nbgrader_seconds', float('nan')):>6.1f}")
    for hw, info in summary["homeworks"].items():
        rows = list(info["samples"].values())
        if rows and all("nbgrader_seconds" in r for r in rows):
            c = sum(r["cli_seconds"] for r in rows) / len(rows)
            n = sum(r["nbgrader_seconds"] for r in rows) / len(rows)
            info["seconds_per_submission"] = {"cli": round(c, 2), "nbgrader": round(n, 2)}
            print(f"{hw}: {c:.1f} s per submission with the CLI, {n:.1f} s with nbgrader autograde")
    summary["seconds"] = round(time.monotonic() - prog.t0, 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"\nreports: {out / 'feedback'} (cli: json/md/html per sample; nbgrader: feedback HTML)")
    print(f"summary: {out / 'summary.json'}; total {summary['seconds']:.0f} s")
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for pr in problems:
            print(f"  - {pr}")
        return 1
    print("all scores as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())

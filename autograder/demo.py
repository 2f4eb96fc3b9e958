"""`make demo`: the instructor workflow end to end, offline, in a few minutes.

For every homework with a grading suite:

1. generate its embedded data (``autograder.instructor.hooks``; missing generators are skipped);
2. build the nbgrader course directory and the student release (``course release``),
   scanned for reference code and hidden tests;
3. grade, on ``--jobs`` workers at once:
   - every sample submission (tests/fixtures/samples/<hw>/) with ``course grade``;
   - the ``perfect`` and ``partial`` samples (every sample with ``--full``) with
     ``nbgrader autograde``, and write nbgrader's feedback (scanned for hidden material);
   - the ``partial`` sample with the exported Gradescope autograder in a mock /autograder;
4. print the score table (expected / CLI / nbgrader, seconds per submission) and write
   the reports to ``out/demo/`` (``summary.json``, ``feedback/<path>/<hw>/...``).

Exit status 0 when every score is as expected.

    python -m autograder.demo [--out out/demo] [--homework HW ...] [--jobs N] [--full]
                              [--skip-data] [--skip-nbgrader] [--per-student]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .build import REPO

NBGRADER_SAMPLES = ("perfect", "partial")  # without --full: the rest are graded by the CLI only
GRADESCOPE_SAMPLE = "partial"  # passes some checks and fails others: both kinds reach results.json
CLI_ORDER = ("perfect", "buggy", "adversarial", "partial", "blank")  # slowest first: better packing


class Progress:
    """Numbered steps with elapsed time; ``say`` is safe from worker threads and keeps a
    progress bar (on a terminal) below the lines."""

    def __init__(self, steps: int):
        self.steps, self.n, self.t0 = steps, 0, time.monotonic()
        self.lock = threading.Lock()
        self.bar = None

    def step(self, title: str):
        self.n += 1
        print(f"\n[{self.n}/{self.steps}] {title}  (t={time.monotonic() - self.t0:.0f} s)", flush=True)

    def say(self, msg: str):
        with self.lock:
            if self.bar is not None:
                self.bar.write(f"  {msg}", file=sys.stdout)
            else:
                print(f"  {msg}", flush=True)

    def tick(self):
        with self.lock:
            if self.bar is not None:
                self.bar.update(1)


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
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="gradings run at once (default: the number of CPUs)")
    p.add_argument("--full", action="store_true",
                   help="grade every sample through nbgrader too (default: " + " and ".join(NBGRADER_SAMPLES) + ")")
    p.add_argument("--skip-data", action="store_true", help="do not generate the embedded data")
    p.add_argument("--skip-nbgrader", action="store_true", help="grade with the CLI only")
    p.add_argument("--per-student", action="store_true",
                   help="one `nbgrader autograde --student` run per submission (true per-submission timings)")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be at least 1")

    from .instructor import notebooks as nbs
    from .instructor.nbgrader_course import Course
    from .instructor.release import release
    from .instructor.samples import load_samples, missing_kinds

    out = Path(args.out).resolve()
    work = out / "work"
    for d in (work, out / "course", out / "feedback", out / "gradescope"):
        if d.exists():
            shutil.rmtree(d)
    work.mkdir(parents=True)
    hws = _homeworks(args.homework)
    prog = Progress(4)
    print(f"demo: homeworks {', '.join(hws)}; {args.jobs} job(s) at once; writing to {out}", flush=True)
    summary: dict = {"homeworks": {hw: {"samples": {}} for hw in hws}, "jobs": args.jobs, "problems": []}

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
        if not nbs.master_notebooks(hw):
            prog.say(f"{hw}: no master notebooks yet (solutions/{hw}/notebooks/): not released")
            continue
        try:
            rep = release(hw, course.root, log=prog.say)
        except Exception as exc:  # noqa: BLE001 - one homework must not stop the demo
            summary["problems"].append(f"{hw}: release failed: {str(exc)[:1500]}")
            prog.say(f"{hw}: release FAILED: {str(exc)[:1500]}")
            continue
        for n in rep.notes:
            prog.say(f"note: {n}")
        prog.say(rep.summary())
        released.append(hw)
        summary["homeworks"][hw]["release"] = str(rep.release)

    samples = {}
    for hw in hws:
        samples[hw] = load_samples(hw)
        miss = missing_kinds(hw)
        if miss:
            prog.say(f"{hw}: sample kinds missing: {', '.join(miss)} (tests/fixtures/samples/{hw}/)")
    nb_samples = {hw: [s for s in samples[hw] if args.full or s.name in NBGRADER_SAMPLES]
                  for hw in ([] if args.skip_nbgrader else released)}
    nb_samples = {hw: ss for hw, ss in nb_samples.items() if ss}
    what = "every sample" if args.full else " and ".join(NBGRADER_SAMPLES)
    prog.step(f"grading, {args.jobs} at once: every sample with `course grade`; "
              + ("no nbgrader (--skip-nbgrader); " if args.skip_nbgrader else f"{what} with nbgrader autograde; ")
              + f"the {GRADESCOPE_SAMPLE} sample with the Gradescope export")
    _grade_all(hws, samples, nb_samples, course, out, work, args, prog, summary)

    prog.step("scores")
    _report(summary, args, prog, out)
    return 1 if summary["problems"] else 0


def _grade_all(hws, samples, nb_samples, course, out, work, args, prog, summary) -> None:
    """Run the CLI, nbgrader and Gradescope gradings on a pool of threads (each waits on its
    own child processes), and record results and problems in ``summary``."""
    from .instructor import leaks
    from .instructor.gradescope import export
    from .instructor.pipeline import grade_cli_one, grade_nbgrader
    from .instructor.samples import compare

    problems = summary["problems"]
    rank = {name: i for i, name in enumerate(CLI_ORDER)}

    def run_cli(hw, s):
        o = grade_cli_one(hw, s, work / "cli", out / "feedback" / "cli" / hw, subprocess_=True)
        prog.say(f"cli        {hw + '/' + s.name:<20} {o.result['score']:g}/{o.result['max_score']:g}  ({o.seconds:.1f} s)")
        problems.extend(compare(s, o.result))
        summary["homeworks"][hw]["samples"].setdefault(s.name, {}).update({
            "expected": s.expect.get("cli"), "cli": o.result["score"], "max": o.result["max_score"],
            "cli_seconds": round(o.seconds, 2)})

    def run_nbgrader():  # one nbgrader at a time: the homeworks share the course's gradebook
        for hw, ss in nb_samples.items():
            try:
                nbr = grade_nbgrader(course, hw, ss, work / "nbgrader", per_student=args.per_student,
                                     log=lambda m: prog.say(m.strip().replace("nbgrader ", "nbgrader   ", 1)))
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{hw}: nbgrader autograde failed: {str(exc)[-1500:]}")
                prog.say(f"{hw}: nbgrader FAILED: {str(exc)[-1500:]}")
                prog.tick()
                continue
            fps = leaks.fingerprints(hw)
            for s in ss:
                o = nbr[s.name]
                summary["homeworks"][hw]["samples"].setdefault(s.name, {}).update({
                    "nbgrader": o.score.code_score, "nbgrader_expected": s.expect.get("nbgrader"),
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
            prog.tick()

    def run_gradescope(hw, s):
        zp = export(hw, out / "gradescope" / f"{hw}.zip")
        sub = s.materialize(work / "gradescope-sub" / hw)
        gs = _gradescope_run(hw, zp, sub, work / "gradescope" / hw)
        prog.say(f"gradescope {hw + '/' + s.name:<20} {gs['score']:g} in results.json ({gs['seconds']} s); format "
                 + ("valid" if not gs["problems"] else "INVALID: " + "; ".join(gs["problems"])) + f"; {zp}")
        problems.extend(f"{hw}: gradescope results.json: {x}" for x in gs["problems"])
        if "cli" in s.expect and abs(gs["score"] - s.expect["cli"]) > 1e-6:
            problems.append(f"{hw}: gradescope score {gs['score']:g} for {s.name}, expected {s.expect['cli']:g}")
        summary["homeworks"][hw]["gradescope"] = {"sample": s.name, **{k: gs[k] for k in ("score", "seconds", "problems")}}

    tasks = []  # (label, function, args); the nbgrader chain first: it is the longest
    if nb_samples:
        tasks.append(("nbgrader", run_nbgrader, ()))
    for hw in hws:
        gs = next((s for s in samples[hw] if s.name == GRADESCOPE_SAMPLE), None) or next(iter(samples[hw]), None)
        if gs is not None:
            tasks.append((f"gradescope {hw}", run_gradescope, (hw, gs)))
    cli = [(hw, s) for hw in hws for s in samples[hw]]
    cli.sort(key=lambda t: rank.get(t[1].name, len(rank)))
    tasks += [(f"cli {hw}/{s.name}", run_cli, (hw, s)) for hw, s in cli]
    units = len(tasks) - (1 if nb_samples else 0) + len(nb_samples)

    def guarded(label, fn, fargs):
        try:
            fn(*fargs)
        except Exception as exc:  # noqa: BLE001 - one failure must not stop the others
            problems.append(f"{label} failed: {str(exc)[-1500:]}")
            prog.say(f"{label} FAILED: {str(exc)[-1500:]}")
            traceback.print_exc()
        finally:
            if fn is not run_nbgrader:
                prog.tick()

    try:
        from tqdm import tqdm

        prog.bar = tqdm(total=units, unit="grading", desc="  graded", disable=None, leave=False)
    except ImportError:  # pragma: no cover - tqdm is a dependency
        prog.bar = None
    try:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for f in [pool.submit(guarded, *t) for t in tasks]:
                f.result()
    finally:
        if prog.bar is not None:
            prog.bar.close()
            prog.bar = None


def _report(summary: dict, args, prog: Progress, out: Path) -> None:
    head = f"{'homework':<10} {'sample':<12} {'expected':>8} {'cli':>6} {'nbgrader':>8} {'max':>5}  {'cli s':>6} {'nbg s':>6}"
    print(head)
    print("-" * len(head))
    for hw, info in summary["homeworks"].items():
        for name in sorted(info["samples"]):
            r = info["samples"][name]
            nb, nbs_ = r.get("nbgrader"), r.get("nbgrader_seconds")
            print(f"{hw:<10} {name:<12} {r.get('expected') if r.get('expected') is not None else '-':>8} "
                  f"{r.get('cli', '-'):>6} {nb if nb is not None else '-':>8} {r.get('max', '-'):>5}  "
                  f"{r.get('cli_seconds', float('nan')):>6.1f} {'-' if nbs_ is None else f'{nbs_:.1f}':>6}")
    for hw, info in summary["homeworks"].items():
        both = [r for r in info["samples"].values() if "nbgrader_seconds" in r and "cli_seconds" in r]
        if both:
            c = sum(r["cli_seconds"] for r in both) / len(both)
            n = sum(r["nbgrader_seconds"] for r in both) / len(both)
            info["seconds_per_submission"] = {"cli": round(c, 2), "nbgrader": round(n, 2), "samples": len(both)}
            print(f"{hw}: {c:.1f} s per submission with the CLI, {n:.1f} s with nbgrader autograde "
                  f"(mean over the {len(both)} sample(s) graded both ways, {args.jobs} gradings at once)")
    if not args.full and not args.skip_nbgrader:
        print("(nbgrader graded " + " and ".join(NBGRADER_SAMPLES) + " only; `python -m autograder.demo --full` "
              "grades every sample both ways)")
    summary["seconds"] = round(time.monotonic() - prog.t0, 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"\nreports: {out / 'feedback'} (cli: json/md/html per sample; nbgrader: feedback HTML)")
    print(f"summary: {out / 'summary.json'}; total {summary['seconds']:.0f} s")
    problems = summary["problems"]
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for pr in problems:
            print(f"  - {pr}")
    else:
        print("all scores as expected")


if __name__ == "__main__":
    sys.exit(main())

"""`make demo`: the instructor workflow end to end, offline, in a few minutes.

Quick (the default, a few minutes on 2 CPUs):

1. generate every homework's embedded data (``autograder.instructor.hooks``; homeworks that
   share no dataset side by side, one process each);
2. build the nbgrader course directory (private: 0700, as ``course release`` makes it) and the
   student release of one homework (``--nbgrader-homework``), scanned for reference code and
   hidden tests;
3. grade, on ``--jobs`` workers at once:
   - one submission per homework (the ``partial`` sample: some checks pass, some fail) with
     ``course grade``, and print its feedback;
   - one nbgrader round trip: the release's notebooks with the ``partial`` sample's files
     submitted, ``nbgrader autograde``, nbgrader's feedback (scanned for hidden material);
   - one Gradescope run (``--gradescope-homework``): the exported zip unpacked in a mock
     ``/autograder``, its ``setup.sh`` run (data generated there, as in production; this
     interpreter stands in for the image's virtual environment), then ``run_autograder``,
     which must leave the data ``setup.sh`` made untouched;
4. print the score table and write the reports to ``out/demo/`` (``summary.json``,
   ``feedback/<path>/<hw>/...``);
5. write the class view of what the command line graded, per homework
   (``class/<hw>/class.html`` and ``class.md``, as ``course report HW OUT --class``), and print
   their paths.

``--full`` (``make demo FULL=1``): every sample submission of every homework (30) with
``course grade``; the ``perfect`` and ``partial`` ones of every released homework with
``nbgrader autograde`` (``--nbgrader-all``: every sample); the ``partial`` one of every homework
with the Gradescope export, each after its ``setup.sh``.

Exit status 0 when every score is as expected.

    python -m autograder.demo [--full] [--out out/demo] [--homework HW ...] [--jobs N]
                              [--skip-data] [--skip-nbgrader] [--nbgrader-all] [--per-student]
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

NBGRADER_SAMPLES = ("perfect", "partial")  # --full without --nbgrader-all: the rest by the CLI only
GRADESCOPE_SAMPLE = "partial"  # passes some checks and fails others: both kinds reach results.json
QUICK_SAMPLE = "partial"  # the quick demo's one submission per homework (feedback with passes and failures)
# the quick demo's nbgrader round trip and Gradescope run: the first of these that is graded
QUICK_NBGRADER = ("lenet", "example")
QUICK_GRADESCOPE = ("lenet", "example")
# one BLAS / OpenMP thread in every process the demo starts (data generation, `course grade`'s grader
# process, nbgrader): they run side by side on every CPU already, and numpy's small matrix products on
# several OpenBLAS threads beside busy processes cost up to 25x the CPU time for the same bits (the
# nist36 reference network, 2 epochs: 0.74 s single-threaded against 18.6 s on 2 busy CPUs)
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
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


def data_groups(homeworks) -> list[list[str]]:
    """Homeworks grouped so that two groups never share a dataset (nist36 and fer share cifar10):
    the groups can be generated side by side without two processes writing the same files."""
    from .instructor.hooks import datasets_for

    groups: list[tuple[list[str], set]] = []
    for hw in homeworks:
        mine = set(datasets_for(hw))
        joined = [g for g in groups if g[1] & mine]
        for g in joined:
            groups.remove(g)
        groups.append(([h for g in joined for h in g[0]] + [hw], mine.union(*[g[1] for g in joined])))
    return [g[0] for g in groups]


# rough CPU cost of each homework's data hook, only to start the longest groups first (nist36 trains
# its reference network, fms renders subjects; measured on 2 CPUs, 2026-12-07 11:05: nist36 44 s with
# cifar10 made, fms 25, pose 12, fer 8, lenet 1)
DATA_WEIGHT = {"nist36": 5, "fms": 3, "pose": 2, "fer": 2, "lenet": 1}


def shared_datasets(homeworks) -> list[str]:
    """The datasets more than one of ``homeworks`` reads (cifar10: nist36 and fer), in order."""
    from .instructor.hooks import datasets_for

    seen: dict[str, int] = {}
    for hw in homeworks:
        for name in datasets_for(hw):
            seen[name] = seen.get(name, 0) + 1
    return [name for name, n in seen.items() if n > 1]


_ENSURE = ("import sys, time\nfrom autograder.instructor.hooks import dataset_ensure\n"
           "for name in sys.argv[1:]:\n"
           "    t0 = time.monotonic()\n"
           "    try:\n"
           "        path = dataset_ensure(name)()\n"
           "        print(f'{name}: ready at {path} ({time.monotonic() - t0:.1f} s)', flush=True)\n"
           "    except Exception as exc:\n"
           "        print(f'{name}: generating failed: {type(exc).__name__}: {exc}', flush=True)\n")

_PREPARE = ("import sys\nfrom autograder.instructor.hooks import prepare_data\n"
            "for hw in sys.argv[1:]:\n    prepare_data(hw, log=lambda m: print(m, flush=True))\n")


def prepare_all_data(homeworks, jobs: int | None = None, log=print) -> list[str]:
    """Generate every homework's data once: the datasets several homeworks read first, alone
    (``shared_datasets``), then every homework's hook side by side, one child interpreter each (at
    most ``jobs``, default min(4, CPUs)); ``data_groups`` keeps homeworks that share a dataset in one
    child when none needs making first. Returns the problems (empty when every dataset is ready);
    ``log`` gets one line per dataset and one per group."""
    jobs = jobs or max(1, min(4, os.cpu_count() or 1))

    def prepare(group, script=_PREPARE):
        t0 = time.monotonic()
        env = {**os.environ, **{k: os.environ.get(k, v) for k, v in ONE_THREAD.items()}}
        proc = subprocess.run([sys.executable, "-c", script, *group], cwd=REPO, env=env, capture_output=True,
                              text=True)
        for ln in proc.stdout.splitlines():
            log(ln)
        bad = [ln for ln in proc.stdout.splitlines() if "failed" in ln]
        if proc.returncode:
            bad.append(f"{', '.join(group)}: exit {proc.returncode}: {proc.stderr[-1500:]}")
        log(f"data of {', '.join(group)}: {time.monotonic() - t0:.0f} s")
        return bad

    homeworks = list(homeworks)
    shared = shared_datasets(homeworks)
    first = []
    if shared:  # made once, alone: then no two homeworks' hooks write the same files (they only read them)
        first = prepare(shared, _ENSURE)
    groups = [[hw] for hw in homeworks] if shared and not first else data_groups(homeworks)
    groups.sort(key=lambda g: -sum(DATA_WEIGHT.get(hw, 0) for hw in g))  # the longest first
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return first + [line for bad in pool.map(prepare, groups) for line in bad]


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """relative path -> (size, mtime_ns) of every file under ``folder``."""
    out = {}
    if folder.is_dir():
        for p in folder.rglob("*"):
            if p.is_file() and not p.is_symlink():
                st = p.stat()
                out[p.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


def _gradescope_run(hw: str, zip_path: Path, submission: Path, work: Path, *, setup: bool = True) -> dict:
    """Gradescope's sequence in a mock ``/autograder``: unpack the zip, ``setup.sh`` (once per image;
    this interpreter stands in for the image's virtual environment, so nothing is installed), then
    ``run_autograder`` on ``submission``. ``problems`` lists format errors of results.json and any
    file of the data ``setup.sh`` made that ``run_autograder`` created or changed."""
    from .instructor.gradescope import unpack, validate_results

    root = work / "autograder"
    if root.exists():
        shutil.rmtree(root)
    unpack(zip_path, root)
    shutil.copytree(submission, root / "submission")
    (root / "results").mkdir()
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    env.pop("NNCOURSE_DATA", None)  # both scripts use the image's own data folder, source/data
    data = root / "source" / "data"
    problems: list[str] = []
    setup_secs = None
    if setup:
        start = time.monotonic()
        proc = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                              timeout=1800)
        setup_secs = round(time.monotonic() - start, 1)
        if proc.returncode:
            raise RuntimeError(f"setup.sh failed (status {proc.returncode}):\n{(proc.stdout + proc.stderr)[-2000:]}")
    before = _listing(data)
    start = time.monotonic()
    proc = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=1800)
    secs = time.monotonic() - start
    res = root / "results" / "results.json"
    if not res.is_file():
        raise RuntimeError(f"run_autograder wrote no results.json:\n{(proc.stdout + proc.stderr)[-2000:]}")
    if setup:
        after = _listing(data)
        changed = sorted(k for k in after if before.get(k) != after[k])
        if changed:
            problems.append(f"run_autograder regenerated data setup.sh had made: {', '.join(changed[:8])}")
    result = json.loads(res.read_text())
    return {"score": result.get("score"), "seconds": round(secs, 1), "setup_seconds": setup_secs,
            "problems": validate_results(result) + problems, "results": result}


def _pick(preferred, hws, samples) -> str | None:
    """The first homework of ``preferred`` being demonstrated (else the first one) that has a sample."""
    have = [hw for hw in hws if samples.get(hw)]
    return next((hw for hw in preferred if hw in have), have[0] if have else None)


def _sample(samples, name):
    return next((s for s in samples if s.name == name), None) or next(iter(samples), None)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.demo", description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true",
                   help="every sample of every homework with the CLI, nbgrader (" + " and ".join(NBGRADER_SAMPLES)
                        + ") and the Gradescope export (default: one submission per homework, one nbgrader "
                          "round trip, one Gradescope run)")
    p.add_argument("--out", default=str(REPO / "out" / "demo"), help="output folder (default out/demo)")
    p.add_argument("--homework", action="append", help="only this homework (repeatable; default: all)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="gradings run at once (default: the number of CPUs)")
    p.add_argument("--nbgrader-all", action="store_true", help="with --full: every sample through nbgrader too")
    p.add_argument("--nbgrader-homework", help="quick demo: the homework of the nbgrader round trip "
                   f"(default: the first of {', '.join(QUICK_NBGRADER)})")
    p.add_argument("--gradescope-homework", help="quick demo: the homework of the Gradescope run "
                   f"(default: the first of {', '.join(QUICK_GRADESCOPE)})")
    p.add_argument("--skip-data", action="store_true", help="do not generate the embedded data")
    p.add_argument("--skip-nbgrader", action="store_true", help="grade with the CLI only")
    p.add_argument("--per-student", action="store_true",
                   help="one `nbgrader autograde --student` run per submission (true per-submission timings)")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    # the sample submissions' prediction files were made for the fixtures' hidden splits
    seeds = REPO / "tests" / "fixtures" / "grader_seeds.json"
    if seeds.is_file():
        os.environ.setdefault("NNCOURSE_GRADER_SEEDS", str(seeds))
    for k, v in ONE_THREAD.items():
        os.environ.setdefault(k, v)
    old_umask = os.umask(0o077)  # course directory, releases, feedback, exports: private, as `course` makes them
    try:
        return _main(args)
    finally:
        os.umask(old_umask)


def _main(args) -> int:
    from .instructor import notebooks as nbs
    from .instructor.nbgrader_course import Course
    from .instructor.release import release
    from .instructor.samples import load_samples, missing_kinds

    out = Path(args.out).resolve()
    work = out / "work"
    for d in (work, out / "course", out / "feedback", out / "gradescope"):
        if d.exists():
            shutil.rmtree(d)
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)
    work.mkdir(parents=True)
    hws = _homeworks(args.homework)
    prog = Progress(5)
    mode = "full" if args.full else "quick (make demo FULL=1 or --full: every sample through every front end)"
    print(f"demo, {mode}: homeworks {', '.join(hws)}; {args.jobs} job(s) at once; writing to {out}", flush=True)
    summary: dict = {"homeworks": {hw: {"samples": {}} for hw in hws}, "jobs": args.jobs, "full": args.full,
                     "problems": []}

    samples = {}
    for hw in hws:
        samples[hw] = load_samples(hw)
        miss = missing_kinds(hw)
        if miss:
            print(f"  {hw}: sample kinds missing: {', '.join(miss)} (tests/fixtures/samples/{hw}/)")
    if args.full:
        cli = {hw: samples[hw] for hw in hws}
        to_release = hws
        gs_hws = hws
    else:
        cli = {hw: [s] for hw in hws if (s := _sample(samples[hw], QUICK_SAMPLE)) is not None}
        nb_hw = args.nbgrader_homework or _pick(QUICK_NBGRADER, hws, samples)
        gs_hw = args.gradescope_homework or _pick(QUICK_GRADESCOPE, hws, samples)
        for name, h in (("--nbgrader-homework", args.nbgrader_homework), ("--gradescope-homework", args.gradescope_homework)):
            if h and h not in hws:
                raise SystemExit(f"error: {name} {h} is not among the homeworks demonstrated ({', '.join(hws)})")
        to_release = [] if args.skip_nbgrader or nb_hw is None else [nb_hw]
        gs_hws = [gs_hw] if gs_hw else []

    prog.step("embedded data")
    if args.skip_data:
        prog.say("skipped (--skip-data)")
    else:
        t0 = time.monotonic()
        for pr in prepare_all_data(hws, log=prog.say):
            summary["problems"].append(f"data: {pr}")
        summary["data_seconds"] = round(time.monotonic() - t0, 1)

    prog.step("nbgrader course directory and student release" + ("s" if len(to_release) > 1 else ""))
    course = Course(out / "course")
    released = []
    for hw in to_release:
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
    if not to_release:
        prog.say("none (--skip-nbgrader)")

    if args.full:
        nb_samples = {hw: [s for s in samples[hw] if args.nbgrader_all or s.name in NBGRADER_SAMPLES]
                      for hw in ([] if args.skip_nbgrader else released)}
    else:
        nb_samples = {hw: [s] for hw in released if (s := _sample(samples[hw], QUICK_SAMPLE)) is not None}
    nb_samples = {hw: ss for hw, ss in nb_samples.items() if ss}
    gs = {hw: s for hw in gs_hws if (s := _sample(samples[hw], GRADESCOPE_SAMPLE)) is not None}
    if args.full:
        what = "every sample" if args.nbgrader_all else " and ".join(NBGRADER_SAMPLES)
        prog.step(f"grading, {args.jobs} at once: every sample with `course grade`; "
                  + ("no nbgrader (--skip-nbgrader); " if args.skip_nbgrader else f"{what} with nbgrader autograde; ")
                  + f"the {GRADESCOPE_SAMPLE} sample with the Gradescope export (after its setup.sh)")
    else:
        prog.step(f"grading, {args.jobs} at once: the {QUICK_SAMPLE} sample of each homework with `course grade`"
                  + "".join(f"; {hw}/{ss[0].name} with nbgrader autograde" for hw, ss in nb_samples.items())
                  + "".join(f"; {hw}/{s.name} with the Gradescope export (after its setup.sh)" for hw, s in gs.items()))
    _grade_all(hws, cli, nb_samples, gs, course, out, work, args, prog, summary)

    prog.step("scores")
    _report(summary, args, prog, out)
    prog.step("the class view of what was graded (course report HW OUT --class)")
    _class_reports(summary, out)
    return 1 if summary["problems"] else 0


def _class_reports(summary: dict, out: Path) -> None:
    """``class.html`` / ``class.md`` of each homework's CLI gradebook, under ``out/class/<hw>/``."""
    from .instructor.classreport import write_class_report

    pages = {}
    for hw in summary["homeworks"]:
        book = out / "feedback" / "cli" / hw
        try:
            pages[hw] = str(write_class_report(hw, book, out / "class" / hw))
        except FileNotFoundError:  # nothing graded with the CLI for this homework
            continue
        except Exception as exc:  # noqa: BLE001 - a report problem must not hide the grades
            summary["problems"].append(f"{hw}: class report failed: {type(exc).__name__}: {exc}")
            print(f"{hw}: class report failed: {type(exc).__name__}: {exc}")
    summary["class_reports"] = pages
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    for hw, page in pages.items():
        print(f"class report {hw:<8} {page}")
    if summary["problems"]:
        print(f"\n{len(summary['problems'])} problem(s) in all (listed above)")


def _feedback_text(files) -> str:
    """The Markdown feedback a student gets, without the rows of passed checks (the file has them)."""
    md = next((f for f in files if f.suffix == ".md"), None)
    if md is None:
        return ""
    lines = md.read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if not ln.startswith("| ✓ |")]
    if len(kept) < len(lines):
        kept.append(f"({len(lines) - len(kept)} passed check(s) not shown here; the whole feedback is in the file)")
    return "\n".join(kept)


def _grade_all(hws, cli, nb_samples, gs_samples, course, out, work, args, prog, summary) -> None:
    """Run the CLI, nbgrader and Gradescope gradings on a pool of threads (each waits on its
    own child processes), and record results and problems in ``summary``."""
    from .instructor import leaks
    from .instructor.gradescope import export
    from .instructor.pipeline import grade_cli_one, grade_nbgrader
    from .instructor.samples import compare

    problems = summary["problems"]
    rank = {name: i for i, name in enumerate(CLI_ORDER)}
    feedback: dict[str, str] = {}

    def run_cli(hw, s):
        o = grade_cli_one(hw, s, work / "cli", out / "feedback" / "cli" / hw, subprocess_=True)
        prog.say(f"cli        {hw + '/' + s.name:<20} {o.result['score']:g}/{o.result['max_score']:g}  ({o.seconds:.1f} s)")
        problems.extend(compare(s, o.result))
        summary["homeworks"][hw]["samples"].setdefault(s.name, {}).update({
            "expected": s.expect.get("cli"), "cli": o.result.get("total", o.result["score"]),
            "max": o.result["max_score"],
            "cli_seconds": round(o.seconds, 2)})
        if not args.full:
            feedback[hw] = _feedback_text(o.files)

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
        prog.say(f"gradescope {hw + '/' + s.name:<20} {gs['score']:g} in results.json ({gs['seconds']} s; setup.sh "
                 f"{gs['setup_seconds']} s); " + ("valid" if not gs["problems"] else "INVALID: " + "; ".join(gs["problems"]))
                 + f"; {zp}")
        problems.extend(f"{hw}: gradescope: {x}" for x in gs["problems"])
        if "cli" in s.expect and abs(gs["score"] - s.expect["cli"]) > 1e-6:
            problems.append(f"{hw}: gradescope score {gs['score']:g} for {s.name}, expected {s.expect['cli']:g}")
        summary["homeworks"][hw]["gradescope"] = {"sample": s.name,
                                                  **{k: gs[k] for k in ("score", "seconds", "setup_seconds", "problems")}}

    tasks = []  # (label, function, args); the nbgrader chain first: it is the longest
    if nb_samples:
        tasks.append(("nbgrader", run_nbgrader, ()))
    for hw, s in gs_samples.items():
        tasks.append((f"gradescope {hw}", run_gradescope, (hw, s)))
    jobs = [(hw, s) for hw in hws for s in cli.get(hw, [])]
    jobs.sort(key=lambda t: rank.get(t[1].name, len(rank)))
    tasks += [(f"cli {hw}/{s.name}", run_cli, (hw, s)) for hw, s in jobs]
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
    for hw in hws:  # the quick demo shows what a student reads: each homework's feedback
        if feedback.get(hw):
            print(f"\n---- feedback: {hw}/{QUICK_SAMPLE} ({out / 'feedback' / 'cli' / hw / QUICK_SAMPLE}.md) ----")
            print(feedback[hw].rstrip())


def _report(summary: dict, args, prog: Progress, out: Path) -> None:
    head = (f"{'homework':<10} {'sample':<12} {'expected':>8} {'cli':>6} {'nbgrader':>8} {'gradescope':>10} {'max':>5}"
            f"  {'cli s':>6} {'nbg s':>6} {'gs s':>6}")
    print(head)
    print("-" * len(head))
    for hw, info in summary["homeworks"].items():
        gsr = info.get("gradescope") or {}
        for name in sorted(info["samples"]):
            r = info["samples"][name]
            nb, nbs_ = r.get("nbgrader"), r.get("nbgrader_seconds")
            g = gsr if gsr.get("sample") == name else {}
            print(f"{hw:<10} {name:<12} {r.get('expected') if r.get('expected') is not None else '-':>8} "
                  f"{r.get('cli', '-'):>6} {nb if nb is not None else '-':>8} "
                  f"{g.get('score') if g.get('score') is not None else '-':>10} {r.get('max', '-'):>5}  "
                  f"{r.get('cli_seconds', float('nan')):>6.1f} {'-' if nbs_ is None else f'{nbs_:.1f}':>6} "
                  f"{g['seconds'] if g else '-':>6}")
    for hw, info in summary["homeworks"].items():
        both = [r for r in info["samples"].values() if "nbgrader_seconds" in r and "cli_seconds" in r]
        if both:
            c = sum(r["cli_seconds"] for r in both) / len(both)
            n = sum(r["nbgrader_seconds"] for r in both) / len(both)
            info["seconds_per_submission"] = {"cli": round(c, 2), "nbgrader": round(n, 2), "samples": len(both)}
            print(f"{hw}: {c:.1f} s per submission with the CLI, {n:.1f} s with nbgrader autograde "
                  f"(mean over the {len(both)} sample(s) graded both ways, {args.jobs} gradings at once)")
    if not args.full:
        print("(quick demo: one submission per homework; `make demo FULL=1` grades all 30 samples with the CLI, "
              "perfect and partial with nbgrader, partial with the Gradescope export of every homework)")
    elif not args.skip_nbgrader and not args.nbgrader_all:
        print("(nbgrader graded " + " and ".join(NBGRADER_SAMPLES) + " only; `python -m autograder.demo --full "
              "--nbgrader-all` grades every sample both ways)")
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

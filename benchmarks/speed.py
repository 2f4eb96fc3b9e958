"""How long the course takes, each figure beside its target (issue 25), in one table.

    .venv/bin/python benchmarks/speed.py [--homework HW ...] [--skip demo,data,cli,nbgrader,gradescope,bench]
                                         [--sample perfect] [--class-size N] [--json speed.json]

Figures, measured one at a time (nothing else of this script runs beside them):

* ``demo``: ``python -m autograder.demo`` (the quick default) with an empty data folder, wall seconds
  (the set-up of ``make demo``, creating ``.venv``, is not included: time ``make demo`` on a
  fresh clone for that);
* ``data <hw>``: the homework's data hook (``autograder.instructor.hooks``: the embedded data, the
  grader's hidden splits and cached reference results) into an empty data folder;
* ``cli <hw>``: ``course grade <hw> <sample> --jobs 1`` (default: the ``perfect`` sample);
* ``nbgrader <hw>``: the same submission through the release's notebooks, ``nbgrader autograde``
  (one student), and its ratio to the CLI;
* ``gradescope <hw>``: ``run_autograder`` of the exported zip after its ``setup.sh``, and its ratio.
* with ``--class-size N``: ``cli class of N <hw>``, one ``course grade`` of N copies of the sample
  (``--jobs 1``), and ``nbgrader class of N <hw>``, one ``Course.autograde`` of N students (one
  nbgrader run for the class), each per submission, and the ratio of the two: what an instructor
  grading a class meets, start-up costs shared.
* a homework's own figures (``--skip bench`` leaves them out): the script its declaration names
  (``SPEED_BENCH``, autograder/engine/registry.py), e.g. the numpy LeNet's training step against
  PyTorch's and its CPU seconds to 97% test accuracy.

Each row shows wall seconds, the CPU seconds the work used (this process's children: on a
busy machine wall time grows with the load, CPU time much less), the target and whether the
wall time meets it, and the load average (1 min) before the figure was taken. Targets are for a
quiet 2-core machine: compare only figures taken at a low load.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.engine import registry  # noqa: E402

DEMO_TARGET = 300.0  # make demo, set-up included
DATA_TARGET = 60.0  # per homework
# the CLI target per homework: its declaration's CLI_TARGET_S (autograder/engine/registry.py)
FRONT_END_RATIO = 1.5  # nbgrader and Gradescope per submission, against the CLI


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, env=None, cwd=REPO, timeout=3600) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall s, CPU s of the command and its waited-for children, the process)."""
    c0, t0 = _children_cpu(), time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return time.monotonic() - t0, _children_cpu() - c0, proc


class Table:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, figure, wall, cpu, target, *, ratio=None, ratio_target=None, load=None, note="", ratio_of="cli",
            met=None):
        if met is not None:  # judged by the caller (e.g. on CPU seconds)
            met = bool(met)
        elif ratio is not None and ratio_target is not None:
            met = ratio <= ratio_target
        elif wall is not None and target is not None:
            met = wall <= target
        row = {"figure": figure, "wall_s": None if wall is None else round(wall, 1),
               "cpu_s": None if cpu is None else round(cpu, 1), "target_s": target,
               "ratio": None if ratio is None else round(ratio, 2), "ratio_target": ratio_target,
               "ratio_of": ratio_of, "met": met,
               "load_1min": round(load if load is not None else os.getloadavg()[0], 2),
               "note": " ".join(str(note).split())[-240:]}
        self.rows.append(row)
        print(f"  {figure}: {self._line(row)}", flush=True)
        return row

    @staticmethod
    def _line(r) -> str:
        wall = "-" if r["wall_s"] is None else f"{r['wall_s']:.1f}"
        cpu = "-" if r["cpu_s"] is None else f"{r['cpu_s']:.1f}"
        if r["ratio_target"] is not None:
            tgt = f"<= {r['ratio_target']:g}x {r.get('ratio_of', 'cli')}"
            got = "-" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        else:
            tgt = "-" if r["target_s"] is None else f"<= {r['target_s']:g} s"
            got = ""
        met = {True: "yes", False: "NO", None: "-"}[r["met"]]
        return f"{wall:>8} {cpu:>8} {got:>7} {tgt:>14} {met:>4} {r['load_1min']:>6.2f}  {r['note']}"

    def print(self):
        width = max([26] + [len(r["figure"]) for r in self.rows])
        head = f"{'figure':<{width}} {'wall s':>8} {'cpu s':>8} {'ratio':>7} {'target':>14} {'met':>4} {'load':>6}"
        print("\n" + head + "\n" + "-" * len(head))
        for r in self.rows:
            print(f"{r['figure']:<{width}} {self._line(r)}")


def _env(data: Path) -> dict:
    env = dict(os.environ, NNCOURSE_DATA=str(data), MPLBACKEND="Agg")
    seeds = REPO / "tests" / "fixtures" / "grader_seeds.json"
    if seeds.is_file():  # the sample submissions' predictions were made for the fixtures' hidden splits
        env.setdefault("NNCOURSE_GRADER_SEEDS", str(seeds))
    return env


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--homework", action="append", help="only this homework (repeatable; default: all)")
    p.add_argument("--skip", default="", help="comma-separated: demo, data, cli, nbgrader, gradescope, bench")
    p.add_argument("--sample", default="perfect", help="the sample submission graded (default perfect)")
    p.add_argument("--class-size", type=int, default=0,
                   help="also grade a class of N copies of the sample by the CLI and by nbgrader (default: no)")
    p.add_argument("--json", help="also write the table here")
    p.add_argument("--keep", help="work in this folder and keep it (default: a temporary one, removed)")
    args = p.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    hws = args.homework or registry.homeworks()
    work = Path(args.keep or tempfile.mkdtemp(prefix="nncourse-speed-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    table = Table()
    print(f"speed: {os.cpu_count()} CPU(s), load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"working in {work}", flush=True)
    try:
        _measure(hws, skip, args.sample, work, table, class_size=args.class_size)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    table.print()
    print(f"(load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; targets are for a quiet "
          "2-core machine; wall s above a target at a high load says little, compare CPU s and ratios)")
    if args.json:
        Path(args.json).write_text(json.dumps({"cpus": os.cpu_count(), "rows": table.rows}, indent=1) + "\n")
    return 0


def _measure(hws, skip, sample_name, work: Path, table: Table, class_size: int = 0) -> None:
    py = sys.executable
    if "demo" not in skip:
        load = os.getloadavg()[0]
        wall, cpu, proc = timed([py, "-m", "autograder.demo", "--out", str(work / "demo")],
                                env=_env(work / "demo-data"))
        table.add("demo (quick, no set-up)", wall, cpu, DEMO_TARGET, load=load,
                  note="exit 0" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stdout[-300:]}")
    data = work / "data"
    for hw in hws:
        if "data" in skip:
            break
        load = os.getloadavg()[0]
        wall, cpu, proc = timed([py, "-m", "autograder.instructor.hooks", hw], env=_env(data))
        bad = [ln for ln in proc.stdout.splitlines() if "failed" in ln] or ([proc.stderr[-300:]] if proc.returncode else [])
        table.add(f"data {hw}", wall, cpu, DATA_TARGET, load=load, note="; ".join(bad))
    if "data" in skip:  # the next figures need the data: the repository's (or $NNCOURSE_DATA)
        from coursedata.paths import data_root

        data = data_root()
    from autograder.instructor.samples import load_samples

    for hw in hws:
        sample = next((s for s in load_samples(hw) if s.name == sample_name), None)
        if sample is None:
            table.add(f"cli {hw}", None, None, registry.get(hw).cli_target_s, note=f"no {sample_name} sample")
            continue
        sub = sample.materialize(work / "subs" / hw / sample.name)
        cli_wall = None
        if "cli" not in skip:
            load = os.getloadavg()[0]
            wall, cpu, proc = timed([py, "-m", "autograder", "grade", hw, str(sub), "--jobs", "1", "--out",
                                     str(work / "out" / hw), "--no-progress"], env=_env(data))
            res = work / "out" / hw / f"{sample.name}.json"
            score = json.loads(res.read_text())["score"] if res.is_file() else None
            cli_wall = wall
            table.add(f"cli {hw}/{sample.name}", wall, cpu, registry.get(hw).cli_target_s, load=load,
                      note=f"score {score:g}" if score is not None else f"no result: {proc.stderr[-200:]}")
        if "nbgrader" not in skip:
            _nbgrader(hw, sample, work, data, table, cli_wall)
        if "gradescope" not in skip:
            _gradescope(hw, sample, sub, work, data, table, cli_wall)
        if class_size > 1:
            _class(hw, sample, class_size, skip, work, data, table)
    if "bench" not in skip:
        for hw in hws:
            if registry.get(hw).speed_bench is not None:
                _homework_bench(registry.get(hw).speed_bench, work / hw, data, table)


def _homework_bench(script: Path, work: Path, data, table) -> None:
    """A homework's own speed figures (its declaration's SPEED_BENCH: ``script --json OUT``)."""
    out = work / "speed_bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    _wall, _cpu, proc = timed([sys.executable, str(script), "--json", str(out)],
                              env=dict(_env(data), OMP_NUM_THREADS="1"))
    if proc.returncode != 0 or not out.is_file():
        table.add(script.name, None, None, None, note=f"failed: {proc.stderr[-300:]}")
        return
    for row in json.loads(out.read_text()).get("rows", []):
        table.add(row["figure"], row.get("wall_s"), row.get("cpu_s"), row.get("target_s"), ratio=row.get("ratio"),
                  ratio_target=row.get("ratio_target"), ratio_of=row.get("ratio_of", "cli"), load=load,
                  met=row.get("met"), note=row.get("note", ""))


def _class(hw, sample, n, skip, work, data, table) -> None:
    """A class of ``n`` copies of the sample: one ``course grade`` (per submission) and one
    ``Course.autograde`` of the class (per student)."""
    cli_each = None
    if "cli" not in skip:
        subs = [sample.materialize(work / "class-subs" / hw / f"{sample.name}-{i}") for i in range(n)]
        out = work / "class-out" / hw
        load = os.getloadavg()[0]
        wall, cpu, proc = timed([sys.executable, "-m", "autograder", "grade", hw, *map(str, subs), "--jobs", "1",
                                 "--out", str(out), "--no-progress"], env=_env(data))
        scores = sorted({json.loads(p.read_text())["score"] for p in out.glob("*.json")})
        cli_each = wall / n
        table.add(f"cli class of {n} {hw}/{sample.name}", cli_each, cpu / n, None, load=load,
                  note=f"per submission; scores {', '.join(f'{x:g}' for x in scores)}" if len(scores) else
                  f"no result: {proc.stderr[-200:]}")
    if "nbgrader" not in skip:
        _nbgrader(hw, sample, work, data, table, cli_each, students=n)


def _nbgrader(hw, sample, work, data, table, cli_wall, students: int = 1) -> None:
    from autograder.instructor import notebooks as nbs

    label = f"nbgrader {hw}/{sample.name}" if students == 1 else f"nbgrader class of {students} {hw}/{sample.name}"
    if not nbs.master_notebooks(hw):
        table.add(label, None, None, None, note="no notebooks")
        return
    code = ("import json, sys, time\nfrom pathlib import Path\n"
            "from autograder.instructor.nbgrader_course import Course\n"
            "from autograder.instructor.release import release, student_tree\n"
            "from autograder.instructor.samples import load_samples\n"
            "hw, name, root, work, n = sys.argv[1:6]\n"
            "release(hw, Path(root))\n"
            "c = Course(Path(root))\n"
            "s = next(s for s in load_samples(hw) if s.name == name)\n"
            "sub = s.materialize(Path(work) / 'mat')\n"
            "names = [name] if n == '1' else [f'{name}-{i}' for i in range(int(n))]\n"
            "for who in names:\n"
            "    c.submit(hw, who, student_tree(c, hw, sub, Path(work) / 'tree' / who))\n"
            "t0 = time.monotonic()\n"
            "c.autograde(hw, name if n == '1' else None)\n"
            "secs = (time.monotonic() - t0) / len(names)\n"
            "print(json.dumps({'seconds': secs, 'scores': sorted({c.scores(hw)[w].code_score for w in names}),"
            " 'failures': getattr(c, 'failures', {})}))\n")
    tag = hw if students == 1 else f"{hw}-class"
    root, w = work / "nbcourse" / tag, work / "nbwork" / tag
    load = os.getloadavg()[0]
    _wall, cpu, proc = timed([sys.executable, "-c", code, hw, sample.name, str(root), str(w), str(students)],
                             env=_env(data))
    try:
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        table.add(label, None, None, None, note=f"failed: {proc.stderr[-300:]}")
        return
    ratio = out["seconds"] / cli_wall if cli_wall else None
    each = "" if students == 1 else "per student; "
    table.add(label, out["seconds"], None, None, ratio=ratio, ratio_target=FRONT_END_RATIO,
              load=load, note=f"{each}score {', '.join(f'{x:g}' for x in out['scores'])} "
              "(autograde only; release and CPU s not counted)"
              + (f"; failures {out['failures']}" if out["failures"] else ""))


def _gradescope(hw, sample, sub, work, data, table, cli_wall) -> None:
    from autograder.demo import _gradescope_run
    from autograder.instructor.gradescope import export

    # the export and its two scripts see what the other rows' commands see (this data folder, the
    # fixtures' grader seeds, which the sample's predictions were made for), not this process's own
    saved = dict(os.environ)
    os.environ.update(_env(data))
    try:
        zp = export(hw, work / "gs" / f"{hw}.zip")
        load = os.getloadavg()[0]
        c0 = _children_cpu()
        gs = _gradescope_run(hw, zp, sub, work / "gsrun" / hw)
    except Exception as exc:  # noqa: BLE001 - one failure, one row
        table.add(f"gradescope {hw}/{sample.name}", None, None, None, note=f"failed: {str(exc)[-300:]}")
        return
    finally:
        os.environ.clear()
        os.environ.update(saved)
    ratio = gs["seconds"] / cli_wall if cli_wall else None
    table.add(f"gradescope {hw}/{sample.name}", gs["seconds"], _children_cpu() - c0, None, ratio=ratio,
              ratio_target=FRONT_END_RATIO, load=load,
              note=f"score {gs['score']:g}; setup.sh {gs['setup_seconds']} s (not counted; cpu s includes it)"
              + (f"; {'; '.join(gs['problems'])}" if gs["problems"] else ""))


if __name__ == "__main__":
    sys.exit(main())

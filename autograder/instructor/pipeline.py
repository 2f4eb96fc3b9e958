"""Grading sample submissions through both front ends: the `course grade` CLI and nbgrader.

Used by ``make demo`` and by tests/instructor; each returns per-sample results and the
seconds each submission took, so the two paths can be compared (scores and speed).
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

from .nbgrader_course import Course, NotebookScore
from .release import student_tree
from .samples import Sample


@dataclass
class CliOutcome:
    result: dict
    seconds: float
    files: list[Path] = field(default_factory=list)


@dataclass
class NbgraderOutcome:
    score: NotebookScore
    seconds: float
    cells: dict = field(default_factory=dict)
    feedback: list[Path] = field(default_factory=list)


def _course_grade(args: list[str], course=None) -> tuple[int, str, float]:
    """Run ``course <args>`` (a child interpreter, or ``course(args)`` in this process): its exit
    status, its output and the seconds it took."""
    start = time.monotonic()
    if course is None:
        proc = subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True)
        return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start
    buf = io.StringIO()
    with redirect_stdout(buf), redirect_stderr(buf):
        code = course(args)
    return code, buf.getvalue(), time.monotonic() - start


def grade_cli_one(hw: str, sample: Sample, workdir: Path, out: Path, formats: str = "json,md,html", *,
                  subprocess_: bool = True, course=None) -> CliOutcome:
    """``course grade <hw> <submission> --out OUT`` for one sample, timed.

    The command runs as a user runs it, ``python -m autograder grade ...`` in a child interpreter
    (safe to call from several threads at once: each grading process keeps its own sandbox
    bookkeeping). ``course``: the CLI's ``main(argv)`` to call in this process instead (a caller
    above the CLI hands it in; this layer does not import the CLI). ``subprocess_`` is kept for
    older callers: the command runs in a child whenever no ``course`` is given.
    """
    sub = sample.materialize(Path(workdir) / hw / sample.name)
    args = ["grade", hw, str(sub), "--out", str(out), "--format", formats, "--no-progress"]
    code, output, secs = _course_grade(args, course)
    jpath = Path(out) / f"{sample.name}.json"
    if not jpath.is_file():
        raise RuntimeError(f"course grade wrote no {jpath} (status {code}):\n{output[-2000:]}")
    return CliOutcome(json.loads(jpath.read_text()), secs, sorted(Path(out).glob(f"{sample.name}.*")))


def grade_cli(hw: str, samples: list[Sample], workdir: Path, out: Path, formats: str = "json,md,html",
              log=None, course=None) -> dict[str, CliOutcome]:
    """``course grade <hw> <submission> ... --out OUT``: every sample in one command, as an
    instructor grades a class (one interpreter start and one import of the grader for all; each
    submission is still graded apart, with its own sandbox). ``seconds`` is the mean per sample.
    ``course``: as in ``grade_cli_one``."""
    log = log or (lambda m: None)
    if not samples:
        return {}
    subs = [s.materialize(Path(workdir) / hw / s.name) for s in samples]
    args = ["grade", hw, *map(str, subs), "--out", str(out), "--format", formats, "--no-progress"]
    code, output, secs = _course_grade(args, course)
    secs /= len(samples)
    res = {}
    for s in samples:
        jpath = Path(out) / f"{s.name}.json"
        if not jpath.is_file():
            raise RuntimeError(f"course grade wrote no {jpath} (status {code}):\n{output[-2000:]}")
        res[s.name] = o = CliOutcome(json.loads(jpath.read_text()), secs, sorted(Path(out).glob(f"{s.name}.*")))
        log(f"  cli      {hw + '/' + s.name:<20} {o.result['score']:g}/{o.result['max_score']:g}  (mean {secs:.1f} s)")
    return res


def grade_nbgrader(course: Course, hw: str, samples: list[Sample], workdir: Path, *, feedback: bool = True,
                   per_student: bool = False, log=None) -> dict[str, NbgraderOutcome]:
    """Submit each sample as student ``<sample>``, ``nbgrader autograde`` (timed), then generate feedback.

    ``per_student``: one ``nbgrader autograde --student`` run each (true per-submission times,
    nbgrader's start-up included each time); otherwise one run for all and the mean time.
    """
    log = log or (lambda m: None)
    secs = {}
    for s in samples:
        sub = s.materialize(Path(workdir) / "materialized" / hw / s.name)
        tree = student_tree(course, hw, sub, Path(workdir) / "students" / hw / s.name)
        course.submit(hw, s.name, tree)
        if per_student:
            secs[s.name] = course.autograde(hw, s.name)
    if not per_student:  # one nbgrader run for all: the time per submission is the mean
        total = course.autograde(hw)
        secs = {s.name: total / max(1, len(samples)) for s in samples}
    fb: dict[str, list[Path]] = {}
    if feedback:
        course.generate_feedback(hw)
        for s in samples:
            fb[s.name] = sorted((course.root / "feedback" / s.name / hw).glob("*.html"))
    scores = course.scores(hw)
    out = {}
    for s in samples:
        sc = scores[s.name]
        out[s.name] = NbgraderOutcome(sc, secs[s.name], course.cell_grades(hw, s.name), fb.get(s.name, []))
        log(f"  nbgrader {hw + '/' + s.name:<20} {sc.code_score:g}/{sc.max_code_score:g}"
            f"{' (+ written, to grade by hand)' if sc.needs_manual_grade else ''}  ({secs[s.name]:.1f} s)")
    return out


def clean(path: Path) -> None:
    if Path(path).exists():
        shutil.rmtree(path)

"""Sample submissions (``tests/fixtures/samples/<hw>/<name>/``) and their expected scores.

A sample folder holds ``SAMPLE.json`` (``description``, ``base``, ``expect``, and
optional ``patches``) and an optional ``files/`` tree laid over the submission.
``patches`` is a list of ``[file, old, new]`` edits applied to the homework's files
after ``base`` and ``files/`` (``file`` relative to ``starter/<hw>/``; ``old`` must
occur): a buggy variant of the reference is a few lines, not a copy of it. ``base`` is where the student files
(the ones with solution markers) come from: ``solutions`` (the reference: a perfect
submission without duplicating reference code in the fixtures), ``starter`` (the
blank stubs) or ``none``. Every homework with a grading suite is expected to have at
least the kinds in ``KINDS``.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..build import REPO
from ..engine.submission import student_files

KINDS = ("perfect", "blank", "partial", "buggy", "adversarial")


def samples_root(repo: Path = REPO) -> Path:
    return repo / "tests" / "fixtures" / "samples"


@dataclass
class Sample:
    homework: str
    name: str
    path: Path
    description: str = ""
    base: str = "starter"
    expect: dict = field(default_factory=dict)
    patches: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.homework}-{self.name}"

    def materialize(self, dest: Path, repo: Path = REPO) -> Path:
        """Write the submission as a student hands it in: ``dest/starter/<hw>/...`` (+ extras)."""
        dest = Path(dest)
        if dest.exists():
            shutil.rmtree(dest)
        hwdir = dest / "starter" / self.homework
        hwdir.mkdir(parents=True)
        if self.base in ("solutions", "starter"):
            src = repo / self.base / self.homework
            for f in student_files(self.homework, repo):
                (hwdir / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src / f, hwdir / f)
        elif self.base != "none":
            raise ValueError(f"{self.path}/SAMPLE.json: base must be solutions, starter or none")
        files = self.path / "files"
        if files.is_dir():
            shutil.copytree(files, dest, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for fname, old, new in self.patches:
            target = hwdir / fname
            text = target.read_text(encoding="utf-8")
            if old not in text:
                raise ValueError(f"{self.path}/SAMPLE.json: patch for {fname} does not apply: {old[:60]!r} not found")
            target.write_text(text.replace(old, new, 1), encoding="utf-8")
        return dest


def load_samples(hw: str, repo: Path = REPO) -> list[Sample]:
    d = samples_root(repo) / hw
    out = []
    if not d.is_dir():
        return out
    for p in sorted(d.iterdir()):
        meta = p / "SAMPLE.json"
        if meta.is_file():
            m = json.loads(meta.read_text())
            out.append(Sample(hw, p.name, p, m.get("description", ""), m.get("base", "starter"), m.get("expect", {}),
                              [tuple(x) for x in m.get("patches", [])]))
    return out


def missing_kinds(hw: str, repo: Path = REPO) -> list[str]:
    have = {s.name for s in load_samples(hw, repo)}
    return [k for k in KINDS if k not in have]


def compare(sample: Sample, result: dict, *, nbgrader_score: float | None = None) -> list[str]:
    """Differences between a sample's expectations and a result (``SubmissionResult.to_dict()``)."""
    exp, bad = sample.expect, []
    # "cli": what the student gets (extra credit included; a record without "total" has none);
    # "max": the maximum, extra credit never in it
    got = result.get("total", result["score"])
    if "cli" in exp and abs(got - exp["cli"]) > 1e-6:
        bad.append(f"{sample.key}: score {got:g}, expected {exp['cli']:g}")
    if "max" in exp and abs(result["max_score"] - exp["max"]) > 1e-6:
        bad.append(f"{sample.key}: max score {result['max_score']:g}, expected {exp['max']:g}")
    by_id = {c["id"]: c for c in result.get("checks", [])}
    for cid, status in exp.get("checks", {}).items():
        got = by_id.get(cid, {}).get("status", "missing")
        if got != status:
            bad.append(f"{sample.key}: {cid} is {got}, expected {status}")
    for cid, frag in exp.get("messages", {}).items():
        msg = by_id.get(cid, {}).get("message", "")
        if frag not in msg:
            bad.append(f"{sample.key}: {cid} message lacks {frag!r}: {msg[:200]!r}")
    if nbgrader_score is not None and "nbgrader" in exp and abs(nbgrader_score - exp["nbgrader"]) > 1e-6:
        bad.append(f"{sample.key}: nbgrader code score {nbgrader_score:g}, expected {exp['nbgrader']:g}")
    return bad

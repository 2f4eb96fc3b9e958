"""Similarity across a class: who shares code with whom, on the code students wrote.

``course similarity HW SUBMISSIONS... --out DIR`` runs ``copydetect`` (winnowed k-gram
fingerprints over tokenised code: variable, function and object names and strings are
normalised, so renaming does not hide a copy) over the **student-written functions only**:

1. each submission (folder or archive) is read the way the grader reads it
   (:func:`autograder.engine.submission.prepare`: safe extraction, no symlinks);
2. from its student files (those with solution markers in ``solutions/<hw>/``) every function
   and method is kept unless it is, word for word, the starter's function of the same name
   (provided code and untouched stubs); new helper functions and module-level code that the
   starter does not have are kept too;
3. the starter's text of the homework is copydetect's *boilerplate*: fingerprints that occur
   there (docstrings, signatures, the provided code) never count as shared;
4. every pair of students is compared; pairs are ranked by the larger of the two shares (the
   part of one student's written code found in the other's), then by the number of shared
   tokens.

Written to ``DIR``: ``similarity.csv`` and ``similarity.md`` (the ranked pair table),
``similarity.html`` (copydetect's side-by-side report with the shared code highlighted) and
``code/<student>/<student>.py`` (the extracted code that was compared; copydetect's page links
Bootstrap's stylesheet from a CDN: offline it reads unstyled, with the same content). A high score is a lead
for a person to read, not a verdict: short functions that a handout fixes line by line look
alike in every correct submission.
"""
from __future__ import annotations

import ast
import contextlib
import csv
import hashlib
import html
import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..build import REPO
from ..engine.batch import stems_for
from ..engine.submission import SubmissionError, prepare, student_files
from ..build.pyparse import parse as parse_python

CSV_NAME, MD_NAME, HTML_NAME = "similarity.csv", "similarity.md", "similarity.html"
NOISE_T = 25  # copydetect's defaults: matches shorter than this many (filtered) characters are noise
GUARANTEE_T = 30


@dataclass
class Pair:
    a: str
    b: str
    share_a: float  # the part of a's written code found in b's
    share_b: float
    tokens: int  # shared tokens

    @property
    def score(self) -> float:
        return max(self.share_a, self.share_b)


@dataclass
class SimilarityReport:
    pairs: list  # Pair, most similar first
    students: dict  # student -> number of lines of written code compared
    skipped: dict  # student -> why not compared
    out_dir: Path

    @property
    def html(self) -> Path:
        return self.out_dir / HTML_NAME


def _defs(tree: ast.Module):
    """(qualified name, node) of every function and method, outermost first."""
    out = []

    def walk(body, prefix):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.append((prefix + node.name, node))
            elif isinstance(node, ast.ClassDef):
                walk(node.body, prefix + node.name + ".")
    walk(tree.body, "")
    return out


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def written_code(text: str, starter_text: str | None) -> list[tuple[str, str]]:
    """The parts of one student file that the student wrote: (label, source) of every function
    or method that differs from the starter's function of the same name or that the starter
    lacks, and of module-level statements the starter does not have."""
    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError):
        return [("<unparsable file>", text)] if text.strip() else []
    start_defs, start_stmts = {}, set()
    if starter_text is not None:
        try:
            st = parse_python(starter_text)
            start_defs = {q: _norm(ast.get_source_segment(starter_text, n) or "") for q, n in _defs(st)}
            start_stmts = {_norm(ast.get_source_segment(starter_text, n) or "") for n in st.body}
        except (SyntaxError, ValueError):
            pass
    out = []
    for q, node in _defs(tree):
        src = ast.get_source_segment(text, node) or ""
        if start_defs.get(q) != _norm(src):
            out.append((q, src))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant):
            continue  # a docstring or a bare constant
        src = ast.get_source_segment(text, node) or ""
        if _norm(src) and _norm(src) not in start_stmts:
            out.append((f"<module line {node.lineno}>", src))
    return out


def extract_submission(homework: str, path, repo: Path = REPO) -> list[tuple[str, str]]:
    """(label, source) of the student-written code of one submission (``file.py: name``)."""
    prep = prepare(Path(path), homework, repo)
    try:
        tree = prep.subdir / "starter" / homework
        starter = repo / "starter" / homework
        out = []
        for f in student_files(homework, repo):
            p = tree / f
            if not p.is_file():
                continue
            text = p.read_bytes().decode("utf-8", errors="replace")
            sp = starter / f
            start = sp.read_text(encoding="utf-8") if sp.is_file() else None
            out += [(f"{f}: {label}", src) for label, src in written_code(text, start)]
        return out
    finally:
        prep.cleanup()


def _boilerplate(homework: str, repo: Path, dest: Path) -> Path:
    """The starter's Python text of the homework (stubs, docstrings, provided code)."""
    src = repo / "starter" / homework
    for p in sorted(src.rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        rel = p.relative_to(src)
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dest / rel)
    return dest


def run_similarity(homework: str, submissions, out_dir, *, repo: Path = REPO, noise_t: int = NOISE_T,
                   guarantee_t: int = GUARANTEE_T, display_t: float = 0.0) -> SimilarityReport:
    """Compare every pair of ``submissions`` (folders or archives) and write the reports into ``out_dir``."""
    from copydetect import CopyDetector

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    code_dir = out / "code"
    shutil.rmtree(code_dir, ignore_errors=True)
    code_dir.mkdir()
    students: dict[str, int] = {}
    skipped: dict[str, str] = {}
    files: dict[str, str] = {}
    for student, path in stems_for(submissions).items():
        try:
            parts = extract_submission(homework, path, repo)
        except SubmissionError as exc:
            skipped[student] = " ".join(str(exc).split())
            continue
        if not parts:
            skipped[student] = "no student-written code (the starter as released)"
            continue
        text = "\n\n".join(f"# {label}\n{src}" for label, src in parts) + "\n"
        d = code_dir / student
        d.mkdir()
        (d / f"{student}.py").write_text(text, encoding="utf-8")
        files[str(d / f"{student}.py")] = student
        students[student] = text.count("\n")
    pairs: list[Pair] = []
    with tempfile.TemporaryDirectory(prefix="nncourse-sim-") as tmp:
        boiler = _boilerplate(homework, repo, Path(tmp) / "boilerplate")
        if len(files) >= 2:
            with _stable_kgram_hashes():
                det = CopyDetector(test_dirs=[str(code_dir)], ref_dirs=[str(code_dir)], boilerplate_dirs=[str(boiler)],
                                   extensions=["py"], noise_t=noise_t, guarantee_t=guarantee_t,
                                   display_t=display_t, ignore_leaf=True, autoopen=False, silent=True,
                                   out_file=str(out / HTML_NAME))
                det.run()
            seen = set()
            for i, fa in enumerate(det.test_files):
                for j, fb in enumerate(det.ref_files):
                    a, b = files.get(fa), files.get(fb)
                    if a is None or b is None or a == b or (b, a) in seen:
                        continue
                    sa, sb = (float(x) for x in det.similarity_matrix[i, j])
                    if sa < 0:  # not compared
                        continue
                    seen.add((a, b))
                    if a > b:  # one orientation per pair, whatever order copydetect listed the files in
                        a, b, sa, sb = b, a, sb, sa
                    pairs.append(Pair(a, b, sa, sb, int(det.token_overlap_matrix[i, j])))
            _quiet_report(det)
        else:
            (out / HTML_NAME).write_text("<!DOCTYPE html><html><body><p>Fewer than two submissions with "
                                         "student-written code: nothing to compare.</p></body></html>\n")
    pairs.sort(key=lambda p: (-p.score, -p.tokens, p.a, p.b))
    rep = SimilarityReport(pairs, students, skipped, out)
    (out / CSV_NAME).write_text(_csv(rep), encoding="utf-8")
    (out / MD_NAME).write_text(_md(homework, rep), encoding="utf-8")
    return rep


@contextlib.contextmanager
def _stable_kgram_hashes():
    """copydetect fingerprints k-grams with Python's ``hash()``, which differs from one process to the
    next (PYTHONHASHSEED), and winnowing keeps each window's smallest hash: the same class then gets
    other scores on every run. While this is active its k-grams are hashed with BLAKE2b (64 bits), so
    a report is the same on every run and machine."""
    from copydetect import utils

    def hashed_kgrams(string, k):
        data = [string[i:i + k].encode("utf-8", "surrogatepass") for i in range(len(string) - k + 1)]
        return np.array([int.from_bytes(hashlib.blake2b(g, digest_size=8).digest(), "little", signed=True)
                         for g in data], dtype=np.int64)

    saved = utils.hashed_kgrams
    utils.hashed_kgrams = hashed_kgrams
    try:
        yield
    finally:
        utils.hashed_kgrams = saved


def _quiet_report(det) -> None:
    """copydetect's HTML report (it draws with pyplot: a non-interactive backend, no window)."""
    import matplotlib

    if matplotlib.get_backend().lower() != "agg":
        matplotlib.use("Agg")
    det.generate_html_report()


def _csv(rep: SimilarityReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["rank", "student a", "student b", "score", "share of a in b", "share of b in a", "shared tokens"])
    for k, p in enumerate(rep.pairs, 1):
        w.writerow([k, p.a, p.b, f"{p.score:.3f}", f"{p.share_a:.3f}", f"{p.share_b:.3f}", p.tokens])
    return buf.getvalue()


def _md(homework: str, rep: SimilarityReport) -> str:
    e = lambda s: html.escape(str(s), quote=False).replace("|", "\\|")  # noqa: E731
    out = [f"# Similarity: {homework}", "",
           f"{len(rep.students)} submission(s) compared on their student-written functions (the starter's text "
           f"subtracted as boilerplate); copydetect's side-by-side report: {HTML_NAME}.", "",
           "| rank | student a | student b | score | share of a in b | share of b in a | shared tokens |",
           "|---|---|---|---|---|---|---|"]
    for k, p in enumerate(rep.pairs, 1):
        out.append(f"| {k} | {e(p.a)} | {e(p.b)} | {p.score:.0%} | {p.share_a:.0%} | {p.share_b:.0%} | {p.tokens} |")
    if rep.skipped:
        out += ["", "Not compared:", ""] + [f"- {e(s)}: {e(why)}" for s, why in sorted(rep.skipped.items())]
    return "\n".join(out) + "\n"

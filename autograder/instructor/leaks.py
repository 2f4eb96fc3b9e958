"""Keep reference code and hidden tests out of what students get.

``fingerprints(hw)`` collects distinctive lines that only the grading side has: the
lines inside solution regions of ``solutions/<hw>/*.py``, every line of the hidden
suites (``autograder/<hw>/hidden*.py`` and the suite's ``secret_paths``), and the
solution, written-answer and hidden-test regions of the master notebooks. Lines that
students legitimately see (the starter package, the public checks, the open text of
the notebooks) are removed, as are short or generic lines. ``scan(tree)`` reports
each fingerprint found in a release (or a feedback report), and any file that is a
copy of a grading-side file or is named like one.
"""
from __future__ import annotations

import ast
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..build import REPO
from ..build.markers import find_regions, has_markers
from . import notebooks as nbs
from ..build.pyparse import parse as parse_python

MIN_LEN = 8  # normalized characters: `out = a * x` (11) counts, `pass` does not
TEXT_SUFFIXES = {".py", ".ipynb", ".md", ".txt", ".json", ".cfg", ".toml", ".html", ".htm", ".sh", ".csv", ".yml",
                 ".yaml", ".ini", ""}
_WS = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]+>")
# the source gutter of a traceback (IPython: ``     42 code``, ``---> 43 code``)
_GUTTER = re.compile(r"^(?:-*>\s*)?\d+\s+(?=\S)")


def norm(line: str) -> str:
    return _WS.sub(" ", line.strip())


def _distinctive(n: str) -> bool:
    if len(n) < MIN_LEN or n.startswith("#"):
        return False
    if n[0] in "\"'" or n.startswith(('r"', "r'", 'f"', "f'")):  # docstrings / descriptions are shown to students
        return False
    if re.fullmatch(r"[\W_]*", n) or n in {"else:", "try:", "finally:", "return None", "return out", "return"}:
        return False
    return True


def _text_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, OSError):
        return []


def grading_files(hw: str, repo: Path = REPO) -> list[Path]:
    """Files that exist only on the grading side (they must never ship)."""
    from ..engine import load_suite

    out = []
    sol = repo / "solutions" / hw
    for p in sorted(sol.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts:
            continue
        if "notebooks" in p.relative_to(sol).parts:
            out.append(p)  # master notebooks (answers)
        elif p.suffix == ".py" and has_markers(p.read_text(encoding="utf-8", errors="replace")):
            out.append(p)  # reference code (files without markers are provided code, shipped as is)
    out += sorted((repo / "autograder" / hw).glob("hidden*"))
    try:
        suite = load_suite(hw)
        for sp in suite.secret_paths:
            p = repo / sp
            out += [q for q in sorted(p.rglob("*")) if q.is_file()] if p.is_dir() else ([p] if p.is_file() else [])
    except KeyError:
        pass
    return out


def allowed_lines(hw: str, repo: Path = REPO) -> set[str]:
    """Normalized lines students see anyway (the starter, public checks, open notebook text)."""
    ok: set[str] = set()
    # everything a release ships besides the homework's own files is public code: its lines are no secret
    roots = [repo / "starter" / hw, repo / "autograder" / "engine", repo / "autograder" / "build",
             repo / "autograder" / "cli", repo / "datasets" / "coursedata"]
    files = [repo / "autograder" / "notebook.py", repo / "autograder" / "__init__.py",
             repo / "autograder" / "__main__.py"]
    for r in roots:
        files += sorted(r.rglob("*.py")) if r.is_dir() else []
    hwdir = repo / "autograder" / hw
    if hwdir.is_dir():
        files += [p for p in sorted(hwdir.glob("*.py")) if not p.name.startswith("hidden")]
    for f in files:
        ok.update(norm(l) for l in _text_lines(f))
    for nb in nbs.master_notebooks(hw, repo):
        ok.update(norm(l) for l in nbs.open_lines(nb))
    return ok


def fingerprints(hw: str, repo: Path = REPO) -> dict[str, str]:
    """Distinctive grading-side lines -> where each comes from."""
    fps: dict[str, str] = {}

    def add(line: str, origin: str):
        n = norm(line)
        if _distinctive(n):
            fps.setdefault(n, origin)

    sol = repo / "solutions" / hw
    for p in sorted(sol.rglob("*.py")):
        if "__pycache__" in p.parts or "notebooks" in p.relative_to(sol).parts:
            continue
        text = p.read_text(encoding="utf-8")
        if not has_markers(text):
            continue  # provided code: byte-identical in the starter
        lines = text.splitlines()
        for r in find_regions(text, str(p)):
            for i in range(r.begin, r.end - 1):
                add(lines[i], f"{p.relative_to(repo)}:{i + 1}")
    for p in grading_files(hw, repo):
        if p.suffix == ".py" and not p.is_relative_to(sol):
            for i, line in enumerate(_text_lines(p), 1):
                add(line, f"{p.relative_to(repo)}:{i}")
    for nb in nbs.master_notebooks(hw, repo):
        sol_lines, hidden_lines = nbs.solution_lines(nb)
        for line in sol_lines:
            add(line, f"{nb.relative_to(repo)} (solution)")
        for line in hidden_lines:
            add(line, f"{nb.relative_to(repo)} (hidden tests)")
    for n in allowed_lines(hw, repo):
        fps.pop(n, None)
    # a reference line the open notebook text quotes (the handout spelling out a formula, e.g.
    # "draw `mask = np.random.rand(*X.shape) > p`") is shown to students anyway
    quoted = open_text(hw, repo)
    for n in [k for k in fps if k in quoted]:
        del fps[n]
    return fps


def open_text(hw: str, repo: Path = REPO) -> str:
    """The student-visible text of the master notebooks, normalized, markdown code marks removed."""
    return "\n".join(norm(line).replace("`", "") for nb in nbs.master_notebooks(hw, repo)
                     for line in nbs.open_lines(nb))


# -- the reference with a part removed -----------------------------------------------------
# A line-by-line scan lets through code a notebook shows openly; a notebook cell that copies a
# reference class and drops one layer (pose's per-frame baseline once was DeepDynamicModel less
# its LSTM) is still the reference. Each function and class of ``solutions/<hw>`` that holds
# solution code is compared with every function and class defined in the code cells of a
# release's notebooks, by shingles of COPY_K code tokens (comments and docstrings dropped, the
# starter's own shingles removed from the reference): a definition holding COPY_SHARE of a
# reference body's shingles is a copy. Measured on the notebooks of every homework: the
# per-frame baseline held 0.60 of DeepDynamicModel; no honest definition more than 0.29.
COPY_K = 6
COPY_SHARE = 0.45
COPY_MIN = 20  # shingles: shorter reference bodies (one-liners) are left to the line scan
_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d*)?(?:[eE]-?\d+)?|\S")
_DOCSTRING = re.compile(r'("""|\'\'\')[\s\S]*?\1')


def shingles(code: str, k: int = COPY_K) -> set[tuple[str, ...]]:
    code = _DOCSTRING.sub(" STR ", code)
    toks = _TOKEN.findall("\n".join(line.split("#", 1)[0] for line in code.splitlines()))
    return {tuple(toks[i:i + k]) for i in range(len(toks) - k + 1)}


def _definitions(code: str) -> list[tuple[str, int, int]]:
    """(qualified name, first line, last line) of every function and class of ``code`` (none if it
    does not parse)."""
    try:
        tree = parse_python(code)
    except SyntaxError:
        return []
    out = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                out.append((name, child.lineno, child.end_lineno or child.lineno))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return out


def reference_definitions(hw: str, repo: Path = REPO) -> dict[str, frozenset]:
    """``"solutions/<hw>/<file>.py:<Name>"`` -> shingles of each reference function or class that
    holds solution code, less those the starter shows anyway (signatures, provided parts)."""
    sol = repo / "solutions" / hw
    starter: set = set()
    for p in sorted((repo / "starter" / hw).rglob("*.py")):
        starter |= shingles(p.read_text(encoding="utf-8", errors="replace"))
    out: dict[str, frozenset] = {}
    for p in sorted(sol.rglob("*.py")):
        if "__pycache__" in p.parts or "notebooks" in p.relative_to(sol).parts:
            continue
        text = p.read_text(encoding="utf-8")
        if not has_markers(text):
            continue
        lines = text.splitlines()
        secret = {i for r in find_regions(text, str(p)) for i in range(r.begin + 1, r.end)}
        for name, a, b in _definitions(text):
            if not secret.intersection(range(a, b + 1)):
                continue
            body = frozenset(shingles("\n".join(lines[a - 1:b])) - starter)
            if len(body) >= COPY_MIN:
                out[f"{p.relative_to(repo)}:{name}"] = body
    return out


def notebook_copies(path: Path, refs: dict[str, frozenset], rel: str | None = None) -> list["Finding"]:
    """Functions and classes in a notebook's code cells that hold most of a reference body."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return []
    rel = rel or Path(path).name
    found = []
    for k, cell in enumerate(nb.get("cells", []), 1):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())
        lines = code.splitlines()
        for name, a, b in _definitions(code):
            mine = shingles("\n".join(lines[a - 1:b]))
            share, ref = max(((len(body & mine) / len(body), ref) for ref, body in refs.items()), default=(0, ""))
            if share >= COPY_SHARE:
                found.append(Finding(f"{rel} (code cell {k})", f"{name} holds {share:.0%} of the reference {ref} "
                                     "(the reference with a part removed is still the reference)"))
    return found


@dataclass
class Finding:
    path: str
    what: str

    def __str__(self):
        return f"{self.path}: {self.what}"


def _file_lines(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return _text_lines(path)
        lines = []
        for cell in nb.get("cells", []):
            src = cell.get("source", "")
            lines += ("".join(src) if isinstance(src, list) else src).splitlines()
            for out in cell.get("outputs", []):
                for key in ("text",):
                    v = out.get(key, "")
                    lines += ("".join(v) if isinstance(v, list) else v).splitlines()
                for v in (out.get("data") or {}).values():
                    if isinstance(v, (str, list)):
                        lines += ("".join(v) if isinstance(v, list) else v).splitlines()
                lines += [l for tb in out.get("traceback", []) for l in str(tb).splitlines()]
        return lines
    lines = _text_lines(path)
    if path.suffix in (".html", ".htm"):
        text = html.unescape(_TAG.sub("", "\n".join(lines)))
        lines = text.splitlines()
    return lines


def scan(tree: Path, fps: dict[str, str], hw: str | None = None, repo: Path = REPO) -> list[Finding]:
    """Every grading-side fingerprint, copied file or grading-side name found under ``tree``."""
    tree = Path(tree)
    findings: list[Finding] = []
    secret_bytes = {}
    if hw is not None:
        for p in grading_files(hw, repo):
            try:
                data = p.read_bytes()
            except OSError:
                continue
            if len(data) > 64:
                secret_bytes[data] = str(p.relative_to(repo))
    long_fps = [(k, v) for k, v in fps.items() if len(k) >= 20]
    seen_anyway = allowed_lines(hw, repo) if hw is not None else set()
    refs = reference_definitions(hw, repo) if hw is not None else {}
    files = [tree] if tree.is_file() else sorted(p for p in tree.rglob("*") if p.is_file())
    for p in files:
        rel = str(p.relative_to(tree)) if tree.is_dir() else p.name
        parts = Path(rel).parts
        if "solutions" in parts or p.name.startswith("hidden") and p.suffix == ".py":
            findings.append(Finding(rel, "grading-side file name"))
        try:
            data = p.read_bytes()
        except OSError:
            continue
        if data in secret_bytes:
            findings.append(Finding(rel, f"copy of {secret_bytes[data]}"))
        if p.suffix.lower() not in TEXT_SUFFIXES or b"\0" in data[:4096]:
            continue
        if p.suffix == ".ipynb" and refs:
            findings += notebook_copies(p, refs, rel)
        for i, line in enumerate(_file_lines(p), 1):
            n = norm(line)
            if not n or n in seen_anyway or _GUTTER.sub("", n) in seen_anyway:
                continue  # a line students are shown anyway (starter, engine, probes), maybe quoted in a traceback
            origin = fps.get(n)
            if origin is None and len(n) >= 20:
                origin = next((v for k, v in long_fps if k in n), None)
            if origin is not None:
                findings.append(Finding(f"{rel}:{i}", f"{n[:80]!r} (from {origin})"))
    return findings

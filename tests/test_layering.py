"""The package's layers and the homework registry, read from the source with ``ast``.

* Layers: the engine (``autograder/engine``) imports nothing of the course above it; the suites
  (``autograder/<hw>``), the build tool and the notebook front end build on the engine only;
  ``autograder/instructor`` on those; the CLI on all of them; ``demo`` and ``__main__`` on top.
  Function-level imports count: a lazy import is still a dependency.
* No import circle between two modules of the package.
* The data tooling (``coursedata``) imports nothing of the grader or the reference tree, and the
  engine reaches it in one place (``graderdata``: the data folder).
* No shared file names a homework: homeworks come from their declarations
  (``autograder/engine/registry.py``). A homework id counts as an import or an attribute path
  (``tests.<hw>``, ``autograder.<hw>``), or inside a string literal as the whole string or a
  component of a path, module or test id (``"tests/<hw>/x.py"``, ``"[<hw>]"``); prose (comments,
  docstrings, a word in a sentence) and other words that contain an id do not count.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from autograder.engine import registry

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "autograder"
COURSEDATA = REPO / "datasets" / "coursedata"
TOP_PACKAGES = {"autograder", "tests", "solutions", "starter", "coursedata", "benchmarks"}


# -- the import graph -------------------------------------------------------------------------
def _modules(root: Path, prefix: str) -> dict[str, Path]:
    out = {}
    for p in root.rglob("*.py"):
        if "__pycache__" in p.parts:
            continue
        parts = [prefix, *p.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _import_statements(name: str, path: Path):
    """``(module, [names])`` for every import in ``path`` (module ``name``), relative ones resolved
    (``import X``: ``(X, [])``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            yield mod, [a.name for a in node.names]


def imported_names(name: str, path: Path) -> set[str]:
    """Every module name ``path`` (module ``name``) imports (``from X import y``: ``X`` and ``X.y``)."""
    out = set()
    for mod, names in _import_statements(name, path):
        out |= {mod} | {f"{mod}.{n}" for n in names}
    return out


def _resolve(name: str, mods: dict) -> str | None:
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the modules it imports. ``from X import y`` of a submodule ``X.y`` depends on
    ``X.y``; of a name, on ``X``. A module's own parent packages are not dependencies: Python
    has imported them before the module runs."""
    graph = {}
    for name, path in mods.items():
        deps = set()
        for mod, names in _import_statements(name, path):
            subs = [f"{mod}.{n}" for n in names if f"{mod}.{n}" in mods]
            deps |= set(subs) if subs and len(subs) == len(names) else {_resolve(mod, mods)} | set(subs)
        parents = {name.rsplit(".", k)[0] for k in range(1, name.count(".") + 1)}
        graph[name] = {d for d in deps if d and d != name and d not in parents}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def layer_of(module: str, homeworks: set[str]) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    if parts[1] in homeworks:
        return f"suite:{parts[1]}"
    return parts[1]


# which layers each layer may import (besides itself); a suite may import only the engine
ALLOWED = {
    "package": set(),
    "engine": set(),
    "build": {"engine"},
    "notebook": {"engine"},
    "suite": {"engine"},
    "instructor": {"engine", "build", "notebook", "suite"},
    "cli": {"engine", "build", "notebook", "instructor", "suite"},
    "demo": {"engine", "build", "notebook", "instructor", "cli", "suite"},
    "__main__": {"cli"},
}


@pytest.fixture(scope="module")
def graph():
    return import_graph(_modules(PKG, "autograder"))


def test_the_graph_reader_resolves_relative_and_lazy_imports(tmp_path):
    pkg = tmp_path / "p"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from .sub.c import g\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text('"""import p.a is only text"""\nfrom .. import a\n')
    g = import_graph(_modules(pkg, "p"))
    assert g["p.a"] == {"p.b"} and g["p.b"] == {"p.sub.c"} and g["p.sub.c"] == {"p.a"}
    assert circles(g) == [["p.a", "p.b", "p.sub.c"]]
    assert circles({"x": {"y"}, "y": set()}) == []


def test_every_import_goes_down_the_layers(graph):
    hws = set(registry.homeworks())
    bad = []
    for mod, deps in sorted(graph.items()):
        src = layer_of(mod, hws)
        allowed = ALLOWED[src.split(":")[0]]
        assert src.split(":")[0] in ALLOWED, f"{mod}: no layer for it in tests/test_layering.py"
        for dep in sorted(deps):
            dst = layer_of(dep, hws)
            if dst != src and dst.split(":")[0] not in allowed:
                bad.append(f"{mod} ({src}) imports {dep} ({dst})")
    assert not bad, "imports that go up (or across suites):\n" + "\n".join(bad)


def test_no_import_circles(graph):
    found = circles(graph)  # (the batch <-> cluster circle went with the split of engine/batch.py)
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_engine_and_the_tools_load_no_module_by_file_path():
    """A module loaded from a file path (``importlib.util.spec_from_file_location``) is an import
    this graph cannot see (the engine once loaded ``build/markers.py`` so)."""
    shared = [PKG / d for d in ("engine", "instructor", "cli", "build")]
    bad = [p.relative_to(REPO).as_posix() for d in shared for p in sorted(d.rglob("*.py"))
           if "spec_from_file_location" in p.read_text(encoding="utf-8")]
    assert not bad, bad


def test_the_data_tooling_stays_below_the_grader():
    bad = []
    for mod, path in sorted(_modules(COURSEDATA, "coursedata").items()):
        for name in sorted(imported_names(mod, path)):
            if name.split(".")[0] in {"autograder", "solutions", "tests", "benchmarks"}:
                bad.append(f"{path.relative_to(REPO)} imports {name}")
    assert not bad, "\n".join(bad)
    engine = _modules(PKG / "engine", "autograder.engine")
    users = sorted(m for m, p in engine.items() if any(n.split(".")[0] == "coursedata" for n in imported_names(m, p)))
    assert users == ["autograder.engine.graderdata"], users


# -- homework ids in shared files ----------------------------------------------------------------
def _docstrings(tree) -> set[int]:
    """``id()`` of the docstring nodes of ``tree``."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                out.add(id(first.value))
    return out


def _dotted(node) -> list[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return []


def homework_mentions(text: str, ids: set[str]) -> list[str]:
    """Where ``text`` (Python source) names one of ``ids``: imports and attribute paths of the
    project's packages, and string literals that are an id or hold one as a path, module or
    test-id component. Comments and docstrings are prose and do not count."""
    tree = ast.parse(text)
    hits = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [f"{node.module or ''}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            names = [".".join(dotted)] if dotted and dotted[0] in TOP_PACKAGES else []
        for n in names:
            hits += [f"line {node.lineno}: {n}" for part in n.split(".") if part in ids]
    docs = _docstrings(tree)
    alternation = "|".join(re.escape(i) for i in sorted(ids))
    in_path = re.compile(rf"(?:(?<=[/.:\[_-])(?:{alternation})(?![A-Za-z0-9])|"
                         rf"(?<![A-Za-z0-9])(?:{alternation})(?=[/.:\]_-]))")
    for node in ast.walk(tree):  # the literal parts of f-strings are Constant nodes too
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if node.value.strip() in ids or in_path.search(node.value):
                hits.append(f"line {node.lineno}: {node.value[:70]!r}")
    return sorted(set(hits))


def test_the_mention_finder_tells_ids_from_words():
    ids = {"rose", "demo"}
    src = ('"""A docstring about rose."""\n'
           'import tests.rose.helpers\n'
           'x = "rose"  # rose in a comment\n'
           'y = "tests/rose/test_x.py"\n'
           'z = f"run[{n}]" + "[rose]"\n'
           'w = "in prose, aroused; a rose in a sentence"\n'
           'v = autograder.rose.SUITE\n'
           'u = record.rose\n'
           'def f():\n    """rose."""\n    return "demo_x"\n')
    found = homework_mentions(src, ids)
    lines = sorted({int(h.split(":")[0].split()[1]) for h in found})
    assert lines == [2, 3, 4, 5, 7, 11], found


def _shared_files() -> list[Path]:
    files = sorted((PKG / "engine").rglob("*.py")) + sorted((PKG / "instructor").rglob("*.py"))
    files += sorted((REPO / "benchmarks").glob("*.py")) + [REPO / "tests" / "conftest.py"]
    files += sorted((REPO / "tests").glob("test_*.py"))
    return [f for f in files if "__pycache__" not in f.parts]


# shared files that still name homeworks, as strict expected failures (an entry that becomes clean
# fails here until it is removed): none left (the benchmarks ask the registry since issue #26)
PENDING: dict[str, str] = {}


def _params():
    hws = set(registry.homeworks())
    out = []
    for f in _shared_files():
        rel = f.relative_to(REPO).as_posix()
        if f.parent.name == "benchmarks" and f.stem.removesuffix("_bench") in hws:
            continue  # one homework's own benchmark (benchmarks/<hw>_bench.py)
        marks = [pytest.mark.xfail(strict=True, reason=PENDING[rel])] if rel in PENDING else []
        out.append(pytest.param(rel, marks=marks, id=rel))
    return out


@pytest.mark.parametrize("rel", _params())
def test_shared_files_name_no_homework(rel):
    ids = set(registry.homeworks())
    assert len(ids) >= 2
    found = homework_mentions((REPO / rel).read_text(encoding="utf-8"), ids)
    assert not found, (f"{rel} names homeworks; ask autograder/engine/registry.py instead "
                       "(docs/NEW_HOMEWORK.md):\n" + "\n".join(found))

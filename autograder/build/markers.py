"""Solution markers: turn reference source into student stubs.

A region between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` (inside a function or
method) becomes ``raise NotImplementedError("<function>: ...")`` in the starter. The
``# TODO`` comment lines written directly above the region are kept. Files without
markers are copied byte-identical by the caller.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from ..engine.markers import BEGIN, END, BEGIN_RE as _BEGIN_RE, END_RE as _END_RE, has_markers  # noqa: F401
from .pyparse import parse as parse_python


class MarkerError(ValueError):
    """A malformed marker; the message names file:line."""


@dataclass(frozen=True)
class Region:
    begin: int  # 1-based line of the BEGIN marker
    end: int  # 1-based line of the END marker
    indent: str
    function: str


def _enclosing_functions(tree: ast.AST) -> list[tuple[int, int, str]]:
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                spans.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def find_regions(text: str, filename: str = "<string>") -> list[Region]:
    """Parse the marker regions of ``text``; raise MarkerError naming file:line."""
    try:
        tree = parse_python(text, filename=filename)
    except SyntaxError as exc:
        raise MarkerError(f"{filename}:{exc.lineno}: cannot parse: {exc.msg}") from None
    spans = _enclosing_functions(tree)
    regions: list[Region] = []
    open_at: tuple[int, str] | None = None
    for i, line in enumerate(text.splitlines(), start=1):
        b, e = _BEGIN_RE.match(line), _END_RE.match(line)
        if b:
            if open_at is not None:
                raise MarkerError(
                    f"{filename}:{i}: nested '{BEGIN}' (the region opened at line {open_at[0]} is not closed)"
                )
            open_at = (i, b.group(1))
        elif e:
            if open_at is None:
                raise MarkerError(f"{filename}:{i}: '{END}' without a matching '{BEGIN}'")
            start, indent = open_at
            inside = [s for s in spans if s[0] < start <= s[1]]
            if not inside:
                raise MarkerError(
                    f"{filename}:{start}: solution region outside a function (markers must sit inside a def)"
                )
            # innermost function: the one that starts last
            func = max(inside, key=lambda s: s[0])[2]
            if e.group(1) != indent:
                raise MarkerError(
                    f"{filename}:{i}: '{END}' is indented differently from its '{BEGIN}' at line {start}"
                )
            regions.append(Region(start, i, indent, func))
            open_at = None
    if open_at is not None:
        raise MarkerError(f"{filename}:{open_at[0]}: unterminated '{BEGIN}' (no '{END}' follows)")
    return regions


def strip_solutions(text: str, filename: str = "<string>") -> str:
    """Return the starter version of a reference source file."""
    regions = find_regions(text, filename)
    if not regions:
        return text
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    cursor = 0
    for r in regions:
        out.extend(lines[cursor : r.begin - 1])
        has_todo = r.begin >= 2 and lines[r.begin - 2].strip().startswith("#")
        hint = " (see the TODO above this line)" if has_todo else ""
        out.append(f'{r.indent}raise NotImplementedError("{r.function} is not implemented yet{hint}")\n')
        cursor = r.end
    out.extend(lines[cursor:])
    result = "".join(out)
    try:
        parse_python(result, filename=filename)
    except SyntaxError as exc:  # pragma: no cover - guarded by tests
        raise MarkerError(f"{filename}:{exc.lineno}: stripped starter does not parse: {exc.msg}") from None
    return result

"""``ast.parse`` that survives CPython 3.11's threaded AST bug.

CPython 3.11 keeps the AST builder's recursion depth per interpreter, not per thread: a parse
that overlaps one in another thread of the same process (pytest's assertion rewriting of an
import, a background import, a second parse) can fail with ``SystemError: AST constructor
recursion depth mismatch`` although the source is fine (python/cpython#106905, fixed in 3.12).
It happened once in `make test` while a release scanned its files. The same source parses on the
next try, so :func:`parse` tries again a few times; any other error is raised at once.
"""
from __future__ import annotations

import ast

__all__ = ["parse"]

TRIES = 5


def parse(source: str | bytes, filename: str = "<unknown>", mode: str = "exec", **kwargs) -> ast.AST:
    """``ast.parse(source, filename, mode, **kwargs)``, retried on the spurious ``SystemError``."""
    for attempt in range(TRIES):
        try:
            return ast.parse(source, filename, mode, **kwargs)
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc) or attempt == TRIES - 1:
                raise
    raise AssertionError("unreachable")

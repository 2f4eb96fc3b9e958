"""The solution markers' syntax: ``# BEGIN SOLUTION`` / ``# END SOLUTION`` lines.

The one definition, at the bottom of the layers: the engine reads it to tell the files students
edit (``submission.student_files``), and ``autograder.build.markers`` (turning reference source
into stubs) builds on it. Standard library only.
"""
from __future__ import annotations

import re

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
BEGIN_RE = re.compile(r"^(\s*)#\s*BEGIN SOLUTION\s*$")
END_RE = re.compile(r"^(\s*)#\s*END SOLUTION\s*$")


def has_markers(text: str) -> bool:
    return any(BEGIN_RE.match(line) or END_RE.match(line) for line in text.splitlines())

"""The README's homework table is `course list --markdown`: one row per homework of the registry
(its SUMMARY and its suite's points), so a new homework appears there with no hand edit."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli.list_ import TABLE_HEAD, markdown_table, readme_with_table
from autograder.engine import registry

REPO = Path(__file__).resolve().parents[1]
START = re.compile(r"<!-- homework table: .*?-->\n")
END = "<!-- end of the homework table -->"


def readme_table() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    m = START.search(text)
    assert m and END in text[m.end():], "README.md: the homework table's markers are missing"
    return text[m.end():text.index(END, m.end())].strip() + "\n"


def test_the_readme_table_is_the_generated_one():
    assert readme_table() == markdown_table(), (
        "README.md's homework table is stale: run `course list --update-readme`")


def test_update_readme_rewrites_only_the_table():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(text, markdown_table()) == text  # the README is current (see above)
    stale = "# R\n\n<!-- homework table: x -->\n\n| old |\n\n<!-- end of the homework table -->\n\nafter\n"
    assert readme_with_table(stale, "| new |\n") == (
        "# R\n\n<!-- homework table: x -->\n\n| new |\n\n<!-- end of the homework table -->\n\nafter\n")
    with pytest.raises(ValueError, match="markers"):
        readme_with_table("# R\n| old |\n", "| new |\n")


def test_the_table_has_a_row_per_homework_and_the_cli_prints_it():
    table = markdown_table()
    rows = table.splitlines()
    assert "\n".join(rows[:2]) == TABLE_HEAD
    assert [r.split("|")[1].strip().strip("`") for r in rows[2:]] == registry.homeworks()
    assert all(len(re.findall(r"(?<!\\)\|", r)) == 4 for r in rows), table  # a summary's own "|" is escaped
    out = subprocess.run([sys.executable, "-m", "autograder", "list", "--markdown"], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout == table

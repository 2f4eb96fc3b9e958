"""`course list`: homeworks, their parts and points, from the suites' metadata."""
from ..engine import registry
from ..engine.checks import available_homeworks, load_suite

TABLE_HEAD = "| homework | from the handout | points |\n|---|---|---|"
# the README's table stands between these two lines (the first one's text after "homework table:" is free)
README_START = "<!-- homework table: "
README_END = "<!-- end of the homework table -->"


def register(sub):
    p = sub.add_parser("list", help="list homeworks, their parts and points",
                       description="List the homeworks with a grading suite, their parts, checks and points.")
    p.add_argument("homework", nargs="?", help="show one homework's checks in detail")
    p.add_argument("--public", action="store_true", help="only the public checks")
    p.add_argument("--markdown", action="store_true",
                   help="print the README's homework table (Markdown) from the homeworks' declarations")
    p.add_argument("--update-readme", action="store_true",
                   help="write that table into README.md, between its homework-table markers")
    return p


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def points_cell(hw: str) -> str:
    """``37 (31 autograded, 6 by hand, 34 checks)``, plus ``, + 5 extra credit`` where the handout has some."""
    suite = load_suite(hw)
    extra = set(suite.extra_credit)
    checks = suite.checks()
    auto = sum(c.points for c in checks if c.part not in extra)
    manual = sum(p for part, p in suite.manual().values() if part not in extra)
    bonus = sum(c.points for c in checks if c.part in extra) + sum(
        p for part, p in suite.manual().values() if part in extra)
    out = f"{auto + manual:g} ({auto:g} autograded, {manual:g} by hand; {len(checks)} checks)"
    return out + (f" + {bonus:g} extra credit" if bonus else "")


def markdown_table(homeworks=None) -> str:
    """The README's homework table: one row per homework of the registry (its ``SUMMARY`` and its
    suite's points), in ``course list``'s order."""
    rows = [TABLE_HEAD]
    for hw in homeworks or registry.homeworks():
        rows.append(f"| `{hw}` | {_cell(registry.get(hw).summary)} | {points_cell(hw)} |")
    return "\n".join(rows) + "\n"


def readme_with_table(text: str, table: str) -> str:
    """``text`` (README.md) with the table between its markers replaced by ``table``
    (ValueError when a marker is missing)."""
    start = text.find(README_START)
    end = text.find(README_END, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        raise ValueError(f"README.md has no homework table markers ({README_START}... and {README_END})")
    head = text.index("\n", start) + 1
    return text[:head] + "\n" + table + "\n" + text[end:]


def run(args) -> int:
    import sys

    have = available_homeworks()
    if args.update_readme:
        path = registry.REPO / "README.md"
        try:
            new = readme_with_table(path.read_text(encoding="utf-8"), markdown_table())
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        path.write_text(new, encoding="utf-8")
        print(f"wrote the homework table of {path}")
        return 0
    if args.markdown:
        if args.homework and args.homework not in have:
            print(f"error: no homework {args.homework!r} (have: {', '.join(have)})", file=sys.stderr)
            return 2
        print(markdown_table([args.homework] if args.homework else None), end="")
        return 0
    if args.homework and args.homework not in have:
        print(f"error: no homework {args.homework!r} (have: {', '.join(have)})", file=sys.stderr)
        return 2
    hws = [args.homework] if args.homework else have
    for hw in hws:
        suite = load_suite(hw)
        checks = suite.checks(include_hidden=not args.public)
        auto = sum(c.points for c in checks)
        written = suite.manual()
        manual = sum(p for _, p in written.values())
        print(f"{hw}: {suite.title}  ({auto:g} autograded points, {manual:g} graded by hand, {len(checks)} checks)")
        parts = dict(suite.parts)
        for part, _ in written.values():
            parts.setdefault(part, "written answers")
        for part, title in parts.items():
            pcs = [c for c in checks if c.part == part]
            pts = sum(c.points for c in pcs)
            man = sum(p for prt, p in written.values() if prt == part)
            extra = f" + {man:g} by hand" if man else ""
            print(f"  part {part:<6} {title:<44} {pts:>5g} pts{extra}")
            if args.homework:
                for c in pcs:
                    print(f"      {c.id:<40} {c.points:>4g}  {c.visibility:<6}  {c.description}")
                for gid, (prt, p) in written.items():
                    if prt == part:
                        print(f"      {gid:<40} {p:>4g}  manual  written answer (graded by hand)")
    return 0

"""`course list`: homeworks, their parts and points, from the suites' metadata."""
from ..engine.checks import available_homeworks, load_suite


def register(sub):
    p = sub.add_parser("list", help="list homeworks, their parts and points",
                       description="List the homeworks with a grading suite, their parts, checks and points.")
    p.add_argument("homework", nargs="?", help="show one homework's checks in detail")
    p.add_argument("--public", action="store_true", help="only the public checks")
    return p


def run(args) -> int:
    hws = [args.homework] if args.homework else available_homeworks()
    for hw in hws:
        suite = load_suite(hw)
        checks = suite.checks(include_hidden=not args.public)
        auto = sum(c.points for c in checks)
        manual = sum(suite.manual_points.values())
        print(f"{hw}: {suite.title}  ({auto:g} autograded points, {manual:g} graded by hand, {len(checks)} checks)")
        for part, title in suite.parts.items():
            pcs = [c for c in checks if c.part == part]
            pts = sum(c.points for c in pcs)
            man = sum(v for k, v in suite.manual_points.items() if k.split(":")[0] == part)
            extra = f" + {man:g} by hand" if man else ""
            print(f"  part {part:<6} {title:<44} {pts:>5g} pts{extra}")
            if args.homework:
                for c in pcs:
                    print(f"      {c.id:<40} {c.points:>4g}  {c.visibility:<6}  {c.description}")
    return 0

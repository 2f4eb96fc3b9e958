"""`course build [--check]`: regenerate starter/ and assignments/ from solutions/."""
import sys

from ..build import BuildError, MarkerError, build, check


def register(sub):
    p = sub.add_parser("build", help="regenerate starter/ and the student notebooks from solutions/",
                       description="Regenerate starter/ (stubs from the solution markers) and assignments/ "
                       "(student notebooks from the master notebooks) out of solutions/. Exits 2, naming notebook, "
                       "cell and fact, when a written answer's key fact (a number with decimals or a unit, a named "
                       "setting such as a learning rate) appears in the student notebook's text, or a hand-graded "
                       "answer has no question above it.")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 and list the stale files if the generated tree is out of date")
    return p


def run(args) -> int:
    try:
        if args.check:
            stale = check()
            if stale:
                print(f"{len(stale)} generated file(s) are stale (run `course build`):")
                for s in stale:
                    print(f"  {s}")
                return 1
            print("starter/ and assignments/ are up to date")
            return 0
        changed = build()
    except (MarkerError, BuildError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for c in changed:
        print(f"wrote {c}")
    print(f"{len(changed)} file(s) changed")
    return 0

"""The `course` command: one module per verb, each with ``register`` and ``run``."""
from __future__ import annotations

import argparse
import importlib
import sys

VERBS = ["list_", "build", "data", "check", "grade", "report", "release", "autograde", "submit", "export",
         "similarity"]


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course",
        description="Neural-networks course package: build the student tree, check and grade homeworks, "
        "release and export autograders.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name in VERBS:
        try:
            mod = importlib.import_module(f"autograder.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"autograder.cli.{name}":
                continue  # a verb not present in this release (e.g. instructor verbs)
            raise
        p = mod.register(sub)
        p.set_defaults(_run=mod.run)
    return parser


PRIVATE_VERBS = ("grade", "report", "release", "autograde", "export", "similarity")


def public_data_first(args) -> list[str]:
    """The public data sets of the homework(s) a private verb names, made first where one is
    missing, with the umask the command was started with; returns the homeworks it prepared.

    Made later, inside grading, they would be made under the private umask: 0700 folders the
    course's sandboxed kernels (another user) cannot enter, so every autograded notebook would
    make them again in its own folder (13-18 s per student for the larger ones). The grader's own
    folders (``_grader*``) are private whatever the umask (``engine.graderdata``)."""
    try:  # a student release has no instructor hooks: its data come from `python -m autograder data`
        from coursedata.paths import data_root

        from autograder.engine.registry import datasets_for
        from autograder.instructor.hooks import prepare_data
    except ImportError:
        return []
    named = getattr(args, "homework", None)
    done = []
    for hw in ([named] if isinstance(named, str) else list(named or [])):
        if any(not (data_root() / d).exists() for d in datasets_for(hw)):
            print(f"note: {hw}'s data sets are missing: making them first (what `course data {hw}` does)",
                  file=sys.stderr)
            prepare_data(hw, log=lambda line: print(line, file=sys.stderr))
            done.append(hw)
    return done


def main(argv=None) -> int:
    import os

    from autograder.engine.sandbox import SandboxUnavailable

    parser = make_parser()
    args = parser.parse_args(argv)
    old_umask = None
    if args.verb == "grade" and not os.environ.get("NNCOURSE_DATA"):
        # grading builds its caches (reference networks, hidden splits) in the data folder: say where
        from .data import where

        print(f"note: {where()}; `course data {args.homework}` builds them before grading", file=sys.stderr)
    if args.verb in PRIVATE_VERBS:
        public_data_first(args)
        # what these write (results, feedback, nbgrader's source and gradebook, the Gradescope
        # zip) holds hidden material: private to the grader's user
        old_umask = os.umask(0o077)
    try:
        code = args._run(args)
    except SandboxUnavailable as exc:
        print(f"course: cannot grade on this machine: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if old_umask is not None:
            os.umask(old_umask)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())

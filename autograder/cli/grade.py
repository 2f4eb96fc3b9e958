"""`course grade <hw> SUBMISSION...`: grade submissions (folders or archives) into a gradebook."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..engine.batch import CSV_NAME, Roster, default_out, grade_batch, nbgrader_manual, parse_time
from ..engine.checks import available_homeworks, load_suite
from ..engine.writers import FORMATS


class UsageError(Exception):
    """A mistake in the command line: printed as ``error: ...`` with exit status 2."""


def refused(exc: Exception, out: Path) -> int:
    """Say why a command writing into ``out`` stopped, a :class:`UsageError` or an ``OSError``
    (``out`` not writable), as ``error: ...`` on stderr; the exit status, 2."""
    if isinstance(exc, OSError):
        print(f"error: cannot write to {out}: {exc.strerror or exc}", file=sys.stderr)
    else:
        print(f"error: {exc}", file=sys.stderr)
    return 2


def _formats(text: str) -> list[str]:
    fmts = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise UsageError(f"unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    return fmts


def check_homework(hw: str) -> None:
    have = available_homeworks()
    if hw not in have:
        raise UsageError(f"no grading suite for {hw!r} (have: {', '.join(have)})")


def check_only(hw: str, only, include_hidden: bool = True) -> None:
    """Every ``--only`` value must name a check id, an id prefix or a part of the homework."""
    if not only:
        return
    suite = load_suite(hw)
    checks = suite.checks(include_hidden=include_hidden)
    bad = [o for o in only if not any(c.id == o or c.id.startswith(o + ".") or c.part == o for c in checks)]
    if bad:
        parts = ", ".join(dict.fromkeys(c.part for c in checks))
        raise UsageError(f"--only {', '.join(bad)}: no such check or part in {hw} (parts: {parts}; "
                         f"`course list {hw}` shows the check ids)")


def writable_dir(path: Path) -> Path:
    """Create ``path`` if needed and prove it can be written, or explain why not."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path} is a file, not a folder: choose a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write to --out {path}: {exc.strerror or exc}") from None
    return path


def register(sub):
    p = sub.add_parser(
        "grade", help="grade submissions (folders or archives) with every check, hidden ones included",
        description="Grade submissions of a homework with its public and hidden checks, each check in its own "
        "sandboxed process, into a gradebook folder (default out/grades/<hw>/). Each student has one record, "
        "OUT/<student>.json, updated in place (--only merges the checks it regrades into it); the gradebook "
        "(grades.csv, and grades.md / grades.html with those formats) is rebuilt from every record in the folder. "
        "Every file is written atomically, so an interrupted batch can be continued with --resume.")
    p.add_argument("homework", help="homework id (see `course list`)")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                   help="submission folders or archives (.zip; .tar.gz is unpacked too)")
    p.add_argument("--jobs", "-j", type=int, default=1, help="submissions graded in parallel (default 1)")
    p.add_argument("--out", "-o", default=None, help="gradebook folder (default out/grades/<hw>)")
    p.add_argument("--format", "-f", default="json,csv",
                   help=f"comma-separated output formats among {','.join(FORMATS)} (default json,csv); md and html "
                   "write each student's feedback and the gradebook in that format")
    p.add_argument("--resume", action="store_true",
                   help="skip students whose record was made from a submission with the same content")
    p.add_argument("--seed", type=int, default=0, help="run seed mixed into every check's inputs (default 0)")
    p.add_argument("--only", action="append", metavar="ID_OR_PART",
                   help="grade only checks with this id, id prefix or part (repeatable), merged into each record")
    p.add_argument("--roster", metavar="CSV", help="class list in Canvas's gradebook layout (Student, ID, SIS User "
                   "ID, SIS Login ID, Section): names students and writes grades-canvas.csv for import")
    p.add_argument("--due", metavar="TIME", help="deadline (ISO, e.g. 2026-04-24T23:59; UTC unless a zone is "
                   "given): marks later submissions as late")
    p.add_argument("--nbgrader", metavar="COURSE_DIR", help="nbgrader course directory whose gradebook holds the "
                   "hand-graded scores (filled into the gradebook's by-hand columns)")
    add_extra_credit_option(p)
    p.add_argument("--no-progress", action="store_true", help="no progress output")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="grade on an existing Dask cluster (e.g. "
                       "tls://10.0.0.5:8786) over mutual TLS, one task per submission; each worker needs the course "
                       "installed, runs as root for the sandbox and is started with --preload autograder.engine.cluster "
                       "(see README, Grading on a cluster)")
    where.add_argument("--cluster", metavar="local[:N]", help="grade on a Dask LocalCluster of N worker processes "
                       "on this machine (default N: half the CPUs), over mutual TLS with keys made for the run")
    tls = p.add_argument_group("--scheduler security (default: Dask's distributed.comm.tls config)")
    tls.add_argument("--tls-ca-file", metavar="PEM", help="the cluster's CA certificate")
    tls.add_argument("--tls-cert", metavar="PEM", help="this client's certificate (signed by that CA)")
    tls.add_argument("--tls-key", metavar="PEM", help="its private key (mode 600; omit if the certificate file holds it)")
    tls.add_argument("--unsafe-plain-tcp", action="store_true", help="accept a tcp:// scheduler: anyone who reaches "
                     "it can run code as root on the workers and change grades (a warning is printed)")
    return p


def cluster_target(args):
    """``--cluster`` / ``--scheduler`` and their security options, checked: what ``grade_batch`` takes."""
    tls_opts = [o for o, v in (("--tls-ca-file", getattr(args, "tls_ca_file", None)),
                               ("--tls-cert", getattr(args, "tls_cert", None)),
                               ("--tls-key", getattr(args, "tls_key", None)),
                               ("--unsafe-plain-tcp", getattr(args, "unsafe_plain_tcp", False))) if v]
    if tls_opts and not getattr(args, "scheduler", None):
        raise UsageError(f"{', '.join(tls_opts)}: only with --scheduler (--cluster local makes its own keys)")
    if getattr(args, "cluster", None):
        from ..engine.cluster import parse_local

        if parse_local(args.cluster) is None:
            raise UsageError(f"--cluster {args.cluster!r}: expected local or local:N (N worker processes)")
        return args.cluster
    if getattr(args, "scheduler", None):
        from ..engine.cluster import ClusterSecurityError, scheduler_target

        try:
            return scheduler_target(args.scheduler, ca_file=args.tls_ca_file, cert=args.tls_cert, key=args.tls_key,
                                    unsafe_plain_tcp=args.unsafe_plain_tcp)
        except ClusterSecurityError as exc:
            raise UsageError(str(exc)) from None
    return None


EXTRA_CREDIT_HELP = ("how extra credit reaches grades-canvas.csv (with --roster): add = in the total, uncapped "
                     "(default; Canvas takes scores above Points Possible); separate = a column of its own "
                     "(Points Possible 0) beside the total without it; omit = left out. Points Possible never "
                     "includes it, and grades.csv always has its own extra-credit columns")


def add_extra_credit_option(p) -> None:
    p.add_argument("--extra-credit", choices=("add", "separate", "omit"), default="add", help=EXTRA_CREDIT_HELP)


def common_options(args) -> dict:
    """--roster, --due, --nbgrader and --extra-credit, read and checked (shared with `course report`)."""
    out = {"roster": None, "due": None, "manual": None, "canvas_extra": getattr(args, "extra_credit", "add")}
    if getattr(args, "roster", None):
        try:
            out["roster"] = Roster.read(args.roster)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"--roster: {exc}") from None
    if getattr(args, "due", None):
        out["due"] = parse_time(args.due)
        if out["due"] is None:
            raise UsageError(f"--due {args.due!r}: not a time (use e.g. 2026-04-24T23:59)")
    if getattr(args, "nbgrader", None):
        try:
            out["manual"] = nbgrader_manual(args.nbgrader, args.homework)
        except (OSError, ValueError) as exc:
            raise UsageError(f"--nbgrader: {exc}") from None
    return out


def run(args) -> int:
    try:
        check_homework(args.homework)
        formats = _formats(args.format)
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        check_only(args.homework, args.only)
        cluster = cluster_target(args)
        out = writable_dir(Path(args.out) if args.out else default_out(args.homework))
        opts = common_options(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    missing = [s for s in args.submissions if not Path(s).exists()]
    for m in missing:  # still recorded (as a submission that does not exist), but say so now
        print(f"warning: {m} does not exist", file=sys.stderr)
    seen, restore = _watch_interrupts()
    try:
        report = grade_batch(args.homework, args.submissions, out, formats=formats, jobs=args.jobs,
                             resume=args.resume, seed=args.seed, progress=not args.no_progress,
                             grade_kwargs={"only": args.only} if args.only else None, cluster=cluster,
                             stop=seen.is_set, **opts)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the submissions finished so far are saved in {out}/; run the same command with "
              f"--resume to grade the rest", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        if type(exc).__name__ != "ClusterUnavailable":
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 3
    finally:
        restore()
    return summarize(report, out, formats)


def _watch_interrupts():
    """``(event, restore)``: the event is set by every SIGINT while grading, so that the batch
    stops after the submission in progress even when the KeyboardInterrupt itself was lost.
    Measured under load before: 1 SIGINT in 8-14 was never acted on and the batch ran to its end,
    though /proc showed SIGINT caught, not blocked. Python raises the KeyboardInterrupt wherever the
    main thread is, and code called from C that clears errors can lose it (the likely cause, not
    proven). Only where SIGINT has Python's default handler (not when it is ignored, as in a
    background job) and in the main thread; the default handler is back afterwards."""
    import signal
    import threading

    seen = threading.Event()
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        return seen, lambda: None

    def on_sigint(signum, frame):
        seen.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    return seen, lambda: signal.signal(signal.SIGINT, signal.default_int_handler)


def summarize(report, out: Path, formats) -> int:
    print(f"{len(report.graded)} graded, {len(report.skipped)} unchanged since their record (skipped), "
          f"{len(report.unreadable)} could not be read, {len(report.failed)} failed inside the grader; "
          f"records in {out}/")
    if report.unreadable:
        print("\nsubmissions that could not be read (recorded with 0 points; fix and grade again):")
        for stem, why in report.unreadable.items():
            print(f"  {stem}: {' '.join(why.split())}")
    if report.notes:
        print("\ngraded, with notes:")
        for stem, why in report.notes.items():
            print(f"  {stem}: {' '.join(why.split())}")
    if report.failed:
        print("\ninternal grader errors (the records hold the details; they are regraded by --resume):")
        for stem in report.failed:
            print(f"  {stem}")
    if report.off_roster:
        print(f"\nnot on the roster (recorded under their file name): {', '.join(report.off_roster)}")
    print(f"\ngradebook: {out / CSV_NAME}" + "".join(f", {out / ('grades.' + f)}" for f in ("md", "html")
                                                     if f in formats))
    n = len(report.results)
    if n:
        mean = sum(r.total for r in report.results.values()) / n
        mx = max(r.max_score for r in report.results.values())
        ec = max(r.extra_credit_max for r in report.results.values())
        print(f"mean autograded score of this command's submissions: {mean:.2f} / {mx:g}"
              + (f" (extra credit included; up to {ec:g} more)" if ec else ""))
    return 1 if report.failed or report.unreadable else 0

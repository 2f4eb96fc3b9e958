"""`course similarity HW SUBMISSIONS... --out DIR`: who shares code with whom (copydetect)."""
from __future__ import annotations

from pathlib import Path

from .grade import UsageError, check_homework, refused


def register(sub):
    p = sub.add_parser(
        "similarity", help="rank pairs of submissions by shared code (copydetect, student-written functions only)",
        description="Compare every pair of submissions on the functions the students wrote (the starter's text "
        "and the provided code are subtracted as boilerplate; renamed variables and functions still match). "
        "Writes the ranked pair table (similarity.csv, similarity.md) and copydetect's side-by-side HTML report "
        "(similarity.html) into --out. A high score is a lead to read, not a verdict.")
    p.add_argument("homework", help="homework id (see `course list`)")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="submission folders or archives")
    p.add_argument("--out", "-o", metavar="DIR", help="where to write (default out/similarity/<hw>)")
    p.add_argument("--top", type=int, default=10, help="pairs to print (default 10)")
    p.add_argument("--noise", type=int, default=25,
                   help="shortest shared run that counts, in normalised characters (copydetect's noise threshold)")
    return p


def run(args) -> int:
    out = Path(args.out) if args.out else Path("out") / "similarity" / args.homework
    try:
        check_homework(args.homework)
        missing = [s for s in args.submissions if not Path(s).exists()]
        if missing:
            raise UsageError("no such submission: " + ", ".join(missing))
        try:
            from ..instructor.similarity import run_similarity
        except ImportError as exc:  # copydetect missing (an install without the instructor tools)
            raise UsageError(f"course similarity needs copydetect ({exc}); pip install copydetect") from None
        rep = run_similarity(args.homework, args.submissions, out, noise_t=args.noise,
                             guarantee_t=max(args.noise, 30))
    except (UsageError, OSError) as exc:
        return refused(exc, out)
    print(f"{len(rep.students)} submission(s) compared, {len(rep.pairs)} pair(s)"
          + (f"; not compared: {', '.join(sorted(rep.skipped))}" if rep.skipped else ""))
    for k, p in enumerate(rep.pairs[: max(0, args.top)], 1):
        print(f"{k:3d}. {p.a} ~ {p.b}: {p.score:.0%} (share of {p.a} in {p.b} {p.share_a:.0%}, of {p.b} in {p.a} "
              f"{p.share_b:.0%}; {p.tokens} shared tokens)")
    print(f"wrote {out / 'similarity.csv'}, {out / 'similarity.md'}, {rep.html}")
    return 0

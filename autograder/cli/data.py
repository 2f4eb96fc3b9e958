"""`course data NAME`: write an embedded default dataset in its real format."""
import importlib
import pkgutil
import sys
import time


def _datasets():
    import coursedata

    return sorted(m.name for m in pkgutil.iter_modules(coursedata.__path__) if m.ispkg and m.name != "body")


def register(sub):
    p = sub.add_parser("data", help="generate an embedded dataset (offline, deterministic)",
                       description="Write an embedded default dataset under data/<name>/ (or $NNCOURSE_DATA) "
                       "in the real format its loader reads. Existing data is kept unless --force.")
    p.add_argument("name", nargs="?", help="dataset name (omit to list them)")
    p.add_argument("--preset", default="default", help="size preset (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default: %(default)s)")
    p.add_argument("--force", action="store_true", help="regenerate even if the data exists")
    return p


def run(args) -> int:
    names = _datasets()
    if not args.name:
        print("datasets: " + ", ".join(names))
        return 0
    if args.name not in names:
        print(f"error: unknown dataset {args.name!r}; choose from {', '.join(names)}", file=sys.stderr)
        return 2
    mod = importlib.import_module(f"coursedata.{args.name}")
    start = time.monotonic()
    path = mod.ensure(preset=args.preset, seed=args.seed, force=args.force)
    print(f"{args.name}: {path} ({time.monotonic() - start:.1f} s)")
    return 0

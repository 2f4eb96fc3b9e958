"""`course data NAME`: write an embedded default dataset in its real format, or, for a homework,
everything its grading needs, up front.

``course data <dataset>`` writes one dataset (``--preset``, ``--seed``, ``--force``).
``course data <homework>`` (a TA before the first ``course grade``) writes every dataset the
homework uses and builds every grader cache its checks read (nist36's cached reference network,
fer's private test sets, fms's and pose's hidden splits), one step at a time with a progress
bar, so that no grading run pays for them inside a check's time limit. A name that is both
(``nist36``) means the homework, unless ``--preset`` or ``--seed`` is given.

Everything goes to one folder, printed first (``coursedata.paths``): ``$NNCOURSE_DATA`` when it
is set, otherwise the checkout's ``data/`` (a student's release: its own ``data/``; the package
installed on its own: ``~/.local/share/nncourse``, or ``$XDG_DATA_HOME/nncourse``).
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import threading
import time


def _datasets():
    import coursedata

    return sorted(m.name for m in pkgutil.iter_modules(coursedata.__path__) if m.ispkg and m.name != "body")


def _homeworks():
    from ..engine.checks import available_homeworks

    return available_homeworks()


def register(sub):
    p = sub.add_parser("data", help="generate a dataset, or all the data and grader caches of a homework",
                       description="Write an embedded default dataset under data/<name>/ (or $NNCOURSE_DATA) "
                       "in the real format its loader reads; with a homework id, write every dataset it uses and "
                       "build every cache its grading reads (e.g. nist36's reference network), with a progress "
                       "bar, before the first `course grade`. Existing data is kept unless --force.")
    p.add_argument("name", nargs="?", help="dataset name or homework id (omit to list them)")
    p.add_argument("--preset", default=None, help="size preset of a dataset (default: default)")
    p.add_argument("--seed", type=int, default=None, help="generator seed of a dataset (default: 0)")
    p.add_argument("--force", action="store_true", help="regenerate even if the data exists")
    p.add_argument("--no-progress", action="store_true", help="one line per step instead of a progress bar")
    return p


def where() -> str:
    """Where data and grader caches go, and why (one line)."""
    from coursedata import paths

    root = paths.data_root()
    if os.environ.get("NNCOURSE_DATA"):
        return f"data and grader caches: {root} ($NNCOURSE_DATA)"
    reason = getattr(paths, "data_root_reason", lambda: "")()
    why = f", so {reason}" if reason else ""
    return (f"data and grader caches: {root} ($NNCOURSE_DATA is not set{why}; set it, e.g. in your shell profile, "
            f"to keep them in one place of your own)")


def _dataset_step(name: str, force: bool):
    def step():
        mod = importlib.import_module(f"coursedata.{name}")
        ensure = getattr(mod, "ensure", None)
        if ensure is None:  # e.g. coursedata.mnist.ensure_mnist_all()
            ensure = next((getattr(mod, n) for n in sorted(dir(mod)) if n.startswith("ensure_")
                           and callable(getattr(mod, n))), None)
        if ensure is None:
            return "no generator"
        try:
            return str(ensure(force=force) if force else ensure())
        except TypeError:
            return str(ensure())
    return step


def homework_steps(hw: str, force: bool = False) -> list[tuple[str, object]]:
    """(label, callable) for each thing ``hw``'s grading reads: its datasets, then its
    ``prepare_data`` hook (the grader caches: reference networks, hidden splits)."""
    mod = importlib.import_module(f"autograder.{hw}")
    try:
        from ..instructor.hooks import datasets_for
    except ImportError:  # a student's release: no staff tools; the homework names its datasets
        names = tuple(getattr(mod, "DATASETS", ()))
    else:
        names = datasets_for(hw)
    steps = [(f"dataset {d}", _dataset_step(d, force)) for d in names if d in _datasets()]
    hook = getattr(mod, "prepare_data", None)
    if callable(hook):
        steps.append((f"{hw} grader caches", hook))
    return steps


class _Bar:
    """A progress bar over steps whose elapsed time keeps ticking while a long step runs (a
    plain line per step when not on a terminal or with --no-progress)."""

    def __init__(self, total: int, plain: bool):
        self.plain = plain or not sys.stderr.isatty()
        self.bar = None
        if not self.plain:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="step", file=sys.stderr, dynamic_ncols=True,
                            bar_format="{desc} {bar} {n_fmt}/{total_fmt} [{elapsed}]")
        self._stop = threading.Event()
        self._tick = None

    def start(self, label: str):
        if self.bar is None:
            print(f"  {label} ...", flush=True)
            return
        self.bar.set_description_str(label)
        self._stop.clear()
        self._tick = threading.Thread(target=self._refresh, daemon=True)
        self._tick.start()

    def _refresh(self):
        while not self._stop.wait(1.0):
            self.bar.refresh()

    def done(self, line: str):
        if self.bar is None:
            print(f"  {line}", flush=True)
            return
        self._stop.set()
        if self._tick is not None:
            self._tick.join()
        self.bar.write(f"  {line}", file=sys.stderr)
        self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def prepare_homework(hw: str, *, force: bool = False, progress: bool = True) -> int:
    steps = homework_steps(hw, force)
    print(f"{hw}: {len(steps)} step(s); {where()}", flush=True)
    bar = _Bar(len(steps), plain=not progress)
    status = 0
    start_all = time.monotonic()
    try:
        for label, fn in steps:
            bar.start(label)
            start = time.monotonic()
            try:
                res = fn()
            except Exception as exc:  # noqa: BLE001 - report, go on with the other steps
                bar.done(f"{label}: failed: {type(exc).__name__}: {exc}")
                status = 1
                continue
            extra = f": {res}" if isinstance(res, str) and res else ""
            bar.done(f"{label}: ready ({time.monotonic() - start:.1f} s){extra}")
    finally:
        bar.close()
    print(f"{hw}: {'done' if status == 0 else 'some steps failed'} in {time.monotonic() - start_all:.1f} s")
    return status


def run(args) -> int:
    names = _datasets()
    homeworks = _homeworks()
    if not args.name:
        print("datasets: " + ", ".join(names))
        print("homeworks (every dataset and grader cache of one): " + ", ".join(homeworks))
        print(where())
        return 0
    as_dataset = args.name in names and (args.name not in homeworks or args.preset is not None
                                         or args.seed is not None)
    if args.name in homeworks and not as_dataset:
        return prepare_homework(args.name, force=args.force, progress=not args.no_progress)
    if args.name not in names:
        print(f"error: unknown dataset or homework {args.name!r}; datasets: {', '.join(names)}; homeworks: "
              f"{', '.join(homeworks)}", file=sys.stderr)
        return 2
    mod = importlib.import_module(f"coursedata.{args.name}")
    start = time.monotonic()
    path = mod.ensure(preset=args.preset or "default", seed=args.seed or 0, force=args.force)
    print(f"{args.name}: {path} ({time.monotonic() - start:.1f} s)")
    return 0

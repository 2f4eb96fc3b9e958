"""Grader-held data: secret seeds and private caches, one mechanism for every homework.

A hidden split (fer's private faces, pose's hidden clips, fms's Kaggle-style test people)
is generated from a seed that only the grading side holds. That seed is never a constant in
the source: :func:`secret_seed` draws a 128-bit number (``secrets.randbits``) the first time a
homework asks for it (``course data``, ``course release`` or the first grading) and stores it
with the grader's private data, in ``<data_root>/_grader/<homework>.json`` (folder 0700, file
0600, unreadable to the sandbox users). Every later call, on this machine or in a Gradescope
export that carries the file (:func:`store_path`), returns the same number; trying seeds one
by one against shipped frames is hopeless at 2**128.

Overrides, for reproducible fixtures only (the project's tests and ``make demo`` grade sample
submissions whose prediction files were made for known hidden splits):

* ``$NNCOURSE_GRADER_SEEDS``: a JSON file ``{"<homework>": {"<name>": <int or "0x..">}}``;
  names it lists win over the private store;
* ``$<HOMEWORK>_GRADER_SEED`` (e.g. ``FMS_GRADER_SEED``): one number for every name of that
  homework (the older per-homework variables).

Besides seeds, one way for every homework to keep what only the grader may read:

* :func:`private_dir`: a dataset's ``_grader`` folder, created private;
* :func:`private_split`: files made once in such a folder (a hidden split, a private test
  set's labels) by the suite's generator, again when they are no longer current, under a lock
  (concurrent graders make them once), then protected (:func:`protect_private`);
* :func:`cached_arrays`: arrays made once (a private set from a secret seed, a trained
  reference model) and kept in an ``.npz``, made again when their ``stamp`` changes;
* :func:`protect_private`: a grader folder and its files made unreadable to the sandbox.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

SEED_BITS = 128
FIXTURE_ENV = "NNCOURSE_GRADER_SEEDS"
_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


def _data_root() -> Path:
    from coursedata.paths import data_root

    return data_root()


def store_dir() -> Path:
    """``<data_root>/_grader``: where the grader's secrets live (0700)."""
    return _data_root() / "_grader"


def store_path(homework: str) -> Path:
    """The file holding ``homework``'s secret seeds (0600)."""
    _check_name(homework)
    return store_dir() / f"{homework}.json"


def _check_name(name: str) -> None:
    if not name or not set(name) <= _NAME_OK:
        raise ValueError(f"secret names are lower-case identifiers, got {name!r}")


def _as_int(value) -> int:
    return int(value, 0) if isinstance(value, str) else int(value)


def _override(homework: str, name: str) -> int | None:
    path = os.environ.get(FIXTURE_ENV)
    if path:
        try:
            table = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"${FIXTURE_ENV}={path} is not a readable JSON file of seeds: {exc}") from None
        value = (table.get(homework) or {}).get(name)
        if value is not None:
            return _as_int(value)
    legacy = os.environ.get(f"{homework.upper()}_GRADER_SEED")
    if legacy:
        return _as_int(legacy)
    return None


def _private(path: Path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except OSError:
        pass


def secret_seed(homework: str, name: str) -> int:
    """The grader's secret seed ``name`` of ``homework``: 128 random bits, drawn once and kept
    in :func:`store_path` (overrides: see the module docstring)."""
    _check_name(name)
    fixed = _override(homework, name)
    if fixed is not None:
        return fixed
    path = store_path(homework)
    seeds = _read(path)
    if name in seeds:
        return seeds[name]
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    _private(path.parent, 0o700)
    with open(path.parent / f".{homework}.lock", "w") as lock:  # concurrent graders draw it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        seeds = _read(path)
        if name not in seeds:
            seeds[name] = secrets.randbits(SEED_BITS) | (1 << (SEED_BITS - 1))  # always 128 bits long
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump({k: hex(v) for k, v in sorted(seeds.items())}, fh, indent=1)
            os.replace(tmp, path)
    _private(path, 0o600)
    return seeds[name]


def _read(path: Path) -> dict[str, int]:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"the grader's seed file {path} is unreadable ({exc}); restore it from a backup: "
                           f"a new seed would no longer match what was released") from None
    return {str(k): _as_int(v) for k, v in raw.items()}


def seed_tag(homework: str, name: str, *extra) -> str:
    """A short hash naming a secret seed (and ``extra`` settings) in stamps and file names,
    without writing the seed down."""
    text = ":".join([homework, name, str(secret_seed(homework, name))] + [str(e) for e in extra])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def secret_paths(homework: str) -> list[Path]:
    """Grading-only paths of this mechanism for ``homework`` (the sandbox must not read them)."""
    return [store_dir(), store_path(homework)]


def private_dir(dataset: str) -> Path:
    """``<data_root>/<dataset>/_grader``, created (0700) when missing."""
    d = _data_root() / dataset / "_grader"
    d.mkdir(parents=True, exist_ok=True)
    _private(d, 0o700)
    return d


def protect_private(folder) -> Path:
    """Make ``folder`` and the files in it unreadable to the sandbox's users (``sandbox.identity.protect``:
    only when grading as root). A missing folder is fine."""
    from .sandbox.identity import protect

    folder = Path(folder)
    protect([folder] + (sorted(folder.glob("*")) if folder.is_dir() else []))
    return folder


def private_split(folder, current, make, *, lock=None) -> Path:
    """Grader-held files in ``folder`` (created 0700): ``make()`` writes them unless ``current()`` says the
    ones there are up to date; asked again under ``lock`` (a file; default ``folder/.lock``), so that
    concurrent graders make them once. The folder and its files are then protected (:func:`protect_private`).
    Returns ``folder``."""
    import fcntl

    folder = Path(folder)
    if not current():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = Path(lock) if lock is not None else folder / ".lock"
        with open(lock, "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            if not current():
                make()
    return protect_private(folder)


def cached_arrays(path: Path, make, keys=("X", "y"), *, stamp: str | None = None, private: bool = True):
    """Arrays ``make()`` returns (a tuple in the order of ``keys``), kept in ``path`` (an .npz
    written once, atomically, 0600) and read back from it afterwards.

    ``stamp``: what the arrays were made from (e.g. the training file's mtime for a cached
    reference model), stored beside them; a file with another stamp is made again.
    ``private``: the file and its folder are grader-only (:func:`protect_private`); ``False`` for
    a cache that may sit next to public data."""
    import numpy as np

    path = Path(path)
    if not _current_npz(path, stamp):
        arrays = make()
        extra = {} if stamp is None else {"stamp": str(stamp)}
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")  # concurrent graders: one temp file each
        np.savez(tmp, **extra, **dict(zip(keys, arrays)))
        _private(tmp, 0o600)
        tmp.replace(path)
    if private:
        from .sandbox.identity import protect

        protect([path.parent, path])
    with np.load(path, allow_pickle=False) as f:
        return tuple(f[k] for k in keys)


def _current_npz(path: Path, stamp) -> bool:
    if not path.is_file():
        return False
    if stamp is None:
        return True
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as f:
            return "stamp" in f.files and str(f["stamp"]) == str(stamp)
    except (OSError, ValueError):
        return False

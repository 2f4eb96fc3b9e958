"""Where generated data (and the grader's caches, under ``_grader/``) lives: one folder,
chosen in this order (``data_root_reason()`` says which rule applied):

1. ``$NNCOURSE_DATA`` when that variable is set (a TA's own place, a Gradescope image);
2. in a checkout of the course repository (this package in the ``datasets`` folder of a
   folder holding ``pyproject.toml``): that checkout's git-ignored ``data/`` (the tests,
   ``make demo`` and CI read it there);
3. in a student release (``coursedata/`` beside ``starter/`` and ``DATA.md``): the release
   folder's own ``data/``, wherever the command runs from; the release ships files there
   (fms's test frames) and its ``DATA.md`` says so;
4. anywhere else (the package installed on its own): one folder per user,
   ``$XDG_DATA_HOME/nncourse``, by default ``~/.local/share/nncourse`` (root's is under
   ``/root``), instead of a ``data/`` in whatever folder a command happens to run from.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["checkout_root", "data_root", "data_root_reason", "release_root", "repo_root", "user_data_root"]

_HERE = Path(__file__).resolve().parent  # .../coursedata


def checkout_root() -> Path | None:
    """The checkout of the course repository this package belongs to: the nearest folder above
    it holding ``pyproject.toml`` and this package in its ``datasets`` folder (None outside a
    checkout)."""
    for parent in _HERE.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "datasets" / "coursedata").is_dir():
            return parent
    return None


def release_root() -> Path | None:
    """The student release this package ships in: the folder holding ``coursedata/`` beside
    ``starter/`` and ``DATA.md`` (None when it is not one)."""
    folder = _HERE.parent
    if (folder / "starter").is_dir() and (folder / "DATA.md").is_file():
        return folder
    return None


def repo_root() -> Path:
    """The checkout's root; outside a checkout, the student release's folder, else the current
    directory."""
    return checkout_root() or release_root() or Path.cwd()


def user_data_root() -> Path:
    """``$XDG_DATA_HOME/nncourse`` (an absolute ``XDG_DATA_HOME`` only, as the XDG spec says),
    otherwise ``~/.local/share/nncourse``."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "nncourse"
    try:
        return Path.home() / ".local" / "share" / "nncourse"
    except (RuntimeError, KeyError):  # no $HOME and no passwd entry (a leased uid): the current folder
        return Path.cwd() / "data"


def _resolve() -> tuple[Path, str]:
    env = os.environ.get("NNCOURSE_DATA")
    if env:
        return Path(env).expanduser(), "$NNCOURSE_DATA"
    root = checkout_root()
    if root is not None:
        return root / "data", "the checkout's data/ folder"
    root = release_root()
    if root is not None:
        return root / "data", "this homework folder's data/"
    return user_data_root(), "the per-user default"


def data_root() -> Path:
    """Root folder for generated datasets and the grader's caches (see the module's docstring)."""
    return _resolve()[0]


def data_root_reason() -> str:
    """Which rule chose ``data_root()``, in words (``$NNCOURSE_DATA``, ``the checkout's data/
    folder``, ``this homework folder's data/``, ``the per-user default``)."""
    return _resolve()[1]

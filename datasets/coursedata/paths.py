"""Where generated data lives.

``data_root()`` is ``$NNCOURSE_DATA`` when that variable is set, otherwise the
``data/`` folder at the repository root (git-ignored).
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_root", "repo_root"]


def repo_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml``)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    # Installed outside a checkout: fall back to the current directory.
    return Path.cwd()


def data_root() -> Path:
    """Root folder for generated datasets (``$NNCOURSE_DATA`` or ``<repo>/data``)."""
    env = os.environ.get("NNCOURSE_DATA")
    if env:
        return Path(env).expanduser()
    return repo_root() / "data"

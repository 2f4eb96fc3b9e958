"""Shared fixtures. ``tests`` is a package so a site-packages ``tests`` can't shadow it."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO

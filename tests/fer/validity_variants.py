"""fer's kept variants as ``benchmarks/validity.py`` reads them (``VALIDITY``: engine.registry).

``buggy()``: name -> (patches, target check ids, part or None: caught when a check of that part
loses points); ``correct()`` and ``handout()``: name -> (patches, check ids); ``make_tree(root,
patches)``: the reference tree with the patches (and the reference model files, for the model checks).
"""
from tests.fer import test_fer_variants as tv
from tests.fer.helpers import make_tree  # noqa: F401


def buggy() -> dict:
    return {name: (patches, list(ids), part) for name, (patches, ids, part, _w) in tv.BUGGY.items()}


def correct() -> dict:
    return dict(tv.CORRECT)


def handout() -> dict:
    return dict(getattr(tv, "HANDOUT", {}))

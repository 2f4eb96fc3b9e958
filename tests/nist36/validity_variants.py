"""nist36's kept variants as ``benchmarks/validity.py`` reads them (``VALIDITY``: engine.registry).

``buggy()``: name -> (patches, target check ids, part or None); ``correct()`` and ``handout()``:
name -> (patches, check ids); ``make_tree(root, patches)``: the reference tree with the patches.
"""
from tests.nist36 import variants as tv
from tests.nist36.helpers import make_tree  # noqa: F401


def buggy() -> dict:
    return {name: (patches, [cid], None) for name, (patches, cid, _words) in tv.BUGGY.items()}


def correct() -> dict:
    return dict(tv.CORRECT)


def handout() -> dict:
    return dict(getattr(tv, "HANDOUT", {}))

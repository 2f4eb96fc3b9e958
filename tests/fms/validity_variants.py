"""fms's kept variants as ``benchmarks/validity.py`` reads them (``VALIDITY``: engine.registry).

``buggy()``: name -> (patches, target check ids, part or None); ``correct()`` and ``handout()``:
name -> (patches, check ids); ``make_tree(root, patches)``: the reference tree with the patches.
"""
from tests.fms import test_fms_variants as tv
from tests.fms import variants_correct as vc
from tests.fms.helpers import make_tree  # noqa: F401


def buggy() -> dict:
    return {name: (v[0], [v[1]], None) for name, v in tv.VARIANTS.items()}


def correct() -> dict:
    return dict(vc.CORRECT)


def handout() -> dict:
    return dict(getattr(vc, "HANDOUT", {}))

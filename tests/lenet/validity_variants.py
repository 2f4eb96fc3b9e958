"""lenet's kept variants as ``benchmarks/validity.py`` reads them (``VALIDITY``: engine.registry).

``buggy()``: name -> (patches, target check ids, part or None); ``correct()`` and ``handout()``:
name -> (patches, check ids); ``make_tree(root, patches)``: the reference tree with the patches.
"""
from tests import helpers_common as kit
from tests.lenet import test_lenet_variants as tv
from tests.lenet import variants_correct as vc
from tests.lenet.helpers import make_tree  # noqa: F401

buggy, correct, handout = kit.validity_functions(tv, "VARIANTS", vc)

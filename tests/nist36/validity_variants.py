"""nist36's kept variants as ``benchmarks/validity.py`` reads them (``VALIDITY``: engine.registry).

``buggy()``: name -> (patches, target check ids, part or None); ``correct()`` and ``handout()``:
name -> (patches, check ids); ``make_tree(root, patches)``: the reference tree with the patches.
"""
from tests import helpers_common as kit
from tests.nist36 import variants as tv
from tests.nist36.helpers import make_tree  # noqa: F401

buggy, correct, handout = kit.validity_functions(tv, "BUGGY")

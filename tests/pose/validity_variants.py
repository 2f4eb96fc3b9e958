"""pose's kept variants as ``benchmarks/validity.py`` reads them (``VALIDITY``: engine.registry).

``buggy()``: name -> (patches, target check ids, part or None); ``correct()`` and ``handout()``:
name -> (patches, check ids: the model checks for a variant of the model's methods, the function
checks otherwise); ``make_tree(root, patches)``: the reference tree with the patches.
"""
from tests import helpers_common as kit
from tests.pose import test_pose_variants as tv
from tests.pose.helpers import make_tree  # noqa: F401

buggy, _correct, handout = kit.validity_functions(tv, "BUGGY")


def correct() -> dict:
    return {name: (patches, list(tv.MODEL_CHECKS if "self." in "".join(n for _f, _o, n in patches)
                                 else tv.FUNCTION_CHECKS)) for name, patches in tv.CORRECT.items()}

"""The wire format: round trips, and nothing a sandbox writes can execute or blow up the grader."""
import io
import json
import zipfile

import numpy as np
import pytest

from autograder.engine import wire
from autograder.engine.wire import Opaque, Ref, WireError


def roundtrip(obj, tmp_path, strict=False):
    wire.dump(obj, str(tmp_path), "x", strict=strict)
    return wire.load(str(tmp_path), "x")


def test_roundtrip_values(tmp_path):
    obj = {"a": np.arange(6.0).reshape(2, 3), "b": [1, 2.5, None, True, "s"], "c": (np.float32(1.5), np.int64(3)),
           "d": float("nan"), "e": float("inf"), 7: Ref(3, (("attr", "params"), ("item", "W1")))}
    back = roundtrip(obj, tmp_path)
    np.testing.assert_array_equal(back["a"], obj["a"])
    assert back["b"] == obj["b"] and isinstance(back["c"], tuple)
    assert back["c"][0].dtype == np.float32 and back["c"][1] == 3
    assert np.isnan(back["d"]) and back["e"] == float("inf")
    assert back[7] == obj[7]


def test_unknown_objects_become_opaque_in_the_child(tmp_path):
    class Thing:
        pass

    back = roundtrip({"t": Thing(), "o": np.array([object()], dtype=object)}, tmp_path)
    assert back["t"] == Opaque("Thing") and isinstance(back["o"], Opaque)
    with pytest.raises(WireError):
        roundtrip(Thing(), tmp_path, strict=True)


def test_ndarray_subclass_arrives_as_a_plain_array(tmp_path):
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    back = roundtrip(np.zeros(3).view(Liar), tmp_path)
    assert type(back) is np.ndarray


def test_too_deep_or_too_large_is_refused(tmp_path):
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(WireError):
        roundtrip(deep, tmp_path)


def _write(tmp_path, tree, npz_bytes):
    (tmp_path / "x.json").write_text(json.dumps(tree))
    (tmp_path / "x.npz").write_bytes(npz_bytes)


def _npz(member_bytes, compress=zipfile.ZIP_STORED, name="a0.npy"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        z.writestr(name, member_bytes)
    return buf.getvalue()


def _npy(arr):
    b = io.BytesIO()
    np.save(b, arr, allow_pickle=True)
    return b.getvalue()


def test_pickled_arrays_are_never_loaded(tmp_path):
    _write(tmp_path, {"__array__": "a0"}, _npz(_npy(np.array([{"x": 1}], dtype=object))))
    with pytest.raises(WireError):
        wire.load(str(tmp_path), "x")


def test_compressed_members_and_zip_bombs_are_refused(tmp_path):
    _write(tmp_path, {"__array__": "a0"}, _npz(_npy(np.zeros(1000)), zipfile.ZIP_DEFLATED))
    with pytest.raises(WireError):
        wire.load(str(tmp_path), "x")


def test_header_claiming_more_data_than_present_is_refused(tmp_path):
    header = b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000,), }"
    member = header.ljust(127, b" ") + b"\n" + bytes(64)
    _write(tmp_path, {"__array__": "a0"}, _npz(member))
    with pytest.raises(WireError):
        wire.load(str(tmp_path), "x")


def test_symlinks_and_oversized_files_are_refused(tmp_path):
    wire.dump([1, 2], str(tmp_path), "x")
    (tmp_path / "y.json").symlink_to(tmp_path / "x.json")
    (tmp_path / "y.npz").symlink_to(tmp_path / "x.npz")
    with pytest.raises(WireError):
        wire.load(str(tmp_path), "y")
    with pytest.raises(WireError):
        wire.load(str(tmp_path), "x", max_bytes=10)


def test_malformed_tree(tmp_path):
    _write(tmp_path, {"__nope__": 1}, _npz(_npy(np.zeros(1))))
    with pytest.raises(WireError):
        wire.load(str(tmp_path), "x")


def test_an_answer_of_nested_empty_containers_is_refused_before_parsing(tmp_path):
    """60 MB of ``[{}, {}, ...]`` parse into gigabytes: refused from its size or its count of
    containers, without building it."""
    import resource
    import time

    wire.dump({"ok": True, "value": None}, str(tmp_path), "resp1")
    (tmp_path / "resp1.json").write_bytes(b'{"ok": true, "value": [' + b"{}," * (20 << 20) + b"{}]}")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    with pytest.raises(WireError):
        wire.load(str(tmp_path), "resp1", max_bytes=100 << 20)
    with pytest.raises(WireError):
        wire.load(str(tmp_path), "resp1", max_bytes=100 << 20, max_json_bytes=8 << 20)
    assert time.monotonic() - start < 5
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 400, f"the reader grew by {grown_mb:.0f} MB"

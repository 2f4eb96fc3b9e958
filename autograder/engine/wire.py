"""Values across the sandbox boundary: JSON for structure, .npy for arrays.

Nothing here ever unpickles: arrays are read with ``allow_pickle=False`` and the JSON
tree only knows plain types. This module is copied into the sandbox, so it must only
import the standard library and numpy (torch is optional).
"""
from __future__ import annotations

import io
import json
import math
import os
from dataclasses import dataclass

import numpy as np

MAX_DEPTH = 32
MAX_ITEMS = 100_000


@dataclass(frozen=True)
class Opaque:
    """Stands for a value that could not be sent across (an unknown object)."""

    type_name: str

    def __repr__(self):
        return f"<{self.type_name} object>"


@dataclass(frozen=True)
class Ref:
    """A live object kept in the sandbox, addressed by id and an access path."""

    id: int
    path: tuple = ()

    def attr(self, name: str) -> "Ref":
        return Ref(self.id, self.path + (("attr", name),))

    def __getitem__(self, key) -> "Ref":
        return Ref(self.id, self.path + (("item", key),))


class WireError(ValueError):
    pass


def encode(obj, arrays: dict, *, strict: bool = False, depth: int = 0, counter=None):
    """Return a JSON-able tree for ``obj``; arrays are stored into ``arrays``.

    In the sandbox ``strict`` is False: unknown objects become Opaque markers.
    """
    if counter is None:
        counter = [0]
    counter[0] += 1
    if counter[0] > MAX_ITEMS or depth > MAX_DEPTH:
        raise WireError("value too large or too deeply nested to send back")
    if obj is None or type(obj) in (bool, str):
        return obj
    if type(obj) is int:
        return obj if abs(obj) < 2**53 else {"__float__": float(obj)}
    if type(obj) is float:
        if math.isfinite(obj):
            return obj
        return {"__float__": repr(obj)}
    if isinstance(obj, np.generic) and not isinstance(obj, np.object_):
        arr = np.asarray(obj)
        if arr.dtype.kind in "biufc":
            key = f"a{len(arrays)}"
            arrays[key] = np.array(arr, subok=False)
            return {"__scalar__": key}
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject or obj.dtype.kind not in "biufcU":
            if strict:
                raise WireError(f"cannot send an array of dtype {obj.dtype}")
            return {"__opaque__": f"ndarray[{obj.dtype}]"}
        key = f"a{len(arrays)}"
        arrays[key] = np.array(obj, subok=False, copy=True)
        return {"__array__": key}
    if type(obj).__module__ == "torch" and type(obj).__name__ in ("Tensor", "Parameter"):
        arr = obj.detach().cpu().numpy()
        key = f"a{len(arrays)}"
        arrays[key] = np.array(arr, subok=False, copy=True)
        return {"__array__": key, "torch": True}
    if isinstance(obj, Ref):
        return {"__ref__": obj.id, "path": [list(p) for p in obj.path]}
    if isinstance(obj, Opaque):
        return {"__opaque__": obj.type_name}
    if type(obj) in (list, tuple):
        return {
            "__seq__": "tuple" if type(obj) is tuple else "list",
            "items": [encode(v, arrays, strict=strict, depth=depth + 1, counter=counter) for v in obj],
        }
    if type(obj) is dict:
        items = []
        for k, v in obj.items():
            if type(k) not in (str, int):
                if strict:
                    raise WireError(f"dict key of type {type(k).__name__} cannot be sent")
                k = repr(k)
            items.append([k, encode(v, arrays, strict=strict, depth=depth + 1, counter=counter)])
        return {"__dict__": items}
    if strict:
        raise WireError(f"cannot send a value of type {type(obj).__name__}")
    return {"__opaque__": type(obj).__name__}


def decode(tree, arrays):
    """Inverse of encode. ``arrays`` maps keys to ndarrays (already loaded safely)."""
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, dict):
        if "__array__" in tree:
            return _array(arrays, tree["__array__"])
        if "__scalar__" in tree:
            return _array(arrays, tree["__scalar__"])[()]
        if "__float__" in tree:
            return float(tree["__float__"])
        if "__opaque__" in tree:
            return Opaque(str(tree["__opaque__"]))
        if "__ref__" in tree:
            return Ref(int(tree["__ref__"]), tuple(tuple(p) for p in tree.get("path", [])))
        if "__seq__" in tree:
            items = [decode(v, arrays) for v in tree["items"]]
            return tuple(items) if tree["__seq__"] == "tuple" else items
        if "__dict__" in tree:
            return {k: decode(v, arrays) for k, v in tree["__dict__"]}
    raise WireError(f"malformed value on the wire: {str(tree)[:80]}")


def _array(arrays, key):
    if key not in arrays:
        raise WireError(f"missing array {key!r} on the wire")
    return arrays[key]


# -- files -----------------------------------------------------------------------------

def dump(obj, directory: str, stem: str, *, strict: bool = False) -> None:
    """Write ``stem.json`` and ``stem.npz`` atomically (json last: it marks completion)."""
    arrays: dict = {}
    tree = encode(obj, arrays, strict=strict)
    npz = os.path.join(directory, stem + ".npz")
    with open(npz + ".tmp", "wb") as fh:
        np.savez(fh, **arrays)
    os.replace(npz + ".tmp", npz)
    js = os.path.join(directory, stem + ".json")
    with open(js + ".tmp", "w") as fh:
        json.dump(tree, fh)
    os.replace(js + ".tmp", js)


def load(directory: str, stem: str, *, max_bytes: int = 1 << 30, max_json_bytes: int | None = None):
    """Read what ``dump`` wrote; never unpickles. The JSON part is capped at
    ``max_json_bytes`` and refused, before parsing, when it holds more containers than
    ``encode`` would ever write (a small file of nested empty dicts would cost the reader
    gigabytes once parsed)."""
    js = os.path.join(directory, stem + ".json")
    npz = os.path.join(directory, stem + ".npz")
    raw = _read_regular(js, max_bytes if max_json_bytes is None else min(max_bytes, max_json_bytes))
    if raw.count(b"{") + raw.count(b"[") > 2 * MAX_ITEMS + 16:
        raise WireError(f"{stem}.json holds more nested values than any answer can")
    tree = json.loads(raw.decode("utf-8"))
    data = _read_regular(npz, max_bytes)
    arrays = _load_npz(data, max_bytes)
    return decode(tree, arrays)


def _load_npz(data: bytes, max_bytes: int) -> dict:
    """Read an uncompressed .npz safely: no pickles, no zip bombs, no oversized headers.

    ``dump`` never compresses, so a compressed member (or one whose header claims more
    data than it holds) means the file was forged: refuse it before allocating.
    """
    import zipfile

    from numpy.lib import format as npformat

    arrays = {}
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise WireError(f"malformed array file: {exc}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ITEMS or sum(i.file_size for i in infos) > max_bytes:
            raise WireError("array file too large")
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
                raise WireError(f"unexpected member {info.filename[:40]!r} in the array file")
            with zf.open(info) as fh:
                version = npformat.read_magic(fh)
                if version == (1, 0):
                    shape, fortran, dtype = npformat.read_array_header_1_0(fh)
                elif version == (2, 0):
                    shape, fortran, dtype = npformat.read_array_header_2_0(fh)
                else:
                    raise WireError(f"unsupported .npy version {version}")
                if dtype.hasobject:
                    raise WireError("object arrays are not accepted")
                count = 1
                for d in shape:
                    count *= int(d)
                if count * dtype.itemsize > info.file_size:
                    raise WireError("array header claims more data than the file holds")
            with zf.open(info) as fh:
                arrays[info.filename[:-4]] = npformat.read_array(fh, allow_pickle=False)
    return arrays


def _read_regular(path: str, max_bytes: int) -> bytes:
    """Read a plain file written by the sandbox: no symlinks, FIFOs or huge files."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise WireError(f"cannot open {os.path.basename(path)}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        import stat

        if not stat.S_ISREG(st.st_mode):
            raise WireError(f"{os.path.basename(path)} is not a regular file")
        if st.st_size > max_bytes:
            raise WireError(f"{os.path.basename(path)} is larger than {max_bytes} bytes")
        chunks, left = [], st.st_size
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)

"""Grader-side work on student files, under limits: the judge.

Files a student hands in (saved weights, model files) are read by grader code, never by the
student's. They are still hostile: a few kilobytes can declare a 100 GB array, decompress to
gigabytes, nest a pickle a million levels deep, or describe a network whose evaluation takes
hours. Two layers keep the grader safe:

* **sizes before allocation** (:func:`read_npz`, :func:`check_torch_file`): every member of an
  archive is measured from its header (shape, dtype, declared sizes, the pickle's opcodes)
  before a byte of it is read, against limits the check sets;
* **a separate limited process** (:func:`run_judged`, ``Context.judge``): loading and scoring
  run in a process that runs no student code, under an address-space cap, a CPU cap, and a
  wall clock that is what remains of the check's own time limit: a fork of the judge's server
  (``judge_server``: numpy and torch imported once, in the background), or a fresh interpreter
  while the server is not ready. Running out is the student's time-out or a clear error; the
  grader process itself never holds the data.

The judged function is named ``"package.module:function"`` and gets plain arguments (str,
int, float, lists, dicts); its value travels back in the engine's wire format (JSON + .npz,
never pickles).
"""
from __future__ import annotations

import io
import json
import os
import pickletools
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from . import judge_server, wire

MAX_MEMBERS = 64
REPO = Path(__file__).resolve().parents[2]


class FileRejected(ValueError):
    """A handed-in file breaks a limit or is not what it must be (the message says which)."""


class JudgeFailed(RuntimeError):
    """The limited process could not finish (out of memory, crashed); ``str`` says why in words
    a student can act on."""


class JudgeTimeout(JudgeFailed):
    pass


# -- .npz --------------------------------------------------------------------------------

def _npy_header(fh):
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fh)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(fh)
    return np.lib.format._read_array_header(fh, version)  # noqa: SLF001 - (3, 0): no public reader


def npz_headers(path, *, max_members: int = MAX_MEMBERS) -> dict[str, tuple[tuple, np.dtype]]:
    """``{name: (shape, dtype)}`` of every array of an .npz, read from the headers alone."""
    out = {}
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > max_members:
                raise FileRejected(f"it holds {len(infos)} files; at most {max_members} arrays are read")
            for info in infos:
                if not info.filename.endswith(".npy"):
                    raise FileRejected(f"it holds {info.filename!r}, which is not an .npy array")
                with zf.open(info) as fh:
                    shape, _fortran, dtype = _npy_header(fh)
                out[info.filename[:-4]] = (tuple(shape), np.dtype(dtype))
    except FileRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - not a zip, bad header: whatever it is, unreadable
        raise FileRejected(f"it is not an .npz archive of arrays ({type(exc).__name__})") from None
    return out


def read_npz(path, *, max_bytes: int, max_members: int = MAX_MEMBERS, kinds: str = "fiub",
             max_str: int = 100_000, shapes: dict | None = None, only=None) -> dict[str, np.ndarray]:
    """The arrays of an .npz, each checked from its header before it is read: no object arrays,
    dtype kinds in ``kinds`` (``"U"`` strings up to ``max_str`` characters when listed), the
    shapes in ``shapes`` where given, at most ``max_bytes`` in all. ``only``: names to read."""
    heads = npz_headers(path, max_members=max_members)
    total = 0
    for name, (shape, dtype) in heads.items():
        if only is not None and name not in only:
            continue
        if dtype.hasobject or dtype.fields is not None or dtype.kind not in kinds:
            raise FileRejected(f"array '{name}' has dtype {dtype}: numbers are expected")
        if shapes is not None and name in shapes and shape != tuple(shapes[name]):
            raise FileRejected(f"'{name}' has shape {shape}, expected {tuple(shapes[name])}")
        if any(int(s) < 0 for s in shape):
            raise FileRejected(f"array '{name}' declares shape {shape}")
        n = int(np.prod([int(s) for s in shape], dtype=object))
        if dtype.kind == "U" and n * dtype.itemsize // 4 > max_str:
            raise FileRejected(f"string '{name}' is longer than {max_str} characters")
        total += n * dtype.itemsize
        if total > max_bytes:
            raise FileRejected(f"its arrays declare {total / 2**20:.0f} MiB or more; at most "
                               f"{max_bytes / 2**20:.0f} MiB are read (is '{name}' of shape {shape} meant?)")
    out = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for name in heads:
                if only is not None and name not in only:
                    continue
                with zf.open(name + ".npy") as fh:
                    out[name] = np.lib.format.read_array(fh, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - truncated or corrupt data after a valid header
        raise FileRejected(f"an array could not be read ({type(exc).__name__}): save the file again") from None
    return out


# -- torch files -------------------------------------------------------------------------

def pickle_depth(data: bytes, *, max_ops: int = 2_000_000) -> int:
    """How deeply the objects of a pickle nest, from its opcodes (nothing is unpickled)."""
    stack: list[int] = []
    marks: list[int] = []
    deepest = 0
    for n, (op, _arg, _pos) in enumerate(pickletools.genops(data)):
        if n > max_ops:
            raise FileRejected(f"its pickle has more than {max_ops} opcodes")
        before, after = op.stack_before, op.stack_after
        if op.name == "MARK":
            marks.append(len(stack))
            continue
        popped: list[int] = []
        if pickletools.markobject in before:
            start = marks.pop() if marks else 0
            popped, stack[start:] = stack[start:], []
            rest = len(before) - 2  # the items below the mark (e.g. APPENDS' list)
        else:
            rest = len(before)
        for _ in range(min(rest, len(stack))):
            popped.append(stack.pop())
        if len(after) == len(before) and not popped[1:] and pickletools.markobject not in before:
            depth = popped[0] if popped else 0  # passes its item through (memo puts)
        else:
            depth = (max(popped) + 1) if popped else 0
        deepest = max(deepest, depth)
        stack.extend([depth] * len(after))
    return deepest


def check_torch_file(path, *, max_bytes: int, max_pickle_bytes: int = 4 << 20, max_depth: int = 64) -> None:
    """A ``torch.save`` file within limits, from its zip directory and its pickle's opcodes:
    tensors stored (torch never compresses them: a compressed member is a zip bomb) and at most
    ``max_bytes`` in all, a pickle of at most ``max_pickle_bytes`` nesting at most ``max_depth``."""
    try:
        zf = zipfile.ZipFile(path)
    except Exception as exc:  # noqa: BLE001
        raise FileRejected(f"it is not a torch.save file (a zip archive; {type(exc).__name__})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > 10_000:
            raise FileRejected(f"it holds {len(infos)} files")
        pkl = [i for i in infos if i.filename.endswith("/data.pkl") or i.filename == "data.pkl"]
        if len(pkl) != 1:
            raise FileRejected("it is not a torch.save file (no single data.pkl)")
        total = 0
        for i in infos:
            if i.compress_type != zipfile.ZIP_STORED:
                raise FileRejected(f"member {i.filename!r} is compressed; torch.save never compresses (save it "
                                   "again with torch.save)")
            total += i.file_size
        if total > max_bytes:
            raise FileRejected(f"its tensors take {total / 2**20:.0f} MiB; at most {max_bytes / 2**20:.0f} MiB")
        if pkl[0].file_size > max_pickle_bytes:
            raise FileRejected(f"its pickle takes {pkl[0].file_size} bytes; at most {max_pickle_bytes}")
        data = zf.read(pkl[0])
    try:
        depth = pickle_depth(data)
    except FileRejected:
        raise
    except Exception as exc:  # noqa: BLE001
        raise FileRejected(f"its pickle is malformed ({type(exc).__name__})") from None
    if depth > max_depth:
        raise FileRejected(f"its objects nest {depth} levels deep; at most {max_depth}")


def load_torch_file(path, *, max_bytes: int, **kw):
    """``torch.load(weights_only=True, mmap=True)`` of a file that passed :func:`check_torch_file`."""
    import torch

    check_torch_file(path, max_bytes=max_bytes, **kw)
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:  # noqa: BLE001
        raise FileRejected(f"torch.load(weights_only=True) cannot read it ({type(exc).__name__})") from None


# -- the limited process -----------------------------------------------------------------

def _limits(memory_mb: int, cpu_s: int):
    def preexec():
        judge_server.apply_limits(memory_mb, cpu_s)

    return preexec


def _env() -> dict:
    """The environment of a judge process (fresh or the server's)."""
    return dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                TORCH_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1",
                # the grader's own import path (a Gradescope autograder puts datasets/ on it by hand)
                PYTHONPATH=os.pathsep.join(p for p in sys.path if p and os.path.isdir(p)))


def start_server(wait: float = 0.0) -> bool:
    """Start this process's judge server ahead of its first request (it imports torch in the
    background); True when it is ready within ``wait`` seconds. ``run_judged`` starts it anyway."""
    srv = judge_server.server(_env())
    return srv is not None and srv.wait_ready(wait)


def _timeout(start: float) -> JudgeTimeout:
    return JudgeTimeout(f"the grader's evaluation of your file did not finish within the check's time "
                        f"limit ({time.monotonic() - start:.0f} s used): a smaller or faster model, please")


def run_judged(target: str, *args, timeout: float, memory_mb: int = 2048, max_result_mb: int = 64, **kwargs):
    """``target(*args, **kwargs)`` in a limited process running grader code only (a fork of the
    judge server, ``judge_server``, once it is ready; else a fresh interpreter); returns its value.
    Raises :class:`JudgeTimeout` past ``timeout`` wall seconds (the CPU cap is the same),
    :class:`JudgeFailed` when it dies (memory, a crash) or raises."""
    if timeout <= 0:
        raise JudgeTimeout("no time was left in the check for the grader to evaluate your file")
    with tempfile.TemporaryDirectory(prefix="nncourse-judge-") as tmp:
        os.chmod(tmp, 0o700)
        (Path(tmp) / "request.json").write_text(json.dumps({"target": target, "args": args, "kwargs": kwargs}))
        env = _env()
        start = time.monotonic()
        srv = judge_server.server(env)
        served = srv.run(tmp, memory_mb, int(timeout) + 1, start + timeout) if srv is not None else None
        if served is not None:
            code, timed_out = served
            if timed_out:
                raise _timeout(start)
            err = judge_server.stderr_tail(tmp)
        else:  # a fresh interpreter, with what is left of the time
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                raise _timeout(start)
            proc = subprocess.Popen([sys.executable, "-m", "autograder.engine.judge", tmp], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO,
                                    env=dict(env, **{judge_server.ENV: "0"}),  # it starts no server of its own
                                    preexec_fn=_limits(memory_mb, int(timeout) + 1))
            try:
                _, err = proc.communicate(timeout=left)
            except subprocess.TimeoutExpired:
                _kill(proc)
                raise _timeout(start) from None
            code = proc.returncode
        err_text = (err or b"")[-3000:].decode("utf-8", "replace")
        if code != 0:
            why = "it ran out of memory" if "MemoryError" in err_text or "out of memory" in err_text \
                else _why(code, err_text)
            raise JudgeFailed(f"the grader could not evaluate your file within the check's limits "
                              f"({memory_mb} MiB): {why}")
        try:
            resp = wire.load(tmp, "result", max_bytes=max_result_mb << 20, max_json_bytes=8 << 20)
        except Exception as exc:  # noqa: BLE001
            raise JudgeFailed(f"the grader's evaluation ended without a result ({type(exc).__name__})") from None
    return resp


def _why(code: int, err: str) -> str:
    if code == -24 or code == -9 and "CPU" in err:
        return "it used more CPU time than the check allows"
    if code < 0:
        return f"the evaluation was killed by signal {-code} (memory or CPU limit)"
    if "RecursionError" in err:
        return "its objects nest too deeply"
    last = [ln for ln in err.strip().splitlines() if ln.strip()]
    return last[-1][:300] if last else f"exit status {code}"


def _kill(proc):
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


_main = judge_server.run_request  # the fresh interpreter's work (a served fork does the same)


if __name__ == "__main__":
    _main(sys.argv[1])

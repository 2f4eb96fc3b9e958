"""Crafted model files against the grader (issue 21, section 3).

fer's saved models (``fer_model.npz``, ``cifar_two_layer.npz``, ``fer_cnn.pt``) are read and
scored by grader code in the judge (autograder/engine/judge.py): sizes checked from headers
before anything is allocated, then loading and scoring in a separate process limited in
memory and in what is left of the check's time. Each crafted class must end in a clear error
(or the check's time-out) while the grader process stays under 1 GiB, whether the judge process
is a fresh interpreter or a fork of the judge server (engine/judge_server.py), and both give the
same values, limits and messages; the server falls back to a fresh interpreter when it cannot
serve, and it ends with its grader.
"""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib

import numpy as np
import pytest

from autograder.engine import judge, judge_server
from autograder.engine.judge import FileRejected, JudgeFailed, JudgeTimeout

from .conftest import REPO


def _npy_header(shape, dtype="<f4") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()  # magic string and header


def zip_bomb_npz(path, gib: int = 4):
    """An .npz whose W1 declares ``gib`` GiB of float32 and holds a few MiB of compressed zeros."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = z.compress(_npy_header((gib << 28,))) + z.compress(b"\0" * (8 << 20)) + z.flush()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("arch.npy", _plain(np.array(json.dumps({"hidden_dims": [10]}))))
        info = zipfile.ZipInfo("W1.npy")
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, _plain(np.zeros(3, np.float32)))  # replaced below by the bomb's bytes
    _replace_member(path, "W1.npy", body, declared=(gib << 30) + 128)


def _plain(a) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, allow_pickle=False)
    return buf.getvalue()


def _replace_member(path, name, deflated: bytes, declared: int):
    """Rewrite ``path`` with member ``name`` holding raw ``deflated`` data and a declared size."""
    src = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info))
    src.close()
    # append the member by hand: local header, data, then a rebuilt central directory
    import struct

    data = out.getvalue()
    cd_start = data.rfind(b"PK\x05\x06")
    end = struct.unpack("<4s4H2LH", data[cd_start:cd_start + 22])
    cd_off, cd_size, n = end[6], end[5], end[3]
    head, central = data[:cd_off], data[cd_off:cd_off + cd_size]
    fname = name.encode()
    crc = 0
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(deflated), min(declared, 2**32 - 1),
                        len(fname), 0) + fname
    offset = len(head)
    cent = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(deflated),
                       min(declared, 2**32 - 1), len(fname), 0, 0, 0, 0, 0, offset) + fname
    body = head + local + deflated
    new_cd = central + cent
    tail = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n + 1, n + 1, len(new_cd), len(body), 0)
    path.write_bytes(body + new_cd + tail)


def huge_tensor_pt(path, gib: int = 2):
    """A torch.save file whose only tensor is a storage of ``gib`` GiB of zeros, deflated (torch
    stores tensors uncompressed: the file is a few MiB)."""
    import torch

    buf = io.BytesIO()
    torch.save({"arch": {"layers": []}, "state_dict": {"w": torch.zeros(4)}, "mean": torch.zeros(())}, buf)
    zf = zipfile.ZipFile(buf)
    names = [i.filename for i in zf.infolist()]
    storage = [n for n in names if "/data/" in n][0]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        for n in names:
            if n != storage:
                out.writestr(n, zf.read(n))  # the pickle as saved: the bomb is the storage member
    z = zlib.compressobj(1, zlib.DEFLATED, -15)
    chunk = b"\0" * (16 << 20)
    body = b"".join(z.compress(chunk) for _ in range(gib * 64)) + z.flush()
    _replace_member(path, storage, body, declared=gib << 30)


def deep_pickle_pt(path, depth: int = 200_000):
    """A torch.save-shaped zip whose data.pkl nests lists ``depth`` levels deep (a few hundred KiB)."""
    pkl = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", pkl)
        zf.writestr("archive/version", "3\n")


def oversized_arch_pt(path):
    """A valid torch.save file whose architecture dict asks for a 9-billion-parameter layer."""
    import torch

    arch = {"input": [1, 48, 48], "layers": [["conv", 8, 3, 1, 1], ["flatten"], ["linear", 500_000], ["relu"],
                                              ["linear", 7]]}
    torch.save({"arch": arch, "state_dict": {}, "mean": torch.zeros(48, 48)}, path)


def slow_cnn_pt(path):
    """A legal CNN (under the parameter limit) whose evaluation on 600 faces takes minutes."""
    import torch

    from solutions.fer import cnn

    arch = {"input": [1, 48, 48], "layers": [["conv", 96, 3, 1, 1], ["relu"]] * 14
            + [["maxpool", 48], ["flatten"], ["linear", 7]]}
    model = cnn.build_cnn(arch)
    torch.save({"arch": arch, "state_dict": model.state_dict(), "mean": torch.zeros(48, 48)}, path)


# -- the header checks, without a process ------------------------------------------------

def test_a_compressed_huge_array_is_refused_from_its_header(tmp_path):
    p = tmp_path / "bomb.npz"
    zip_bomb_npz(p)
    assert p.stat().st_size < 1 << 20
    heads = judge.npz_headers(p)
    assert heads["W1"][0] == (4 << 28,)
    with pytest.raises(FileRejected, match="MiB"):
        judge.read_npz(p, max_bytes=64 << 20, kinds="fU")


def test_npz_limits(tmp_path):
    p = tmp_path / "ok.npz"
    np.savez(p, W1=np.zeros((3, 4), np.float32), names=np.array(["a"], dtype=object))
    with pytest.raises(FileRejected, match="dtype"):
        judge.read_npz(p, max_bytes=1 << 20)
    np.savez(p, W1=np.zeros((3, 4), np.float32))
    assert judge.read_npz(p, max_bytes=1 << 20)["W1"].shape == (3, 4)
    with pytest.raises(FileRejected, match="shape"):
        judge.read_npz(p, max_bytes=1 << 20, shapes={"W1": (4, 3)})
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(FileRejected, match="not an .npz"):
        judge.read_npz(tmp_path / "junk.npz", max_bytes=1 << 20)


def test_deep_and_huge_torch_files_are_refused_before_loading(tmp_path):
    deep = tmp_path / "deep.pt"
    deep_pickle_pt(deep)
    with pytest.raises(FileRejected, match="nest"):
        judge.check_torch_file(deep, max_bytes=40 << 20)
    huge = tmp_path / "huge.pt"
    huge_tensor_pt(huge, gib=1)
    assert huge.stat().st_size < 8 << 20
    with pytest.raises(FileRejected, match="compressed"):
        judge.check_torch_file(huge, max_bytes=40 << 20)


def test_pickle_depth_of_real_files(tmp_path):
    import torch

    buf = io.BytesIO()
    torch.save({"a": {"b": [torch.zeros(3), (1, 2)]}}, buf)
    pkl = [zipfile.ZipFile(buf).read(n) for n in zipfile.ZipFile(buf).namelist() if n.endswith("data.pkl")][0]
    assert 2 <= judge.pickle_depth(pkl) < 20


# -- the whole path, in a fresh grader process ---------------------------------------------

SCRIPT = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from autograder.engine import judge
    from autograder.engine.checks import Check, Context
    from autograder.engine.sandbox import Limits, SandboxTimeout
    from autograder.fer import hidden_models as hm

    out = {"served": judge.start_server(wait=120) if sys.argv[3] == "server" else False}
    for name, func, limit in json.loads(sys.argv[1]):
        chk = Check(id="fer.crafted", func=None, part="Q6", points=1, hidden=True, timeout=limit, description="")
        t = Context(chk, Path("."), {}, limits=Limits(timeout=limit, memory_mb=2048))
        start = time.monotonic()
        try:
            res = hm._judged(t, func, str(Path(sys.argv[2]) / name), *(["faces"] if func == "judge_fc_file" else []))
            kind, msg = ("error", res["error"]) if "error" in res else ("ok", "")
        except SandboxTimeout as exc:
            kind, msg = "timeout", str(exc)
        out[name] = {"kind": kind, "message": msg, "seconds": round(time.monotonic() - start, 1)}
    # this process's own high-water mark (VmHWM): ru_maxrss is carried over from the process that
    # started it (a pytest worker that has grown to a GiB would be counted as this grader's peak)
    hwm = [ln for ln in Path("/proc/self/status").read_text().splitlines() if ln.startswith("VmHWM:")]
    out["grader_peak_mib"] = (int(hwm[0].split()[1]) if hwm
                              else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
    out["judge_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(out))
""")


@pytest.mark.parametrize("mode", ["server", "fresh"])
def test_crafted_model_files_end_in_clear_errors_with_the_grader_under_1_gib(tmp_path, mode, monkeypatch):
    monkeypatch.setenv(judge_server.ENV, "auto" if mode == "server" else "0")
    zip_bomb_npz(tmp_path / "bomb.npz")
    huge_tensor_pt(tmp_path / "huge.pt", gib=1)
    deep_pickle_pt(tmp_path / "deep.pt")
    oversized_arch_pt(tmp_path / "arch.pt")
    slow_cnn_pt(tmp_path / "slow.pt")
    plan = [("bomb.npz", "judge_fc_file", 60), ("huge.pt", "judge_cnn_file", 60), ("deep.pt", "judge_cnn_file", 60),
            ("arch.pt", "judge_cnn_file", 60), ("slow.pt", "judge_cnn_file", 4)]
    proc = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(plan), str(tmp_path), mode], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps(out, indent=1))
    assert out["bomb.npz"]["kind"] == "error" and "MiB" in out["bomb.npz"]["message"]
    assert out["huge.pt"]["kind"] == "error" and "compressed" in out["huge.pt"]["message"]
    assert out["deep.pt"]["kind"] == "error" and "nest" in out["deep.pt"]["message"]
    assert out["arch.pt"]["kind"] == "error" and "parameters" in out["arch.pt"]["message"]
    assert out["slow.pt"]["kind"] == "timeout" and "time limit of 4 s" in out["slow.pt"]["message"]
    assert out["grader_peak_mib"] < 1024
    assert out["served"] == (mode == "server")  # every file went through the judge server


# -- the judge server ----------------------------------------------------------------------

TARGETS = "tests.engine.judge_targets"


@pytest.fixture(scope="module", autouse=True)
def _no_server_left():
    yield
    judge_server.shutdown()


@pytest.fixture(params=["server", "fresh"])
def judge_mode(request, monkeypatch):
    """Each judge request of a test in a fork of a ready server (one for the tests that use it),
    or in a fresh interpreter."""
    monkeypatch.setenv(judge_server.ENV, "auto" if request.param == "server" else "0")
    if request.param == "server":
        assert judge.start_server(wait=120)
    return request.param


def _server_pid():
    srv = judge_server._SERVER
    return srv.proc.pid if srv is not None else None


def _alive(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie has ended
        return fh.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_judged_value_its_process_and_limits(judge_mode):
    out = judge.run_judged(f"{TARGETS}:where", [1, "a"], timeout=30, memory_mb=1500)
    assert out["x"] == [1, "a"] and list(out["array"]) == [0, 1, 2]
    assert out["pid"] != os.getpid() and out["sid"] == out["pid"]  # a session of its own
    assert out["as"] == 1500 << 20 and out["cpu"] == 31 and out["omp"] == "1"
    if judge_mode == "server":
        assert out["ppid"] == _server_pid()
    else:
        assert out["ppid"] == os.getpid()
    # a judge process starts no server of its own (fer's hidden_models starts one when imported)
    assert judge.run_judged(f"{TARGETS}:start_a_server", timeout=30) == {"started": False, "server": False}


def test_a_request_past_its_time_is_killed_and_the_next_one_is_served(judge_mode, tmp_path):
    pid_file = tmp_path / "pid"
    start = time.monotonic()
    with pytest.raises(JudgeTimeout, match="did not finish within the check's time limit"):
        judge.run_judged(f"{TARGETS}:sleep", 60, str(pid_file), timeout=2)
    assert time.monotonic() - start < 10
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    out = judge.run_judged(f"{TARGETS}:where", 2, timeout=30)
    assert out["x"] == 2
    if judge_mode == "server":
        assert out["ppid"] == _server_pid()  # the same server, still serving


def test_memory_and_errors_end_in_the_same_messages(judge_mode):
    with pytest.raises(JudgeFailed, match=r"within the check's limits \(600 MiB\): it ran out of memory"):
        judge.run_judged(f"{TARGETS}:allocate", 2048, timeout=30, memory_mb=600)
    with pytest.raises(JudgeFailed, match="ValueError: the file has no 'arch' entry"):
        judge.run_judged(f"{TARGETS}:fail", timeout=30)
    assert judge.run_judged(f"{TARGETS}:allocate", 8, timeout=30, memory_mb=600) == 1 << 20


def test_a_server_that_cannot_start_leaves_the_fresh_interpreter(monkeypatch):
    judge_server.shutdown()
    monkeypatch.setenv(judge_server.ENV, "auto")

    def broken(*a, **k):
        raise OSError("no socket")

    monkeypatch.setattr(judge_server.Server, "__init__", broken)
    out = judge.run_judged(f"{TARGETS}:where", 3, timeout=30)
    assert out["x"] == 3 and out["ppid"] == os.getpid()


def test_a_server_not_yet_ready_is_not_waited_for(monkeypatch):
    """The first request starts the server and is served by a fresh interpreter at once."""
    judge_server.shutdown()
    monkeypatch.setenv(judge_server.ENV, "auto")
    out = judge.run_judged(f"{TARGETS}:where", 4, timeout=30)
    assert out["ppid"] == os.getpid() and _server_pid() is not None
    assert judge.start_server(wait=120)
    assert judge.run_judged(f"{TARGETS}:where", 5, timeout=30)["ppid"] == _server_pid()
    judge_server.shutdown()


def test_the_server_ends_with_its_grader(tmp_path):
    """A grader killed without a chance to clean up (os._exit): its server sees the socket close
    and exits, and so does a request it was serving."""
    pid_file = tmp_path / "pid"
    code = textwrap.dedent(f"""
        import os, sys, threading
        from autograder.engine import judge, judge_server
        assert judge.start_server(wait=120)
        print(judge_server._SERVER.proc.pid, flush=True)
        threading.Thread(target=judge.run_judged, args=("{TARGETS}:sleep", 60, {str(pid_file)!r}),
                         kwargs=dict(timeout=60), daemon=True).start()
        import time
        while not os.path.exists({str(pid_file)!r}) or not open({str(pid_file)!r}).read():
            time.sleep(0.05)
        os._exit(0)
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **{judge_server.ENV: "auto"}))
    assert proc.returncode == 0, proc.stderr[-2000:]
    server, request = int(proc.stdout.split()[0]), int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while (_alive(server) or _alive(request)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(server) and not _alive(request)
    for pid in (server, request):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_server_that_ended_is_replaced(monkeypatch):
    """A server gone after serving (it exits after IDLE_EXIT idle seconds): the next request starts
    another one and is served by a fresh interpreter meanwhile."""
    monkeypatch.setenv(judge_server.ENV, "auto")
    assert judge.start_server(wait=120)
    old = judge_server._SERVER.proc
    old.kill()
    old.wait()
    assert judge.run_judged(f"{TARGETS}:where", 6, timeout=30)["ppid"] == os.getpid()
    assert judge.start_server(wait=120) and judge_server._SERVER.proc is not old
    assert judge.run_judged(f"{TARGETS}:where", 7, timeout=30)["ppid"] == _server_pid()


def test_a_suite_that_declares_the_judge_starts_its_server_when_graded_not_when_loaded():
    """Loading a suite (``course list``, ``course check``) starts no judge server; grading its
    hidden checks does (``Suite.judge_server``), ahead of the first judged file."""
    code = ("import json\n"
            "from autograder.engine import load_suite, judge_server\n"
            "from autograder.engine.registry import homeworks\n"
            "names = [hw for hw in homeworks() if load_suite(hw).judge_server]\n"
            "for hw in names:\n"
            "    load_suite(hw).checks(include_hidden=True)\n"
            "loaded = judge_server._SERVER is not None\n"
            "from autograder.engine import grade_submission\n"
            "from autograder.instructor.samples import load_samples\n"
            "import tempfile, pathlib\n"
            "blank = next(s for s in load_samples(names[0]) if s.name == 'blank')\n"
            "sub = blank.materialize(pathlib.Path(tempfile.mkdtemp()) / 'blank')\n"
            "grade_submission(names[0], sub, only=[[c.id for c in load_suite(names[0]).checks() if c.hidden][0]])\n"
            "print(json.dumps({'names': names, 'loaded': loaded, 'graded': judge_server._SERVER is not None}))\n"
            "judge_server.shutdown()\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, judge_server.ENV: "auto"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["names"] and out == {"names": out["names"], "loaded": False, "graded": True}

"""Grading on a Dask cluster (`course grade --scheduler / --cluster`): the same records as a
local run, a worker killed mid-batch, an interrupted client resumed, a worker whose suite
differs refusing to grade.

One LocalCluster (2 worker processes, 1 thread each) serves the whole module.
"""
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from autograder.engine import cluster as cl
from autograder.engine.batch import grade_batch
from autograder.instructor.samples import load_samples

from .conftest import FIXTURES, REPO

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    lc = cl.start_local_cluster(2)
    c = distributed.Client(lc)
    try:
        yield c
    finally:
        c.close()
        lc.close()


def _normalised(d: dict) -> dict:
    """A record without what legitimately differs between two gradings: durations, grading time."""
    d = json.loads(json.dumps(d))
    d.pop("duration", None)
    d.get("record", {}).pop("graded_at", None)
    for c in d["checks"]:
        c.pop("duration", None)
    return d


def _records(out: Path) -> dict:
    return {p.name: _normalised(json.loads(p.read_text())) for p in sorted(out.glob("*.json"))
            if not p.name.endswith(".gradescope.json")}


def _perfect(dest: Path) -> str:
    d = dest / "starter" / "example"
    d.mkdir(parents=True)
    shutil.copyfile(REPO / "solutions" / "example" / "ops.py", d / "ops.py")
    return str(dest)


def mixed_batch(tmp_path: Path) -> list[str]:
    """Perfect, partial, buggy, blank and adversarial samples, adversarial fixtures (one reads the
    reference, one hands in a symlink to it), a zip, an unreadable zip and a missing folder."""
    subs = []
    for s in load_samples("example"):
        subs.append(str(s.materialize(tmp_path / "subs" / s.name)))
    subs.append(str(FIXTURES / "steal_reference"))
    link = tmp_path / "subs" / "symlinked" / "starter" / "example"
    link.mkdir(parents=True)
    (link / "ops.py").symlink_to(REPO / "solutions" / "example" / "ops.py")
    (link / "notes.txt").write_text("mine\n")
    subs.append(str(link.parents[1]))
    zpath = tmp_path / "subs" / "zipped.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.write(REPO / "tests" / "fixtures" / "example" / "mutates_input" / "ops.py", "starter/example/ops.py")
    subs.append(str(zpath))
    (tmp_path / "subs" / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    subs += [str(tmp_path / "subs" / "broken.zip"), str(tmp_path / "subs" / "gone")]
    return subs


def test_cluster_records_equal_a_local_run(tmp_path, client):
    subs = mixed_batch(tmp_path)
    fmts = ("json", "csv", "md")
    local = grade_batch("example", subs, tmp_path / "local", formats=fmts, jobs=1, progress=False)
    remote = grade_batch("example", subs, tmp_path / "remote", formats=fmts, cluster=client, progress=False)
    a, b = _records(tmp_path / "local"), _records(tmp_path / "remote")
    assert len(a) == len(subs) and a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name
    # the mix really is mixed: full marks, partial credit, zero, unreadable, a symlink ignored
    scores = {n[:-5]: r["score"] for n, r in b.items()}
    assert scores["perfect"] == 7 and 0 < scores["buggy"] < 7 and scores["blank"] == 0
    assert scores["symlinked"] == 0 and "symlink" in b["symlinked.json"]["error"]
    assert sorted(remote.unreadable) == sorted(local.unreadable) == ["broken", "gone", "symlinked"]
    assert "broken.zip is not a readable zip file" in b["broken.json"]["error"]
    assert b["gone.json"]["error"] == f"{tmp_path / 'subs' / 'gone'} does not exist"
    assert sorted(remote.graded) == sorted(local.graded) and not remote.failed
    assert (tmp_path / "local" / "grades.csv").read_text() == (tmp_path / "remote" / "grades.csv").read_text()
    for md in (tmp_path / "local").glob("*.md"):
        assert md.read_text() == (tmp_path / "remote" / md.name).read_text(), md.name
    # nothing is left behind on the workers' side
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    assert not [p for pid in client.run(os.getpid).values() for p in tmp.glob(f"{cl.REMOTE_PREFIX}{pid}-*")]


def test_only_merges_the_same_way(tmp_path, client):
    subs = [str(s.materialize(tmp_path / "subs" / s.name)) for s in load_samples("example")
            if s.name in ("partial", "buggy")]
    only = {"only": ["example.scale_forward", "2"]}
    for out, kw in ((tmp_path / "local", {"jobs": 1}), (tmp_path / "remote", {"cluster": client})):
        grade_batch("example", subs, out, formats=("json", "csv"), progress=False, grade_kwargs=only, **kw)
    a, b = _records(tmp_path / "local"), _records(tmp_path / "remote")
    assert a == b and len(a) == 2
    statuses = [c["status"] for c in b["buggy.json"]["checks"]]
    assert statuses.count("skipped") == 3 and "failed" in statuses  # merged: the rest "not graded yet"


def test_a_worker_with_another_suite_refuses(tmp_path, client, monkeypatch, capsys):
    real = cl.suite_fingerprint

    def client_side(hw, *a, **k):
        fp = dict(real(hw, *a, **k))
        fp["solutions/example/"] = "0" * 64
        return fp

    monkeypatch.setattr(cl, "suite_fingerprint", client_side)  # the workers keep the real one
    out = tmp_path / "out"
    report = grade_batch("example", [_perfect(tmp_path / "subs" / "alice")], out, formats=("json", "csv"),
                         cluster=client, progress=False)
    assert report.failed == ["alice"]
    rec = json.loads((out / "alice.json").read_text())
    assert rec["record"]["grader_error"] is True and rec["score"] == 0
    assert "refused to grade" in rec["checks"][0]["log"] and "solutions/example/" in rec["checks"][0]["log"]
    assert "solutions/example/ differs from the client's" in capsys.readouterr().err


def test_resume_after_the_client_is_interrupted(tmp_path, client):
    subs = [_perfect(tmp_path / "subs" / f"s{i}") for i in range(6)]
    # the last one is correct but slow (its module sleeps on import): the batch cannot finish
    # before the interrupt, however loaded the machine
    ops = Path(subs[-1]) / "starter" / "example" / "ops.py"
    ops.write_text(ops.read_text().replace("import numpy as np", "import numpy as np\nimport time as _t\n_t.sleep(4)", 1))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder", "grade", "example", *subs, "--out", str(out), "--no-progress",
           "--scheduler", client.scheduler.address]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("s*.json")) and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err
    first = {p.name: json.loads(p.read_text()) for p in out.glob("s*.json")}
    assert 1 <= len(first) < 6
    assert not [p for p in out.iterdir() if p.name.startswith(".partial")]
    report = grade_batch("example", subs, out, formats=("json", "csv"), cluster=client, resume=True,
                         progress=False)
    assert sorted(report.skipped) == sorted(n[:-5] for n in first)
    assert sorted(report.graded + report.skipped) == [f"s{i}" for i in range(6)] and not report.failed
    for name, rec in first.items():  # a finished record is not graded again
        assert json.loads((out / name).read_text()) == rec
    assert all(r["score"] == 7 for r in _records(out).values())
    assert len((out / "grades.csv").read_text().splitlines()) == 7


def test_pack_keeps_links_as_links_and_unpack_stays_inside(tmp_path):
    src = tmp_path / "src"
    (src / "starter" / "example").mkdir(parents=True)
    (src / "starter" / "example" / "ops.py").write_text("x = 1\n")
    (src / "starter" / "example" / "__pycache__").mkdir()
    (src / "starter" / "example" / "__pycache__" / "ops.cpython-311.pyc").write_bytes(b"junk")
    (src / "empty").mkdir()
    (src / "ref.py").symlink_to("/etc/passwd")
    kind, payload = cl.pack(src)
    assert kind == "dir"
    dest = tmp_path / "dest"
    cl.unpack_folder(payload, dest)
    assert (dest / "starter" / "example" / "ops.py").read_text() == "x = 1\n"
    assert os.readlink(dest / "ref.py") == "/etc/passwd" and (dest / "empty").is_dir()
    assert not (dest / "starter" / "example" / "__pycache__").exists()
    for bad in ("../evil.py", "/abs.py", "ref.py/inside.py"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            info = zipfile.ZipInfo("ref.py")
            info.external_attr = (0o120777) << 16
            zf.writestr(info, "/etc")
            zf.writestr(bad, "boom")
        with pytest.raises(ValueError):
            cl.unpack_folder(buf.getvalue(), tmp_path / f"d{abs(hash(bad))}")
    assert not Path("/etc/inside.py").exists()


def test_bad_cluster_arguments(tmp_path, capsys):
    import dask

    from autograder.cli import main

    assert main(["grade", "example", str(tmp_path), "--cluster", "remote:3", "--no-progress"]) == 2
    assert "expected local or local:N" in capsys.readouterr().err
    assert cl.parse_local("local:3") == 3 and cl.parse_local("local") >= 1 and cl.parse_local("tcp://x:1") is None
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code = main(["grade", "example", _perfect(tmp_path / "a"), "--out", str(tmp_path / "out"), "--no-progress",
                     "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 3 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err


# destructive tests last: a nanny may be slow to restart its worker on a loaded machine

def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(tmp_path, client):
    subs = [_perfect(tmp_path / "subs" / f"s{i}") for i in range(4)]
    out = tmp_path / "out"
    pids = client.run(os.getpid)
    killed = []

    def killer():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            busy = [w for w, keys in client.processing().items() if keys]
            if busy and list(out.glob("s*.json")):  # the batch is under way and this worker holds a task
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])
                return
            time.sleep(0.05)

    t = threading.Thread(target=killer)
    t.start()
    report = grade_batch("example", subs, out, formats=("json", "csv"), cluster=client, progress=False)
    t.join()
    assert killed, "no worker was killed: the test proved nothing"
    assert sorted(report.graded) == [f"s{i}" for i in range(4)]  # each exactly once
    assert not report.failed
    recs = _records(out)
    assert len(recs) == 4 and all(r["score"] == 7 and not r["record"]["grader_error"] for r in recs.values())
    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == 5 and sorted(r.split(",")[0] for r in rows[1:]) == [f"s{i}" for i in range(4)]


def test_a_submission_that_kills_every_worker_becomes_an_internal_error(tmp_path, monkeypatch):
    def dies(*_a, **_k):  # stands in for a grading that takes its worker down each time
        os._exit(17)

    monkeypatch.setattr(cl, "grade_remote", dies)
    out = tmp_path / "out"
    # its own cluster of 3: three attempts die without waiting for a nanny to restart a worker
    report = grade_batch("example", [_perfect(tmp_path / "subs" / "doomed")], out, formats=("json", "csv"),
                         cluster="local:3", progress=False)
    assert report.failed == ["doomed"] and not report.graded
    rec = json.loads((out / "doomed.json").read_text())
    assert rec["record"]["grader_error"] is True and rec["score"] == 0
    assert "KilledWorker" in rec["checks"][0]["log"] and "died" in rec["checks"][0]["log"]
    assert f"{cl.ALLOWED_FAILURES + 1} " in rec["checks"][0]["log"]  # tried on three workers, then given up
    assert "grader error" in (out / "grades.csv").read_text()


def test_fingerprint_covers_suite_reference_starter_and_data(tmp_path):
    assert set(cl.suite_fingerprint("example")) == {"autograder/example/", "solutions/example/", "starter/example/"}
    assert "data/mnist/" in cl.suite_fingerprint("lenet")  # lenet's hidden training check reads MNIST
    tree = tmp_path / "t"
    (tree / "__pycache__").mkdir(parents=True)
    (tree / "a.py").write_text("x = 1\n")
    before = cl.tree_hash(tree)
    (tree / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"cache")  # caches do not count
    assert cl.tree_hash(tree) == before
    (tree / "a.py").write_text("x = 2\n")
    assert cl.tree_hash(tree) != before
    big = tmp_path / "d"
    big.mkdir()
    (big / "x.bin").write_bytes(bytes(3 << 20))
    h = cl.tree_hash(big, data=True)
    with open(big / "x.bin", "r+b") as fh:  # a change in the last 64 KiB of a large data file counts
        fh.seek((3 << 20) - 10)
        fh.write(b"1")
    assert cl.tree_hash(big, data=True) != h

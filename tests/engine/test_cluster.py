"""Grading on a Dask cluster (`course grade --scheduler / --cluster`): the same records as a
local run, a worker killed mid-batch, an interrupted client resumed, a worker whose suite
differs refusing to grade; who may use the cluster (tests/engine/test_cluster_trust.py: an
unprivileged local user attacking a running batch).

One LocalCluster (2 worker processes, 1 thread each, mutual TLS) serves the whole module.
Cluster grading needs the namespaces isolation level: without it the cluster tests skip.
"""
import hashlib
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


def local_cluster(n: int):
    """``start_local_cluster(n)``, or a skip where cluster grading is refused (no namespaces)."""
    try:
        return cl.start_local_cluster(n)
    except cl.ClusterUnavailable as exc:
        pytest.skip(f"cluster grading is refused on this machine: {exc}")


@pytest.fixture(scope="module")
def client():
    lc = local_cluster(2)
    c = distributed.Client(lc)  # takes the cluster's keys (lc.security)
    try:
        yield c
    finally:
        c.close()
        lc.close()


def listening_ports() -> dict[int, int]:
    """``{port: pid}`` of the TCP sockets this process and its descendants listen on."""
    import psutil

    me = psutil.Process()
    out = {}
    for p in [me, *me.children(recursive=True)]:
        try:
            for c in p.net_connections(kind="inet"):
                if c.status == psutil.CONN_LISTEN:
                    out[c.laddr.port] = p.pid
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return out


def worker_pids(client) -> dict[str, int]:
    """``{worker address: pid}`` (workers run no ``client.run``: found by their listening port)."""
    ports = listening_ports()
    return {w: ports[int(w.rsplit(":", 1)[1])] for w in client.scheduler_info()["workers"]
            if int(w.rsplit(":", 1)[1]) in ports}


def tls_files(security, folder: Path) -> list[str]:
    """The cluster's in-memory keys as the files `course grade --scheduler` takes (0600)."""
    folder.mkdir(mode=0o700, exist_ok=True)
    args = []
    for opt, name, text in (("--tls-ca-file", "ca.pem", security.tls_ca_file),
                            ("--tls-cert", "client.pem", security.tls_client_cert),
                            ("--tls-key", "client-key.pem", security.tls_client_key)):
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        args += [opt, str(folder / name)]
    return args


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
    pids = worker_pids(client)
    assert len(pids) == 2
    assert not [p for pid in pids.values() for p in tmp.glob(f"{cl.REMOTE_PREFIX}{pid}-*")]


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
    assert client.scheduler.address.startswith("tls://")
    cmd = [sys.executable, "-m", "autograder", "grade", "example", *subs, "--out", str(out), "--no-progress",
           "--scheduler", client.scheduler.address, *tls_files(client.security, tmp_path / "keys")]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # as from a terminal: an ignored SIGINT (a test worker may ignore it, e.g. after an
                            # in-process Dask worker) would be inherited through exec, and Python keeps it ignored
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
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
                     "--scheduler", "tcp://127.0.0.1:9", "--unsafe-plain-tcp"])
    err = capsys.readouterr().err
    assert code == 3 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "WARNING: --unsafe-plain-tcp" in err and "run as root on the workers" in err


def _grade_cli(tmp_path, *extra):
    from autograder.cli import main

    sub = tmp_path / "a"
    return main(["grade", "example", str(sub) if sub.exists() else _perfect(sub), "--out", str(tmp_path / "out"),
                 "--no-progress", *extra])


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9", "127.0.0.1:9", "TCP://10.0.0.5:8786"])
def test_scheduler_refuses_plain_tcp_without_the_unsafe_flag(tmp_path, capsys, address):
    assert _grade_cli(tmp_path, "--scheduler", address) == 2
    err = capsys.readouterr().err
    assert "plain TCP lets anyone who reaches the scheduler run code as root" in err and "--unsafe-plain-tcp" in err
    assert not (tmp_path / "out" / "a.json").exists()  # refused before anything was graded


def test_scheduler_refusals(tmp_path, capsys):
    import dask

    keys = tls_files(distributed.security.Security.temporary(), tmp_path / "keys")
    ca, cert, key = keys[1], keys[3], keys[5]
    cases = [
        (["--scheduler", "ws://127.0.0.1:9"], "expected tls://HOST:PORT"),
        (["--scheduler", "tls://127.0.0.1:9"], "pass --tls-ca-file, --tls-cert"),
        (["--scheduler", "tls://127.0.0.1:9", "--tls-ca-file", ca], "pass --tls-cert"),
        (["--scheduler", "tls://127.0.0.1:9", "--tls-ca-file", ca, "--tls-cert", cert, "--tls-key",
          str(tmp_path / "nope.pem")], "nope.pem: cannot be read"),
        (["--cluster", "local:2", "--tls-cert", cert], "--tls-cert: only with --scheduler"),
        (["--cluster", "local:2", "--unsafe-plain-tcp"], "--unsafe-plain-tcp: only with --scheduler"),
    ]
    with dask.config.set({"distributed.comm.tls.ca-file": None, "distributed.comm.tls.client.cert": None,
                          "distributed.comm.tls.client.key": None}):
        for args, why in cases:
            assert _grade_cli(tmp_path, *args) == 2, args
            assert why in capsys.readouterr().err, args
        os.chmod(key, 0o644)  # a private key others can read
        assert _grade_cli(tmp_path, "--scheduler", "tls://127.0.0.1:9", *keys) == 2
        assert "can be read by others (mode 0o644): chmod 600 it" in capsys.readouterr().err
        os.chmod(key, 0o600)
        # the same files from Dask's config instead of the options: accepted (then nobody listens on port 9)
        with dask.config.set({"distributed.comm.tls.ca-file": ca, "distributed.comm.tls.client.cert": cert,
                              "distributed.comm.tls.client.key": key,
                              "distributed.comm.timeouts.connect": "2s"}):
            target = cl.scheduler_target("tls://127.0.0.1:9")
            assert target.security.require_encryption and target.security.tls_client_cert == cert
            assert _grade_cli(tmp_path, "--scheduler", "tls://127.0.0.1:9") == 3
            assert "cannot reach the Dask scheduler at tls://127.0.0.1:9" in capsys.readouterr().err
    assert not (tmp_path / "out" / "a.json").exists()
    # the Python API applies the same policy to an address
    with pytest.raises(cl.ClusterSecurityError, match="plain TCP"):
        grade_batch("example", [_perfect(tmp_path / "b")], tmp_path / "out2", cluster="tcp://127.0.0.1:9",
                    progress=False)


def test_a_certificate_the_cluster_did_not_issue_is_refused(tmp_path, client, capsys):
    """`--scheduler` to the running cluster with a key pair of its own: the TLS handshake fails."""
    forged = tls_files(distributed.security.Security.temporary(), tmp_path / "forged")
    code = _grade_cli(tmp_path, "--scheduler", client.scheduler.address, *forged)
    assert code == 3 and "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not (tmp_path / "out" / "a.json").exists()


def test_cluster_grading_needs_namespaces(tmp_path, monkeypatch, capsys):
    from autograder.cli import main
    from autograder.engine.sandbox import reset_isolation

    monkeypatch.setenv("NNCOURSE_ISOLATION", "fallback")
    reset_isolation()
    try:
        with pytest.raises(cl.ClusterUnavailable) as exc:
            cl.start_local_cluster(2)
        assert "needs the namespaces isolation level" in str(exc.value) or "cannot start" in str(exc.value)
        code = main(["grade", "example", _perfect(tmp_path / "a"), "--out", str(tmp_path / "out"), "--no-progress",
                     "--cluster", "local:2"])
        assert code == 3 and "--cluster local:2" in capsys.readouterr().err
        # a worker in the fallback level refuses too (here: a stand-in for a preloaded worker)
        monkeypatch.setattr(distributed, "get_worker", lambda: type("W", (), {cl.GUARD_MARK: True,
                                                                              "address": "tls://w:1"})())
        kind, payload = cl.pack(_perfect(tmp_path / "b"))
        answer = json.loads(cl.grade_remote("example", "b", kind, payload, {}))
        assert not answer["ok"] and ("needs the namespaces isolation level" in answer["refused"]
                                     or "sandbox cannot start" in answer["refused"])
    finally:
        monkeypatch.delenv("NNCOURSE_ISOLATION")
        reset_isolation()


def test_grade_remote_refuses_outside_a_course_worker(tmp_path):
    kind, payload = cl.pack(_perfect(tmp_path / "a"))
    answer = json.loads(cl.grade_remote("example", "a", kind, payload, cl.suite_fingerprint("example")))
    assert not answer["ok"] and "not started with --preload autograder.engine.cluster" in answer["refused"]
    assert answer["echo"]["submission_sha256"] == hashlib.sha256(payload).hexdigest()


def test_workers_run_grading_tasks_only(client):
    with pytest.raises(PermissionError, match="builtins.len is not a grading task"):
        client.submit(len, b"abc", pure=False).result()
    with pytest.raises(PermissionError, match="is not a grading task"):
        client.submit(os.system, "touch /tmp/owned", pure=False).result()
    assert not Path("/tmp/owned").exists()
    # grade_remote fed by another task (which would run first, unchecked): refused as a whole
    inner = client.submit(len, b"x", pure=False)
    with pytest.raises(Exception):
        client.submit(cl.grade_remote, "example", "a", "file", inner, {}, pure=False).result()
    with pytest.raises(Exception):  # no `run` handler on the workers
        client.run(os.getpid)

    class Plugin(distributed.WorkerPlugin):
        def setup(self, worker):
            os.system("touch /tmp/owned-by-plugin")

    with pytest.raises(Exception):  # no plugin handlers either
        client.register_plugin(Plugin())
    assert not Path("/tmp/owned-by-plugin").exists()


def test_the_client_checks_what_the_worker_echoes(tmp_path):
    rec = {"homework": "example", "submission": "/w/a", "checks": [], "error": "", "duration": 0.0}
    sent = {"homework": "example", "name": "a", "submission_sha256": "1" * 64, "suite_sha256": "2" * 64}
    ok = {"ok": True, "path": "/w/a", "result": rec, "echo": dict(sent)}
    assert cl.decode(json.dumps(ok), str(tmp_path / "a"), sent).submission == str(tmp_path / "a")
    for k in sent:  # any field that differs: the answer is not recorded
        forged = json.loads(json.dumps(ok))
        forged["echo"][k] = "x"
        with pytest.raises(cl.RemoteGradingError, match=f"does not match what was sent \\({k}"):
            cl.decode(json.dumps(forged), str(tmp_path / "a"), sent)
    no_echo = {k: v for k, v in ok.items() if k != "echo"}
    with pytest.raises(cl.RemoteGradingError, match="does not match"):
        cl.decode(json.dumps(no_echo), str(tmp_path / "a"), sent)


# destructive tests last: a nanny may be slow to restart its worker on a loaded machine

def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(tmp_path, client):
    subs = [_perfect(tmp_path / "subs" / f"s{i}") for i in range(4)]
    out = tmp_path / "out"
    killed = []

    def killer():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            busy = [w for w, keys in client.processing().items() if keys]
            pids = worker_pids(client)
            if busy and busy[0] in pids and list(out.glob("s*.json")):  # under way, and this worker holds a task
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


def test_a_submission_that_kills_every_worker_becomes_an_internal_error(tmp_path):
    # workers run nothing but grade_remote, so the deaths come from outside: each worker that
    # takes the (slow) submission is killed, three times; its own cluster of 3, so each retry
    # finds a live worker without waiting for a nanny to restart one
    sub = _perfect(tmp_path / "subs" / "doomed")
    ops = Path(sub) / "starter" / "example" / "ops.py"
    ops.write_text(ops.read_text().replace("import numpy as np", "import numpy as np\nimport time as _t\n_t.sleep(25)", 1))
    lc = local_cluster(3)
    c = distributed.Client(lc)
    killed: list[str] = []
    stop = threading.Event()

    def killer():
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not stop.is_set() and len(killed) <= cl.ALLOWED_FAILURES:
            pids = worker_pids(c)
            for w, keys in c.processing().items():
                if keys and w not in killed and w in pids:
                    os.kill(pids[w], signal.SIGKILL)
                    killed.append(w)
            time.sleep(0.05)

    t = threading.Thread(target=killer)
    t.start()
    out = tmp_path / "out"
    try:
        report = grade_batch("example", [sub], out, formats=("json", "csv"), cluster=c, progress=False)
    finally:
        stop.set()
        t.join()
        c.close()
        lc.close()
    assert len(killed) == cl.ALLOWED_FAILURES + 1, killed
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

"""Who may use a grading cluster: nobody but the grader (issue 21, section 1).

While a `--cluster local:2` batch runs, an unprivileged local user (uid 65534, as an attacker
on the grading machine would be) tries `distributed.Client` on every TCP port the grading
processes listen on: plain `tcp://`, and `tls://` with a certificate of its own. Every attempt
must fail, its HTTP endpoints must show nothing but a health probe, and every grade of the
batch must be the one the samples expect.

A control proves the attack is real: the same script, as the same user, against a plain-TCP
cluster (what `--cluster local` was before) runs code there as root.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.engine import cluster as cl
from autograder.engine.batch import grade_batch
from autograder.engine.sandbox import isolation as iso
from autograder.instructor.samples import load_samples

from .conftest import ROOT
from .test_cluster import _records, listening_ports

distributed = pytest.importorskip("distributed")

ATTACKER_UID = 65534
ATTACKER = Path(__file__).with_name("cluster_attacker.py")


def attack(ports: list[int], control: int | None) -> dict:
    """Run ``cluster_attacker.py`` as an unprivileged user with no access to anything of the grader's."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-c", ATTACKER.read_text(), json.dumps([ports, control])],
                          user=ATTACKER_UID, group=ATTACKER_UID, extra_groups=[], cwd="/", env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["uid"] == ATTACKER_UID
    return out


@pytest.mark.skipif(not ROOT, reason="the cluster's workers and an unprivileged attacker need root to set up")
def test_a_local_user_cannot_use_a_running_cluster(tmp_path, monkeypatch):
    real = Path(os.path.realpath(sys.executable))  # a venv's python links to its base interpreter
    if not (iso._traversable(Path(sys.executable).parent) and iso._traversable(real.parent)):
        pytest.skip(f"uid {ATTACKER_UID} cannot reach {sys.executable} ({real})")
    samples = load_samples("example")
    subs = [str(s.materialize(tmp_path / "subs" / s.name)) for s in samples]
    seen = {}
    real_decode = cl.decode

    def decode_and_attack(answer, local_path, sent=None):
        # the first finished submission: the batch is under way, the others still queued or running
        if not seen:
            seen["ports"] = ports = listening_ports()
            seen["pending"] = len(subs) - 1
            control = distributed.LocalCluster(n_workers=1, processes=False, protocol="tcp://", host="127.0.0.1",
                                               dashboard_address=None)
            try:
                seen["attack"] = attack(sorted(ports), int(control.scheduler_address.rsplit(":", 1)[1]))
            finally:
                control.close()
        return real_decode(answer, local_path, sent)

    monkeypatch.setattr(cl, "decode", decode_and_attack)
    try:
        report = grade_batch("example", subs, tmp_path / "out", formats=("json", "csv"), cluster="local:2",
                             progress=False)
    except cl.ClusterUnavailable as exc:
        pytest.skip(f"cluster grading is refused on this machine: {exc}")
    assert seen, "no submission finished: the attack never ran"
    attempts = seen["attack"]["attempts"]
    control = attempts.pop()
    # the control: the attacker's script runs code as root on a plain-TCP cluster
    assert control["verdict"] == "CONNECTED" and "os.getuid() on the cluster: 0" in control["detail"], control
    # the grading cluster: a scheduler, two nannies and two workers (TLS), and HTTP endpoints
    ports = seen["ports"]
    assert len(ports) >= 5 and len({a["port"] for a in attempts}) == len(ports)
    assert len({pid for pid in ports.values()}) == 3  # this process (scheduler, nannies) and two workers
    print(f"\n{len(attempts)} attempts on {len(ports)} ports of {len(set(ports.values()))} processes:")
    for a in attempts:
        print(f"  {a['url']:<24} {a['verdict']:<9} {a['seconds']:>5} s  {a['detail'][:110]}")
    print(f"  control {control['url']}: {control['verdict']} ({control['detail']})")
    sessions = [a for a in attempts if a["verdict"] != "refused"]
    assert not sessions, f"the attacker connected: {sessions}"
    # what refused them: the TLS handshake, for a certificate the cluster did not issue
    assert any("TLS certificate does not match" in a["detail"] for a in attempts), attempts
    for port, http in seen["attack"]["http"].items():  # a health probe at most, nothing about the cluster
        for path, (status, body) in http.items():
            assert status in (None, 404) or (path == "/health" and body == "ok"), (port, path, status, body)
    # every grade is the one the sample should get
    recs = _records(tmp_path / "out")
    assert sorted(report.graded) == sorted(s.name for s in samples) and not report.failed
    for s in samples:
        assert recs[f"{s.name}.json"]["score"] == s.expect["cli"], s.name
        assert not recs[f"{s.name}.json"]["record"]["grader_error"]

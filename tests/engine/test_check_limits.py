"""Limits hold for a check as a whole, not per process (issue 21, section 4).

A check that forks eight children, each filling ``CHILD_MB`` of memory (within the
per-process limit, together four times the check's cap), is stopped at the check's cap, and
a neighbour graded at the same time by another grader process keeps its full marks. Sizes
are kept modest for a CI machine: the check's cap is 1 GiB.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

from .conftest import FIXTURES, REPO

SF = "example.scale_forward"
CHILDREN, CHILD_MB, CAP_MB = 8, 512, 1024

BOMB = f'''
    import os, time
    kids = []
    for _ in range({CHILDREN}):
        pid = os.fork()
        if pid == 0:
            os.setsid()  # out of the check's process group
            block = b"\\1" * ({CHILD_MB} << 20)  # every page written
            time.sleep(60)
            os._exit(0)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
    return a * x, (x, a)
'''

GRADE = """
import json, sys
from autograder.engine import grade_submission
r = grade_submission("example", sys.argv[1], max_memory_mb=int(sys.argv[2]), max_timeout=60)
print(json.dumps(r.to_dict()))
"""


def _bomb(tmp_path):
    sub = tmp_path / "fork_memory"
    shutil.copytree(FIXTURES / "buggy_factor", sub)
    src = (sub / "ops.py").read_text()
    head, sep, rest = src.partition("def scale_forward(x, a):")
    (sub / "ops.py").write_text(head + sep + '\n    """hostile"""' + BOMB + "\n\ndef " + rest.split("\ndef ", 1)[1])
    return sub


def test_forked_children_are_stopped_at_the_checks_cap_and_the_neighbour_keeps_full_marks(tmp_path):
    bomb = _bomb(tmp_path)
    env = {"NNCOURSE_ZYGOTE": "0"}
    import os

    env = dict(os.environ, **env)
    procs = [subprocess.Popen([sys.executable, "-c", GRADE, str(sub), str(CAP_MB)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for sub in (bomb, REPO / "solutions")]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    bad, good = (json.loads(o.strip().splitlines()[-1]) for o, _ in outs)
    c = {k["id"]: k for k in bad["checks"]}[SF]
    print(json.dumps({"status": c["status"], "message": c["message"], "limits": c["limits"]}, indent=1))
    assert c["score"] == 0 and c["status"] == "error"
    assert f"together used more than its memory limit of {CAP_MB} MB" in c["safe_message"]
    assert c["limits"]["memory_mb_per_check"] == CAP_MB
    used = int(re.search(r"processes, (\d+) MB", c["message"]).group(1))  # staff see how much
    assert CAP_MB < used < CHILDREN * CHILD_MB / 2  # stopped long before the children had it all
    assert good["score"] == good["max_score"] > 0, [(k["id"], k["status"], k["message"]) for k in good["checks"]]
    assert all(k["limits"].get("memory_mb_per_check") for k in good["checks"])


def test_the_costly_proportional_size_is_read_only_past_the_cap(monkeypatch):
    """A poll sums the resident sizes (``statm``, cheap) and reads the proportional set sizes
    (``smaps_rollup``, 16 ms of CPU for a process with torch loaded) only when that sum passes the
    cap; the verdict is the proportional one."""
    from autograder.engine.sandbox import budget

    sizes = {"11": (600 << 10, 300 << 10), "12": (600 << 10, 300 << 10)}  # pid: (RSS kB, PSS kB)
    pss_reads = []
    monkeypatch.setattr(budget, "_rss_kb", lambda pid: sizes[pid][0])
    monkeypatch.setattr(budget, "_memory_kb", lambda pid: pss_reads.append(pid) or sizes[pid][1])
    monkeypatch.setattr(budget, "_stat", lambda pid: (1, 0.5))
    killed = []

    def watch(cap_mb):
        b = budget.CheckBudget(cap_mb, cpu_seconds=100, nproc=None)
        monkeypatch.setattr(b, "members", lambda: list(sizes))
        monkeypatch.setattr(b, "kill_all", lambda: killed.append(cap_mb))
        b._poll()
        return b

    b = watch(2048)  # RSS 1,200 MB: within the cap, no PSS read
    assert b.reason is None and pss_reads == [] and round(b.peak_mb) == 1200
    b = watch(1024)  # RSS 1,200 MB over the cap, PSS 600 MB within it: not stopped
    assert b.reason is None and sorted(pss_reads) == ["11", "12"] and killed == []
    b = watch(512)  # PSS 600 MB over the cap: stopped
    assert b.reason is not None and "memory limit of 512 MB" in b.reason and killed == [512]

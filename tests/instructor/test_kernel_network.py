"""`nbgrader autograde`'s kernel has no network (issue 21): it runs in a network namespace of
its own and talks to nbgrader over Unix sockets, relayed by ``kernel_sandbox.Relay``.

A notebook tries to reach a TCP port this test listens on at 127.0.0.1 (where a grading
cluster, or another student's kernel, would listen) and lists its network interfaces; a
correct notebook graded in the same run still gets full marks, so the relayed kernel works.
The same probe lists what the kernel sees of the course's data (``kernel_sandbox.public_data``).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import threading
from pathlib import Path

import nbformat
import pytest

from autograder.instructor.nbgrader_course import Course
from autograder.instructor.release import student_tree
from coursedata.paths import data_root

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="the sandboxed kernel needs root (CI runs as root)")]

REPO = Path(__file__).resolve().parents[2]

PROBE = '''
import json, os, socket
net = {"uid": os.getuid(), "interfaces": sorted(n for _, n in socket.if_nameindex())}
try:
    socket.create_connection(("127.0.0.1", %(port)d), timeout=10).close()
    net["loopback"] = "connected"
except OSError as exc:
    net["loopback"] = f"{type(exc).__name__} errno {exc.errno}"
root = os.environ.get("NNCOURSE_DATA", "")
net["data_root"] = root
net["datasets"] = sorted(os.listdir(root)) if os.path.isdir(root) else []
net["grader_dirs"] = {}
for ds in net["datasets"]:
    for sub in sorted(os.listdir(os.path.join(root, ds))):
        if sub.startswith("_grader"):
            net["grader_dirs"][ds + "/" + sub] = os.listdir(os.path.join(root, ds, sub))
try:
    open(os.path.join(root, net["datasets"][0], "written-by-a-student"), "w").close()
    net["write"] = "written"
except (OSError, IndexError) as exc:
    net["write"] = type(exc).__name__
net["host_data_visible"] = os.path.exists(%(host_data)r)
json.dump(net, open("net.json", "w"))
'''


@pytest.fixture(scope="module")
def graded(course: Course, work: Path):
    from autograder.engine.sandbox import current_isolation

    if not current_isolation().namespaced:
        pytest.skip("no namespaces on this machine: the kernel keeps the host's network (the fallback level)")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, addr = listener.accept()
            except (TimeoutError, OSError):
                continue
            accepted.append(addr)
            conn.close()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    good = student_tree(course, "example", None, work / "net" / "netgood")
    shutil.copy(REPO / "solutions" / "example" / "ops.py", good / "starter" / "example" / "ops.py")
    course.submit("example", "netgood", good)
    probe = student_tree(course, "example", None, work / "net" / "netprobe")
    shutil.copy(REPO / "solutions" / "example" / "ops.py", probe / "starter" / "example" / "ops.py")
    nb_path = sorted(probe.glob("*.ipynb"))[0]
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE % {"port": listener.getsockname()[1],
                                                          "host_data": str(data_root())}))
    nbformat.write(nb, nb_path)
    course.submit("example", "netprobe", probe)
    took = {s: course.autograde("example", s) for s in ("netgood", "netprobe")}
    stop.set()
    t.join()
    listener.close()
    print(f"nbgrader autograde with the namespaced kernel: {took}")
    return course, accepted


def test_the_kernel_has_no_network(graded):
    course, accepted = graded
    net = json.loads((course.root / "autograded" / "netprobe" / "example" / "net.json").read_text())
    assert net["uid"] != 0
    assert net["interfaces"] == ["lo"]  # a namespace of its own: only its own (down) loopback
    assert net["loopback"] != "connected" and not accepted, (net, accepted)


def test_the_kernel_reads_the_course_data_read_only_without_the_graders_folders(graded):
    """The kernel sees the data sets the course made (so an autograded notebook does not generate
    them again, 13-18 s per student for fms and nist36), read-only, with every ``_grader*``
    folder empty; the host's data folder itself is not in its root."""
    course, _ = graded
    net = json.loads((course.root / "autograded" / "netprobe" / "example" / "net.json").read_text())
    host = data_root()
    made = sorted(d.name for d in host.iterdir() if d.is_dir() and not d.name.startswith(("_", ".")))
    assert made, "no data sets in the course's data folder: nothing to check (the suite prepares them)"
    assert net["datasets"] == made and net["data_root"] != str(host)
    assert not net["host_data_visible"]
    hidden = sorted(f"{d.parent.name}/{d.name}" for d in host.glob("*/_grader*") if d.is_dir())
    assert hidden and sorted(net["grader_dirs"]) == hidden, (net["grader_dirs"], hidden)
    assert all(v == [] for v in net["grader_dirs"].values()), net["grader_dirs"]
    assert net["write"] in ("OSError", "PermissionError"), net["write"]  # EROFS (or EACCES)
    assert not any(host.glob("*/written-by-a-student"))


def test_the_relayed_kernel_still_grades(graded):
    course, _ = graded
    scores = course.scores("example")
    assert "netgood" not in course.failures and "netprobe" not in course.failures
    assert scores["netgood"].code_score == scores["netgood"].max_code_score == 7
    assert scores["netprobe"].code_score == 7  # the probe cell changes nothing of the graded work

"""Scaling `course grade` past one process: --jobs 1, --jobs 2 and a 2-worker Dask LocalCluster.

    .venv/bin/python benchmarks/scale.py [--n 40] [--workers 2] [--project-n 1000] [--project-workers 20]
                                         [--seconds-per-submission 15]

1. Builds ``--n`` submissions of the registry's benchmark homework (the first that declares
   ``BENCH_SUBMISSIONS``, today the practice homework: its reference and buggy variants, in turn) in a temporary folder.
2. Grades them with ``grade_batch`` at ``--jobs 1``, at ``--jobs 2`` and on a LocalCluster of
   ``--workers`` processes (1 thread each; the cluster's start-up timed apart), checks that
   the three gradebooks agree, and prints the wall times and speed-ups.
3. The cluster path's overhead per submission: (cluster wall - ``--jobs 2`` wall) / n at the
   same parallelism, and its parts measured one by one: packing a submission, the suite hash
   (cached), unpacking on the worker, the JSON answer, and a task's round trip to a worker.
4. The client's own cost per finished submission (it rebuilds the gradebook from every
   record after each one), measured with ``--n`` and with ``--project-n`` records.
5. A projection for ``--project-n`` submissions on ``--project-workers`` workers, from the
   measured per-submission grading time of ``example`` and from ``--seconds-per-submission``
   (a complete ``fms`` submission takes 12-18 s on one core).

Timings depend on the machine's load (printed): the figures are wall-clock seconds.

Measured 2026-11-28 on the 2-CPU development machine under a load average of 15-22 (two runs):
--jobs 1 108.0 / 79.6 s, --jobs 2 63.8 / 42.8 s (1.69x / 1.86x), LocalCluster of 2 workers
63.8 / 45.2 s (1.69x / 1.76x; start-up 7.7 / 5.4 s once); cluster path minus --jobs 2:
-0.001 / +0.059 s per submission (goal < 0.5 s); its parts: pack 1-2 ms, suite hash (cached)
3-8 ms, unpack 3-7 ms, task round trip 45-53 ms. The client's gradebook rebuild after each
submission: 24-28 ms with 40 records, 430-480 ms with 1,000. Projection for 1,000 submissions on
20 workers: `example` (2-2.7 s each) about 4 min, bound by the client's rebuilds (3.6-4.0 min);
15 s each (fms) about 12.6 min, worker-bound (one process: 4.2 h).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.engine import cluster as cl  # noqa: E402
from autograder.engine.batch import grade_batch, rebuild_gradebook  # noqa: E402

from autograder.engine import registry  # noqa: E402

BENCH = registry.bench_homework()  # the homework graded, and its submissions (its declaration)
HW = BENCH.id
SOURCES = [REPO / s for s in BENCH.bench_submissions]


def build(tmp: Path, n: int) -> list[Path]:
    subs = []
    for i in range(n):
        d = tmp / "subs" / f"student{i:02d}" / "starter" / HW
        d.parent.mkdir(parents=True)
        shutil.copytree(SOURCES[i % len(SOURCES)], d, ignore=shutil.ignore_patterns("__pycache__", "notebooks"))
        subs.append(d.parents[1])
    return subs


def scores(out: Path) -> dict:
    return {p.name: (json.loads(p.read_text())["score"],
                     [c["status"] for c in json.loads(p.read_text())["checks"]]) for p in out.glob("student*.json")}


def timed_batch(label: str, subs, out: Path, **kw) -> float:
    start = time.perf_counter()
    rep = grade_batch(HW, subs, out, formats=("json", "csv"), progress=False, **kw)
    took = time.perf_counter() - start
    assert len(rep.graded) == len(subs) and not rep.failed, (label, rep.failed)
    print(f"  {label:<28} {took:8.1f} s  {took / len(subs):6.2f} s/submission  "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    return took


def parts_of_overhead(client, sub: Path, record: Path, reps: int = 20) -> dict[str, float]:
    """Milliseconds per submission of each step the cluster path adds."""
    out = {}
    t = time.perf_counter()
    for _ in range(reps):
        kind, payload = cl.pack(sub)
    out["pack a folder"] = (time.perf_counter() - t) / reps * 1e3
    t = time.perf_counter()
    for _ in range(reps):
        cl.suite_fingerprint(HW)
    out["suite hash (cached)"] = (time.perf_counter() - t) / reps * 1e3
    tmp = Path(tempfile.mkdtemp(prefix="nncourse-bench-"))
    t = time.perf_counter()
    for i in range(reps):
        cl.unpack_folder(payload, tmp / f"u{i}")
    out["unpack on the worker"] = (time.perf_counter() - t) / reps * 1e3
    shutil.rmtree(tmp, ignore_errors=True)
    result = json.loads(record.read_text())
    result.pop("record")
    answer = json.dumps({"ok": True, "path": "/tmp/x", "result": result})
    t = time.perf_counter()
    for _ in range(reps):
        cl.decode(answer, str(sub))
    out["JSON answer decoded"] = (time.perf_counter() - t) / reps * 1e3
    # the workers run grading tasks only (cluster.dask_setup): time a grading task the worker refuses
    # at once (a fingerprint that cannot match), which carries the payload both ways but grades nothing
    lat = []
    for _ in range(reps):
        t = time.perf_counter()
        client.submit(cl.grade_remote, HW, sub.name, kind, payload, {"refuse": "me"}, 0, None,
                      pure=False).result()
        lat.append(time.perf_counter() - t)
    out["task round trip (bytes in, refused)"] = statistics.median(lat) * 1e3
    return out


def client_cost(out_dir: Path, n_records: int) -> float:
    """Seconds the client spends rebuilding the gradebook after one submission, with ``n_records``."""
    src = next(p for p in sorted(out_dir.glob("student*.json")))
    tmp = Path(tempfile.mkdtemp(prefix="nncourse-bench-book-"))
    try:
        d = json.loads(src.read_text())
        for i in range(n_records):
            d["record"]["student"] = f"s{i:05d}"
            (tmp / f"s{i:05d}.json").write_text(json.dumps(d))
        rebuild_gradebook(tmp, HW, ("csv",))  # warm caches
        t = time.perf_counter()
        rebuild_gradebook(tmp, HW, ("csv",))
        return time.perf_counter() - t
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=40)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--project-n", type=int, default=1000)
    p.add_argument("--project-workers", type=int, default=20)
    p.add_argument("--seconds-per-submission", type=float, default=15.0,
                   help="grading time of one submission for the second projection (a complete submission of the "
                        "largest homework: 12-18 s)")
    args = p.parse_args(argv)
    import distributed

    print(f"{args.n} submissions of `{HW}`; {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}, "
          f"uid {os.geteuid()}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="nncourse-scale-"))
    try:
        subs = build(tmp, args.n)
        t1 = timed_batch("--jobs 1", subs, tmp / "j1", jobs=1)
        t2 = timed_batch("--jobs 2", subs, tmp / "j2", jobs=2)
        start = time.perf_counter()
        lc = cl.start_local_cluster(args.workers)
        client = distributed.Client(lc, security=lc.security)
        kind, payload = cl.pack(subs[0])  # warm up: the workers import the engine and hash the suite
        client.submit(cl.grade_remote, HW, subs[0].name, kind, payload, {"refuse": "me"}, 0, None,
                      pure=False).result()
        t_start = time.perf_counter() - start
        print(f"  LocalCluster of {args.workers} workers started in {t_start:.1f} s", flush=True)
        try:
            tc = timed_batch(f"LocalCluster, {args.workers} workers", subs, tmp / "c", cluster=client)
            parts = parts_of_overhead(client, subs[0], tmp / "c" / "student00.json")
        finally:
            client.close()
            lc.close()
        same = scores(tmp / "j1") == scores(tmp / "j2") == scores(tmp / "c")
        print(f"\nthe three gradebooks agree (scores and statuses per check): {same}")
        print(f"\n| run | wall s | s/submission | speed-up over --jobs 1 |\n|---|---:|---:|---:|")
        for label, t in (("--jobs 1", t1), ("--jobs 2", t2), (f"LocalCluster {args.workers} workers", tc),
                         (f"LocalCluster {args.workers} workers + start-up", tc + t_start)):
            print(f"| {label} | {t:.1f} | {t / args.n:.2f} | {t1 / t:.2f}x |")
        over = (tc - t2) / args.n
        print(f"\ncluster path vs local at the same parallelism ({args.workers} slots): "
              f"{over:+.3f} s per submission (goal < 0.5 s), start-up {t_start:.1f} s once")
        print("its parts, ms per submission: " + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()))
        c_n = client_cost(tmp / "c", args.n)
        c_big = client_cost(tmp / "c", args.project_n)
        print(f"client: rebuilding the gradebook after a submission takes {c_n * 1e3:.0f} ms with {args.n} records, "
              f"{c_big * 1e3:.0f} ms with {args.project_n}")

        # projection: workers grade in parallel; the client writes each result and rebuilds the
        # gradebook (its cost grows with the records so far: about half the final cost on average)
        n, w = args.project_n, args.project_workers
        per_sub_1 = t1 / args.n
        client_total = n * (c_big / 2 + parts["JSON answer decoded"] / 1e3)
        print(f"\nprojection, {n} submissions on {w} workers (1 thread each):")
        for label, s in ((f"{HW} ({per_sub_1:.2f} s each, measured here)", per_sub_1),
                         (f"{args.seconds_per_submission:g} s each (a complete submission of the largest homework)",
                          args.seconds_per_submission)):
            grading = n * (s + max(over, 0.0)) / w
            wall = max(grading, client_total) + t_start
            bound = "client-bound" if client_total > grading else "worker-bound"
            print(f"  {label}: workers {grading / 60:.1f} min, client {client_total / 60:.1f} min -> about "
                  f"{wall / 60:.1f} min ({bound}); one process: {n * s / 3600:.1f} h")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

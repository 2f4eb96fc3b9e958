"""Grading a batch on a Dask cluster: one task per submission, the same engine and sandbox.

The client (``course grade ... --scheduler ADDRESS`` or ``--cluster local[:N]``) keeps
everything :mod:`autograder.engine.batch` does: the todo list, ``--resume``, ``--only``
merges, the records, the feedback, the gradebook and the progress bar are written on the
client by the same functions as a local run. Only the call to ``grade_submission`` moves:

* the submission travels as **bytes**: the original file (a zip, a tar, a lone ``.py``)
  as handed in, or a folder packed into a zip (symlinks kept as links, caches and VCS
  folders left out);
* a worker (:func:`grade_remote`) unpacks it into a private temporary folder (0700) under
  the submission's own name, grades it with :func:`~autograder.engine.grade.grade_submission`
  (as root on the worker: leased uids, namespaces, exactly as locally), deletes the folder
  and returns the engine's **JSON** (a ``str``): nothing a student's process produced is
  ever unpickled by the client;
* before grading, the worker compares a content hash of its homework suite, reference
  tree, provided starter files and the data the suite reads (:func:`suite_fingerprint`)
  with the client's, and refuses on a mismatch with a message naming what differs (the
  submission is recorded as an internal grader error, regraded by ``--resume``; never a
  score);
* a worker that dies mid-submission: the scheduler runs the task elsewhere, at most twice
  for a ``--cluster local`` (``allowed_failures=2``; an external scheduler uses its
  ``distributed.scheduler.allowed-failures``), then the submission is recorded as an
  internal error naming the dead workers. Each task's result is written once, when its
  future completes, so nobody is graded into the gradebook twice;
* Ctrl-C on the client cancels what is still running; finished records stay and
  ``--resume`` grades the rest.

Who may use the cluster: only the grader. A worker runs as root and can read ``solutions/``,
so a connection to any of its ports is a way to run code as root and to change every grade:

* ``--cluster local`` speaks **mutual TLS** on loopback with a key pair made for that run and
  held only in memory (``Security.temporary()``); its HTTP endpoints serve only ``/health``;
* ``--scheduler`` accepts ``tls://`` with a CA, a client certificate and its key (the
  ``--tls-*`` options or Dask's ``distributed.comm.tls`` config); plain ``tcp://`` only with
  ``--unsafe-plain-tcp`` and a warning (:func:`scheduler_target`);
* cluster grading needs the ``namespaces`` isolation level, on the client for
  ``--cluster local`` and on every worker (in the fallback levels student code shares the
  host's network and could reach the cluster's ports);
* a worker started with ``--preload autograder.engine.cluster`` (:func:`dask_setup`; a
  ``--cluster local`` always is) runs no task but :func:`grade_remote` and has no ``run``,
  ``run_coroutine``, plugin or ``upload_file`` handlers; ``grade_remote`` refuses on a worker
  without that preload;
* every answer echoes the submission's SHA-256 and the suite's fingerprint digest it graded
  with, and the client compares them with what it sent (:func:`decode`).

The code is split (issue #26): ``cluster_payload.py`` (the suite fingerprint, the submission
packed and unpacked), ``cluster_worker.py`` (the worker's task and the preload that guards a
course server), ``cluster_connect.py`` (the local launcher, an external scheduler's TLS, the
client connection); this module is the client's side of a batch (:func:`run_on_cluster`, the
echo checks of :func:`decode`), re-exports their names, and is what servers are preloaded with.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

# re-exported: ``autograder.engine.cluster`` keeps every name it had before the split; run_on_cluster
# looks up suite_fingerprint and decode here at call time (a test may stand in for either)
from .cluster_connect import (  # noqa: F401
    ALLOWED_FAILURES, ClusterSecurityError, ClusterUnavailable, SchedulerTarget, _Connection, _key_file_private,
    parse_local, require_namespaces, scheduler_target, start_local_cluster)
from .cluster_payload import (  # noqa: F401
    _DATA_CACHE, _NAMES, _TREE_CACHE, DATA_FULL_HASH, DATA_SAMPLE, DATA_TTL, MAX_PACK_BYTES, MAX_PACK_FILES, REPO,
    SKIP_DIRS, PackError, _data_hash, _listing, datasets_read, fingerprint_digest, fingerprint_mismatch, pack,
    pack_folder, suite_fingerprint, tree_hash, unpack_folder)
from .cluster_worker import (  # noqa: F401
    CODE_HANDLERS, GUARD_MARK, HTTP_ROUTES, PRELOAD, REMOTE_PREFIX, _guard_worker, _refusal, _sweep, _worker_name,
    dask_setup, grade_remote, not_a_grading_task)
from .grade import grade_submission  # noqa: F401
from .results import SubmissionResult


class RemoteGradingError(RuntimeError):
    """A submission the cluster could not grade (a refusal, a dead worker, a grader bug)."""


# -- the client's checks of a worker's answer -------------------------------------------------------

def _replace_path(obj, old: str, new: str):
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, list):
        return [_replace_path(x, old, new) for x in obj]
    if isinstance(obj, dict):
        return {k: _replace_path(v, old, new) for k, v in obj.items()}
    return obj


def decode(answer: str, local_path: str, sent: dict | None = None) -> SubmissionResult:
    """The engine's result from a worker's JSON answer, with the worker's temporary path replaced
    by the client's; a refusal or a worker-side failure raises :class:`RemoteGradingError`.

    ``sent``: what the client sent (``homework``, ``name``, ``submission_sha256``,
    ``suite_sha256``); the answer's ``echo`` must repeat each of them, else the answer is
    refused (a result for another submission, another suite or from something that is not
    this course's worker)."""
    d = json.loads(answer)
    if not isinstance(d, dict):
        raise RemoteGradingError("the worker's answer is not a JSON object")
    if sent is not None:
        echo = d.get("echo") if isinstance(d.get("echo"), dict) else {}
        keys = [k for k in sent if d.get("ok") or k != "suite_sha256"]  # a refusal may name another suite
        wrong = [k for k in keys if echo.get(k) != sent[k]]
        if wrong:
            raise RemoteGradingError(
                f"the worker's answer does not match what was sent ({', '.join(wrong)}: "
                + ", ".join(f"{str(echo.get(k))[:16]} instead of {str(sent[k])[:16]}" for k in wrong)
                + "): not recorded")
    if not d.get("ok"):
        raise RemoteGradingError(d.get("refused") or d.get("error") or "the worker gave no reason")
    result = SubmissionResult.from_dict(_replace_path(d["result"], d["path"], local_path))
    if sent is not None and getattr(result, "homework", sent["homework"]) != sent["homework"]:
        raise RemoteGradingError(f"the worker graded {result.homework}, not {sent['homework']}: not recorded")
    return result

# -- the batch on a cluster -----------------------------------------------------------------------

def run_on_cluster(target, order, args, done, homework, by_student, out, formats) -> None:
    """Grade ``order`` (student ids) on a Dask cluster; the counterpart of ``executors._run_pool``.

    ``target``: ``"local[:N]"``, a scheduler address, or a ``distributed.Client``. ``args(s)``
    gives ``grade_one``'s arguments for student ``s``; ``done(payload)`` takes what it returns.
    Each finished task goes through ``grade_one`` on the client with the worker's result
    in place of a local grading, so records, ``--only`` merges and feedback are the same.
    """
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    from .gradebook_records import grade_one  # never ``batch``: it imports the executors, which import this

    if not order:
        return
    conn = _Connection(target)
    fingerprint = suite_fingerprint(homework)
    suite = fingerprint_digest(fingerprint)
    sent: dict[str, dict] = {}  # what each submission's task was given: its answer must echo it
    refusals: set[str] = set()

    def finish(s, result=None, why=None):
        a = args(s)
        if why is not None:
            if why.startswith("worker ") and "refused" in why and why not in refusals:
                refusals.add(why)
                print(f"\nwarning: {why}", file=sys.stderr, flush=True)

            def grader(*_a, **_k):
                raise RemoteGradingError(why)
        else:
            def grader(*_a, **_k):
                return result
        done(grade_one(*a, grader=grader))

    pending = list(order)
    futures = {}
    ac = as_completed()
    try:
        def submit_some():
            window = max(4, 2 * conn.threads())
            while pending and len(futures) < window:
                s = pending.pop(0)
                hw, path, _out, _stem, _formats, seed, grade_kwargs, _meta = args(s)
                try:
                    kind, payload = pack(path)
                except (PackError, OSError) as exc:
                    finish(s, why=f"{type(exc).__name__}: {exc}")
                    continue
                fut = conn.client.submit(grade_remote, hw, Path(path).name, kind, payload, fingerprint, seed,
                                         grade_kwargs, pure=False, key=f"grade-{hw}-{s}-{os.urandom(4).hex()}")
                futures[fut] = s
                sent[s] = {"homework": hw, "name": Path(path).name,
                           "submission_sha256": hashlib.sha256(payload).hexdigest(), "suite_sha256": suite}
                ac.add(fut)

        submit_some()
        while futures:
            fut = next(ac)
            s = futures.pop(fut)
            path = str(args(s)[1])
            result = why = None
            try:
                result = decode(fut.result(), path, sent.pop(s))
            except FutureCancelledError as exc:
                why = f"the cluster cancelled this submission's task ({exc})"
            except RemoteGradingError as exc:  # a refusal, a grader error on the worker
                why = str(exc)
            except (ValueError, KeyError, TypeError) as exc:
                why = f"unreadable answer from the worker: {type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost scheduler ...
                why = f"{type(exc).__name__}: {exc}"
                if type(exc).__name__ == "KilledWorker":
                    why = f"the grading worker died each time it graded this submission (KilledWorker): {exc}"
            finish(s, result=result, why=why)  # once per submission, whatever happened
            fut.release()
            submit_some()
    finally:
        for fut in list(futures):
            fut.cancel()
        conn.close()

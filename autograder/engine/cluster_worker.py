"""The worker side of cluster grading: the one task a course worker runs, and the preload that
makes a Dask server run nothing else.

* :func:`grade_remote` unpacks a submission into a private temporary folder, grades it with
  :func:`~autograder.engine.grade.grade_submission` and answers in JSON, echoing what it was
  given; it refuses on a worker without the course's preload, below the ``namespaces``
  isolation level, or whose suite fingerprint differs from the client's;
* :func:`dask_setup` (``--preload autograder.engine.cluster``, which re-exports it) removes the
  handlers that run a client's code and lets a worker execute :func:`grade_remote` tasks on
  plain values only (:func:`not_a_grading_task`).

Part of the cluster grading code (``cluster.py`` re-exports every name here).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import traceback
from pathlib import Path

from .cluster_payload import fingerprint_digest, fingerprint_mismatch, suite_fingerprint, unpack_folder
from .grade import grade_submission

PRELOAD = "autograder.engine.cluster"  # the module a course server is started with (--preload)



# -- the task ---------------------------------------------------------------------------------------

def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


REMOTE_PREFIX = "nncourse-remote-"


def _sweep() -> None:
    """Remove the temporary folders of worker processes that died mid-submission (killed workers)."""
    for p in Path(tempfile.gettempdir()).glob(f"{REMOTE_PREFIX}*"):
        pid = p.name[len(REMOTE_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _refusal(worker: str) -> str:
    """Why this process may not grade (``''`` when it may): a worker with the course's preload,
    grading at the ``namespaces`` isolation level."""
    try:
        from distributed import get_worker

        guarded = getattr(get_worker(), GUARD_MARK, False)
    except (ImportError, ValueError):
        guarded = False
    if not guarded:
        return (f"worker {worker} refused to grade: it was not started with --preload {PRELOAD} (which makes "
                f"it run grading tasks only); start it as in the README's Grading on a cluster")
    from .sandbox import SandboxUnavailable, current_isolation

    try:
        level = current_isolation()
    except SandboxUnavailable as exc:
        return f"worker {worker} refused to grade: its sandbox cannot start ({exc})"
    if not level.namespaced:
        return (f"worker {worker} refused to grade: cluster grading needs the namespaces isolation level and this "
                f"worker has {level.level!r} ({level.reason or 'no reason given'}), where student code shares the "
                f"host's network and could reach the cluster's ports; run the worker as root where unshare(2) is "
                f"allowed")
    return ""


def grade_remote(homework: str, name: str, kind: str, payload: bytes, fingerprint: dict, seed: int = 0,
                 grade_kwargs: dict | None = None) -> str:
    """The task a worker runs for one submission; returns JSON (a ``str``), never raises.

    ``{"ok": true, "result": <SubmissionResult.to_dict()>, "path": <where it was graded>, "echo": ...}``,
    or ``{"ok": false, "refused" | "error": <why>, "echo": ...}``; ``echo`` holds the homework, the
    submission's name, its SHA-256 and the digest of the worker's own suite fingerprint, which the
    client compares with what it sent.
    """
    worker = _worker_name()
    echo = {"homework": homework, "name": name, "submission_sha256": hashlib.sha256(payload).hexdigest()}

    def answer(**d) -> str:
        return json.dumps({**d, "worker": worker, "echo": echo})

    why = _refusal(worker)
    if why:
        return answer(ok=False, refused=why)
    try:
        mine = suite_fingerprint(homework)
    except Exception as exc:  # noqa: BLE001
        return answer(ok=False, refused=f"worker {worker} cannot load the {homework} suite "
                      f"({type(exc).__name__}: {exc}): install the course there (make install)")
    echo["suite_sha256"] = fingerprint_digest(mine)
    diff = fingerprint_mismatch(mine, fingerprint)
    if diff:
        return answer(ok=False, refused=(
            f"worker {worker} refused to grade: its copy of {', '.join(diff)} differs from the client's "
            f"(content hash {', '.join(mine.get(k, 'absent')[:12] for k in diff)} there, "
            f"{', '.join(fingerprint.get(k, 'absent')[:12] for k in diff)} here); install the same version of "
            f"the course on every worker (make install) and generate the same data (course data {homework})"))
    _sweep()
    tmp = Path(tempfile.mkdtemp(prefix=f"{REMOTE_PREFIX}{os.getpid()}-"))  # 0700: only root on the worker reads it
    try:
        os.chmod(tmp, 0o700)
        sub = tmp / (Path(name).name or "submission")
        if kind == "file":
            fd = os.open(sub, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
        elif kind == "dir":
            unpack_folder(payload, sub)
        result = grade_submission(homework, sub, seed=seed, **(grade_kwargs or {}))
        return answer(ok=True, path=str(sub), result=result.to_dict())
    except Exception as exc:  # noqa: BLE001 - the client records it as an internal grader error
        return answer(ok=False, error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- what a course worker agrees to run ------------------------------------------------------------

GUARD_MARK = "_nncourse_grading_only"
# handlers that run a client's code or install it on a worker, a nanny or the scheduler
CODE_HANDLERS = ("run", "run_coroutine", "plugin-add", "plugin-remove", "plugin_add", "plugin_remove",
                 "upload_file", "actor_execute", "actor_attribute", "run_function", "register_scheduler_plugin",
                 "unregister_scheduler_plugin", "register_worker_plugin", "unregister_worker_plugin",
                 "register_nanny_plugin", "unregister_nanny_plugin")
# the HTTP endpoints of a --cluster local: a health probe, nothing that shows logs, tasks or call stacks
HTTP_ROUTES = {"distributed.scheduler.http.routes": ["distributed.http.health"],
               "distributed.worker.http.routes": ["distributed.http.health"]}


def not_a_grading_task(spec) -> str:
    """``''`` when ``spec`` (a worker's ``run_spec``) is a call of :func:`grade_remote` on plain
    values, else why a course worker refuses to run it."""
    try:
        from dask._task_spec import GraphNode, Task
    except ImportError:  # pragma: no cover - an older dask: no task objects to look into
        return "this version of dask gives the worker no task object to check"

    def plain(v, depth=0) -> bool:
        if depth > 20 or isinstance(v, GraphNode):
            return False
        if isinstance(v, (list, tuple, set, frozenset)):
            return all(plain(x, depth + 1) for x in v)
        if isinstance(v, dict):
            return all(plain(k, depth + 1) and plain(x, depth + 1) for k, x in v.items())
        return v is None or isinstance(v, (str, bytes, int, float, bool))

    if type(spec) is not Task:
        return f"a {type(spec).__name__} is not a grading task"
    func = getattr(spec, "func", None)
    if func is not grade_remote:
        what = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', type(func).__name__)}"
        return f"{what} is not a grading task (only {PRELOAD}.grade_remote runs here)"
    if spec.dependencies or not plain(tuple(spec.args)) or not plain(dict(spec.kwargs)):
        return "a grading task's arguments must be plain values, not other tasks"
    return ""


def _guard_worker(worker) -> None:
    original = worker.execute

    async def execute(key, *, stimulus_id):
        ts = worker.state.tasks.get(key)
        why = not_a_grading_task(ts.run_spec) if ts is not None else ""
        if why:
            from distributed.worker_state_machine import ExecuteFailureEvent

            logging.getLogger(__name__).warning("refused task %r: %s", key, why)
            return ExecuteFailureEvent.from_exception(PermissionError(f"course worker refused the task: {why}"),
                                                      key=key, run_id=ts.run_id,
                                                      stimulus_id=f"nncourse-refused-{time.time()}")
        return await original(key, stimulus_id=stimulus_id)

    worker.execute = execute


def dask_setup(server) -> None:
    """Preload of the course's scheduler, nannies and workers (``--preload`` and
    ``--preload-nanny autograder.engine.cluster``; a ``--cluster local`` has it everywhere).

    * every server: the handlers that run a client's code (``run``, ``run_function``, plugins,
      ``upload_file``, actors) are removed;
    * a worker runs only :func:`grade_remote` tasks (:func:`not_a_grading_task`; others fail
      with ``PermissionError`` before they run), and is marked so that ``grade_remote`` knows;
    * a worker ignores Ctrl-C on the terminal (the client cancels the tasks and closes it), so
      Ctrl-C stops the batch without a traceback from every worker.

    What it cannot stop: a client that connects deserialises nothing on the worker without a
    valid certificate, but one that holds the cluster's certificate sends pickles, and
    unpickling can run code. The certificate is what keeps others out; this narrows what the
    grader's own connection can be used for.
    """
    import signal
    import threading

    for name in CODE_HANDLERS:
        getattr(server, "handlers", {}).pop(name, None)
    from distributed import Worker

    if isinstance(server, Worker):
        _guard_worker(server)
        setattr(server, GUARD_MARK, True)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)

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
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path, PurePosixPath

from .grade import grade_submission
from .results import SubmissionResult
from .submission import REPO

ALLOWED_FAILURES = 2  # a submission whose worker dies is run again at most twice
SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".venv", "venv", "site-packages", "node_modules",
             ".ipynb_checkpoints", ".mypy_cache", ".pytest_cache"}
MAX_PACK_FILES = 2000  # a folder is packed only within the limits the engine puts on a zip
MAX_PACK_BYTES = 200 << 20
DATA_FULL_HASH = 1 << 20  # data files up to this size are hashed whole; larger: size, head and tail
DATA_SAMPLE = 64 << 10


class RemoteGradingError(RuntimeError):
    """A submission the cluster could not grade (a refusal, a dead worker, a grader bug)."""


class ClusterUnavailable(RuntimeError):
    """The scheduler cannot be reached, or the local cluster cannot start (``course`` exits 3)."""


class PackError(RuntimeError):
    """A submission that cannot be sent to a worker (too large, unreadable)."""


class ClusterSecurityError(ValueError):
    """A cluster address or its security settings that cluster grading refuses (``course`` exits 2)."""


# -- what the worker must share with the client ----------------------------------------------------

_TREE_CACHE: dict[tuple, str] = {}


def _listing(root: Path, skip_notebooks: bool = False) -> list[tuple[str, int, int]]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            p = Path(dirpath) / name
            try:
                st = p.lstat()
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                out.append((str(p.relative_to(root)), st.st_size, st.st_mtime_ns))
    return out


def tree_hash(root: Path, data: bool = False) -> str:
    """SHA-256 of a folder's (or a file's) regular files, names and bytes; ``data=True``: files over
    1 MiB count by size, first and last 64 KiB (cheap on large datasets). Cached per process by
    the files' names, sizes and modification times."""
    root = Path(root)
    if root.is_file():
        st = root.stat()
        listing, base = [(root.name, st.st_size, st.st_mtime_ns)], root.parent
    elif root.is_dir():
        listing, base = _listing(root), root
    else:
        return "absent"
    key = (str(root.resolve()), data, hashlib.sha256(repr(listing).encode()).hexdigest())
    if key in _TREE_CACHE:
        return _TREE_CACHE[key]
    h = hashlib.sha256()
    for rel, size, _mtime in listing:
        h.update(f"{rel}\0{size}\0".encode())
        with open(base / rel, "rb") as fh:
            if data and size > DATA_FULL_HASH:
                h.update(fh.read(DATA_SAMPLE))
                fh.seek(size - DATA_SAMPLE)
                h.update(fh.read(DATA_SAMPLE))
            else:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
    _TREE_CACHE[key] = h.hexdigest()
    return _TREE_CACHE[key]


def datasets_read(homework: str, repo: Path = REPO) -> list[str]:
    """The datasets the homework declares it reads (``DATASETS``: ``engine.registry``), sorted."""
    from .registry import datasets_for

    return sorted(datasets_for(homework))


DATA_TTL = 300.0  # seconds a process reuses a dataset's hash (walking 20,000 files takes a second or more)
_DATA_CACHE: dict[tuple, tuple[float, str]] = {}
_NAMES: dict[tuple, list[str]] = {}


def _data_hash(path: Path) -> str:
    key = (str(path),)
    hit = _DATA_CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < DATA_TTL:
        return hit[1]
    h = tree_hash(path, data=True)
    _DATA_CACHE[key] = (time.monotonic(), h)
    return h


def suite_fingerprint(homework: str, repo: Path = REPO) -> dict[str, str]:
    """Content hashes of what grading ``homework`` depends on besides the engine: its suite
    (``autograder/<hw>/``), the reference tree (``solutions/<hw>/``), the provided files a
    submission is laid over (``starter/<hw>/``), the suite's grading-only paths and the
    datasets it reads (under ``coursedata.paths.data_root()``). The code is checked on every
    call (cached by file sizes and times); a dataset's hash is reused for ``DATA_TTL`` seconds."""
    from .checks import load_suite

    suite = load_suite(homework)
    fp = {f"{d}/{homework}/": tree_hash(repo / d / homework) for d in ("autograder", "solutions", "starter")}
    for p in suite.secret_paths:
        fp[p] = _data_hash(repo / p)
    key = (homework, str(repo), fp[f"autograder/{homework}/"])
    if key not in _NAMES:
        _NAMES[key] = datasets_read(homework, repo)
    names = _NAMES[key]
    if names:
        from .graderdata import _data_root as data_root  # the engine's one way to the data folder

        for n in names:
            fp[f"data/{n}/"] = _data_hash(data_root() / n)
    return fp


def fingerprint_mismatch(mine: dict, theirs: dict) -> list[str]:
    return sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))


def fingerprint_digest(fp: dict) -> str:
    """One SHA-256 of a suite fingerprint (what a worker's answer echoes)."""
    return hashlib.sha256(json.dumps(fp, sort_keys=True).encode()).hexdigest()


# -- the submission as bytes -----------------------------------------------------------------------

def pack(path) -> tuple[str, bytes]:
    """``(kind, payload)``: ``file`` and its bytes, ``dir`` and a zip of the folder, or ``missing``."""
    path = Path(path)
    if path.is_dir():
        return "dir", pack_folder(path)
    if path.is_file():
        size = path.stat().st_size
        if size > MAX_PACK_BYTES:
            raise PackError(f"{path.name} is {size >> 20} MiB: too large to send to the cluster "
                            f"(limit {MAX_PACK_BYTES >> 20} MiB)")
        return "file", path.read_bytes()
    return "missing", b""  # absent (or a dangling link, a fifo): the engine says so on the worker


def pack_folder(root: Path) -> bytes:
    """A zip of a submission folder: regular files and folders, symlinks as links (their target
    text, never what they point at); caches, VCS and virtual-env folders left out."""
    buf = io.BytesIO()
    n = total = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            keep = []
            for d in sorted(dirnames):
                p = here / d
                if d in SKIP_DIRS:
                    continue
                if p.is_symlink():
                    filenames.append(d)  # a link to a folder is sent as a link
                    continue
                keep.append(d)
                info = zipfile.ZipInfo(str(p.relative_to(root)) + "/")
                info.external_attr = (stat.S_IFDIR | 0o755) << 16
                zf.writestr(info, b"")
            dirnames[:] = keep
            for name in sorted(set(filenames)):
                p = here / name
                if name.endswith((".pyc", ".pyo")):
                    continue
                try:
                    st = p.lstat()
                except OSError:
                    continue
                rel = str(p.relative_to(root))
                n += 1
                if n > MAX_PACK_FILES:
                    raise PackError(f"{root.name} holds more than {MAX_PACK_FILES} files: too many to send to the "
                                    f"cluster (zip the student's homework folder instead)")
                if stat.S_ISLNK(st.st_mode):
                    info = zipfile.ZipInfo(rel)
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                    zf.writestr(info, os.readlink(p).encode("utf-8", "surrogateescape"))
                elif stat.S_ISREG(st.st_mode):
                    total += st.st_size
                    if total > MAX_PACK_BYTES:
                        raise PackError(f"{root.name} holds more than {MAX_PACK_BYTES >> 20} MiB: too large to send "
                                        f"to the cluster")
                    info = zipfile.ZipInfo(rel, time.localtime(st.st_mtime)[:6] if st.st_mtime >= 315532800
                                           else (1980, 1, 1, 0, 0, 0))
                    info.external_attr = (stat.S_IFREG | (st.st_mode & 0o777)) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with open(p, "rb") as fh:
                        zf.writestr(info, fh.read())
                # fifos, sockets, devices: not sent (the engine never reads them either)
    return buf.getvalue()


def unpack_folder(payload: bytes, dest: Path) -> None:
    """Recreate a packed folder under ``dest`` (which must not exist). Entries that would land
    outside it, or below a link, are refused."""
    dest.mkdir(mode=0o700)
    links: set[PurePosixPath] = set()
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        for info in zf.infolist():
            rel = PurePosixPath(info.filename.rstrip("/"))
            if not rel.parts or rel.is_absolute() or ".." in rel.parts or "\\" in info.filename:
                raise ValueError(f"packed entry {info.filename!r} points outside the submission")
            if any(PurePosixPath(*rel.parts[:i]) in links for i in range(1, len(rel.parts))):
                raise ValueError(f"packed entry {info.filename!r} lies below a symlink")
            target = dest.joinpath(*rel.parts)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                os.symlink(zf.read(info).decode("utf-8", "surrogateescape"), target)
                links.add(rel)
            elif info.is_dir() or stat.S_ISDIR(mode):
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, (mode & 0o777) or 0o644)
                with os.fdopen(fd, "wb") as fh, zf.open(info) as src:
                    shutil.copyfileobj(src, fh)
                mtime = time.mktime(info.date_time + (0, 0, -1))
                os.utime(target, (mtime, mtime))


# -- the worker side -------------------------------------------------------------------------------

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
        return (f"worker {worker} refused to grade: it was not started with --preload {__name__} (which makes "
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
        return f"{what} is not a grading task (only {__name__}.grade_remote runs here)"
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


# -- the client side -------------------------------------------------------------------------------

def parse_local(spec: str) -> int | None:
    """``local`` / ``local:N`` -> N (default: the CPU count // 2, at least 1); anything else: None."""
    m = re.fullmatch(r"local(?::(\d+))?", spec.strip())
    if not m:
        return None
    return max(1, int(m.group(1))) if m.group(1) else max(1, (os.cpu_count() or 2) // 2)


def require_namespaces(what: str) -> None:
    """Cluster grading only at the ``namespaces`` level: in the fallback levels student code has
    the host's network and could reach the cluster's ports (raise :class:`ClusterUnavailable`)."""
    from .sandbox import SandboxUnavailable, current_isolation

    try:
        level = current_isolation()
    except SandboxUnavailable as exc:
        raise ClusterUnavailable(f"{what}: the sandbox cannot start on this machine: {exc}") from None
    if not level.namespaced:
        raise ClusterUnavailable(
            f"{what} needs the namespaces isolation level, and this machine grades at {level.level!r} "
            f"({level.reason or 'no reason given'}): there, student code shares the host's network and could "
            f"reach the cluster's ports. Grade with --jobs instead, or where the grader runs as root with "
            f"unshare(2) allowed")


def start_local_cluster(n: int):
    """A ``distributed.LocalCluster`` of ``n`` worker processes, one thread each, on loopback,
    speaking mutual TLS with a key pair made for this cluster (``cluster.security``; pass it to
    a ``Client``, or hand the cluster itself to one). Needs the ``namespaces`` isolation level."""
    require_namespaces(f"--cluster local:{n}")
    import dask
    from distributed import LocalCluster
    from distributed.security import Security

    try:
        security = Security.temporary()  # keys in memory only: on no disk, in no argv or environment
    except ImportError as exc:
        raise ClusterUnavailable(f"--cluster local needs mutual TLS: {exc}") from None
    with dask.config.set(HTTP_ROUTES):  # the nannies hand this config to their workers
        return LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                            protocol="tls://", security=security, dashboard_address=None,
                            silence_logs=logging.ERROR,
                            # no dashboard; its HTTP endpoint on a free local port (no clash with other clusters)
                            scheduler_kwargs={"allowed_failures": ALLOWED_FAILURES,
                                              "dashboard_address": "127.0.0.1:0", "preload": [__name__]},
                            preload=[__name__], preload_nanny=[__name__])


class SchedulerTarget:
    """An existing scheduler and the ``distributed.security.Security`` to reach it with."""

    def __init__(self, address: str, security):
        self.address, self.security = address, security

    def __str__(self) -> str:
        return self.address


def _key_file_private(path: str) -> None:
    st = os.stat(path)
    if st.st_mode & 0o077:
        raise ClusterSecurityError(f"the private key {path} can be read by others (mode {oct(st.st_mode & 0o777)}): "
                                   f"chmod 600 it")


def scheduler_target(address: str, *, ca_file: str | None = None, cert: str | None = None, key: str | None = None,
                     unsafe_plain_tcp: bool = False, warn=None) -> SchedulerTarget:
    """Check an external scheduler's address and security (``course grade --scheduler``).

    ``tls://HOST:PORT``: needs the cluster's CA certificate and a client certificate and key,
    from the arguments or else Dask's config (``distributed.comm.tls.ca-file``,
    ``distributed.comm.tls.client.cert`` / ``.key``); the key must be private (no group or
    other permission). ``tcp://`` (or no scheme): refused unless ``unsafe_plain_tcp``, then
    with a warning on ``warn`` (stderr). Anything else: refused. Raises
    :class:`ClusterSecurityError`."""
    import dask
    from distributed.security import Security

    address = address.strip()
    scheme = address.split("://", 1)[0].lower() if "://" in address else "tcp"
    if scheme == "tcp":
        if not unsafe_plain_tcp:
            raise ClusterSecurityError(
                f"--scheduler {address}: plain TCP lets anyone who reaches the scheduler run code as root on the "
                f"workers, read the reference solutions and change every grade; use tls:// with a client "
                f"certificate (--tls-ca-file, --tls-cert, --tls-key; README: Grading on a cluster), or pass "
                f"--unsafe-plain-tcp on a network no one else can reach")
        print(f"WARNING: --unsafe-plain-tcp: {address} accepts tasks from anyone who can reach it; they run as root "
              f"on the workers, can read the reference solutions and can change every grade of this batch",
              file=warn or sys.stderr, flush=True)
        return SchedulerTarget(address, Security(require_encryption=False))
    if scheme != "tls":
        raise ClusterSecurityError(f"--scheduler {address}: expected tls://HOST:PORT")
    ca_file = ca_file or dask.config.get("distributed.comm.tls.ca-file", None)
    cert = cert or dask.config.get("distributed.comm.tls.client.cert", None)
    key = key or dask.config.get("distributed.comm.tls.client.key", None)
    missing = [n for n, v in (("--tls-ca-file", ca_file), ("--tls-cert", cert)) if not v]
    if missing:
        raise ClusterSecurityError(
            f"--scheduler {address}: mutual TLS needs the cluster's CA certificate and a client certificate and "
            f"key: pass {', '.join(missing)} (and --tls-key unless the certificate file holds the key), or set "
            f"distributed.comm.tls.ca-file / client.cert / client.key in Dask's config")
    for opt, path in (("--tls-ca-file", ca_file), ("--tls-cert", cert), ("--tls-key", key)):
        if path and not os.access(path, os.R_OK):
            raise ClusterSecurityError(f"{opt} {path}: cannot be read")
    _key_file_private(key or cert)
    try:
        security = Security(tls_ca_file=ca_file, tls_client_cert=cert, tls_client_key=key, require_encryption=True)
        security.get_connection_args("client")  # loads them: a bad file is a usage error here, not later
    except Exception as exc:  # noqa: BLE001 - ssl.SSLError, ValueError ...
        raise ClusterSecurityError(f"--scheduler {address}: the TLS files cannot be used: {exc}") from None
    return SchedulerTarget(address, security)


class _Connection:
    def __init__(self, target):
        from distributed import Client

        self.cluster = self.client = None
        self.own_client = True
        if isinstance(target, Client):
            address = getattr(target.scheduler, "address", "") or ""
            if not address.startswith("tls://"):
                raise ClusterSecurityError(f"a Client connected to {address or 'an unknown address'}: cluster grading "
                                           f"needs a scheduler that speaks tls:// (see scheduler_target)")
            self.client, self.own_client = target, False
        else:
            n = parse_local(str(target))
            if n is None and not isinstance(target, SchedulerTarget):
                target = scheduler_target(str(target))  # the same policy as --scheduler
            try:
                if n is not None:
                    self.cluster = start_local_cluster(n)
                    self.client = Client(self.cluster, security=self.cluster.security)
                else:  # waits distributed.comm.timeouts.connect (30 s)
                    self.client = Client(target.address, security=target.security)
            except (OSError, TimeoutError, ValueError) as exc:
                self.close()
                what = f"a local cluster of {n} workers" if n is not None else f"the Dask scheduler at {target}"
                raise ClusterUnavailable(f"cannot reach {what}: {exc}") from None
            if n is None:
                try:
                    allowed = self.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures)
                except Exception:  # noqa: BLE001
                    allowed = None
                if allowed is not None and allowed != ALLOWED_FAILURES:
                    print(f"note: this scheduler runs a submission whose worker died up to {allowed} more times "
                          f"(distributed.scheduler.allowed-failures); the course's policy is {ALLOWED_FAILURES}: "
                          f"start it with DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES={ALLOWED_FAILURES}",
                          file=sys.stderr)

    def threads(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001
            return 1

    def close(self):
        if self.own_client and self.client is not None:
            try:
                self.client.close(timeout=10)
            except Exception:  # noqa: BLE001
                pass
        if self.cluster is not None:
            try:
                self.cluster.close(timeout=20)
            except Exception:  # noqa: BLE001
                pass


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

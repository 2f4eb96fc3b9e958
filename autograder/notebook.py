"""What the graded cells of a homework notebook call: ``grade_cell(hw, target)``.

A graded (nbgrader) cell of a master notebook reads::

    from autograder.notebook import grade_cell
    grade_cell(HOMEWORK, TARGET)   # TARGET: a check id ("<hw>.<check>"), a part ("2.1") or an id prefix

``grade_cell`` grades the student's *current* ``starter/<hw>/`` files (found next to the
notebook) with the grading engine, in a separate grader process: the kernel that runs
the student's notebook never imports the hidden suite or the reference code, and the
student's code runs, as always, in the engine's sandbox. The grader process is started
by the first graded cell and kept for the kernel's life (``_Server``; one notebook is one
student's, so its sandbox id and fork server are too): later cells skip the interpreter
start and the heavy imports. If it fails, the cell is graded by a fresh grader
(``NNCOURSE_CELL_SERVER=0``: always a fresh grader per cell). It prints one readable line
per check and raises ``AssertionError`` when any check does not pass, which is how
nbgrader awards 0 for the cell. Anything the student's code writes to stderr (torch
warnings, deprecation notices) never fails a cell: only the checks' verdicts count.

Hidden checks: the feedback a student sees for a hidden check is its verdict, its
description and the student's own error (or the name of a recognised mistake), never
the hidden inputs, the expected values or the grader's code. The traceback nbgrader
records for a failed cell is a single line (no cell source), so the hidden-test cell's
code does not reach the feedback either.

Under ``nbgrader autograde`` (``NBGRADER_EXECUTION=autograde``) the course's
``nbgrader_config.py`` names the trusted grader (``NNCOURSE_GRADER_ROOT``) and
pre-imports this module from it; if the module in use is not the trusted one (a
submission that ships its own ``autograder/``), every graded cell fails closed.

One grading per notebook, not per cell: in the course's sandboxed kernel (the default of
``course release``) a graded cell grades nothing (``ENGINE_SCORES_ENV``: measured under 0.3 s
per cell, lenet's 28 cells included) and ``Course.autograde`` grades the files once, after the
notebook ran. Without that kernel (``NNCOURSE_NB_SANDBOX=0``) each cell still grades its own
checks through the kernel's server (0.3-0.5 s a cell at a load of 10, plus the checks' own
work): results are not cached from a first cell for the later ones, because a cell between two
graded cells may rewrite a file the checks read (a student's own code, or a save cell outside
autograding), and each verdict must be about the files as they are when its cell runs.
"""
from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["grade_cell", "cell_result", "GradeCellFailed", "find_tree", "format_results"]

ROOT = Path(__file__).resolve().parents[1]  # the tree holding this autograder/ (repo or release)
TRUSTED_ENV = "NNCOURSE_GRADER_ROOT"
ENGINE_SCORES_ENV = "NNCOURSE_SCORES_BY_ENGINE"  # set by the sandboxed kernel (instructor/kernel_sandbox.py)
AUTOGRADING = "autograde"
STATUS_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT", "skipped": "SKIP"}


class GradeCellFailed(AssertionError):
    """Raised by a graded cell that did not earn its points; prints as one short line."""

    def _render_traceback_(self):  # IPython: show this instead of a traceback with the cell's source
        return [f"AssertionError: {self}"]


def _autograding() -> bool:
    return os.environ.get("NBGRADER_EXECUTION") == AUTOGRADING


def find_tree(hw: str, start: Path | None = None) -> Path | None:
    """The student's ``starter/<hw>/`` folder: next to the notebook or in a parent folder."""
    here = Path(start or os.getcwd()).resolve()
    for d in (here, *here.parents):
        cand = d / "starter" / hw
        if cand.is_dir():
            return cand
    return None


def hidden_message(check: dict) -> str:
    """What a student is told about a hidden check: grader-written words only (no inputs, no values)."""
    if check["status"] == "passed":
        return ""
    if "safe_message" in check:  # the engine's student-safe summary (CheckResult.feedback())
        return check["safe_message"] or check["status"]
    return "does not match the reference on the hidden inputs"


def format_results(result: dict, *, show_hidden_details: bool = False) -> str:
    lines = []
    for c in result.get("checks", []):
        mark = STATUS_MARK.get(c["status"], c["status"].upper())
        vis = " (hidden)" if c.get("hidden") else ""
        lines.append(f"[{mark}] {c['id']}{vis}: {c['score']:g}/{c['points']:g}  {c.get('description', '')}".rstrip())
        msg = c.get("message", "") if (show_hidden_details or not c.get("hidden")) else hidden_message(c)
        if msg and c["status"] != "passed":
            lines.extend("      " + line for line in msg.splitlines())
        elif msg and not c.get("hidden"):  # notes (e.g. a measured accuracy) of passed public checks
            lines.extend("      " + line for line in msg.splitlines())
    if result.get("error"):
        lines.append("note: " + result["error"].replace("\n", "\n      "))
    return "\n".join(lines)


# rfc3987_syntax (pulled in by nbformat -> jsonschema, via autograder.build) spends seconds building
# a grammar at import; the grader never validates IRIs, so it is kept out of the grader process
_BOOT = "import sys; sys.modules.setdefault('rfc3987_syntax', None); sys.path.insert(0, sys.argv[1]); "


def _grader_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JPY_", "JUPYTER_"))}
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _run_grader(hw: str, target: str, tree: Path, root: Path, timeout: float | None) -> dict:
    """Grade in a fresh interpreter rooted at ``root`` (the kernel never imports the suites)."""
    with tempfile.TemporaryDirectory(prefix="nncourse-cell-") as tmp:
        out = Path(tmp) / "result.json"
        boot = _BOOT + "from autograder.notebook import _grade_to_file; _grade_to_file(*sys.argv[2:])"
        cmd = [sys.executable, "-P", "-c", boot, str(root), hw, target, str(tree), str(out)]
        proc = subprocess.run(cmd, cwd=str(root), env=_grader_env(), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        if not out.is_file():
            tail = (proc.stderr or "")[-1500:]
            raise GradeCellFailed(f"the grader could not run (exit status {proc.returncode})\n{tail}")
        return json.loads(out.read_text())


def _grade_dict(hw: str, target: str, tree: str, **engine) -> dict:
    """Grader-process side: grade ``target`` of ``hw`` on ``tree``; the student-safe result."""
    from autograder.engine import grade_submission, load_suite

    checks = load_suite(hw).checks(include_hidden=True)
    matched = [c for c in checks if c.id == target or c.id.startswith(target + ".") or c.part == target]
    d = grade_submission(hw, tree, only=[target], **engine).to_dict()
    d["matched"] = len(matched)
    for c in d["checks"]:  # the kernel is the student's process: it only ever gets student-safe text
        c.pop("log", None)
        if c.get("hidden"):
            c["message"] = hidden_message(c)
    return d


def _grade_to_file(hw: str, target: str, tree: str, out: str) -> None:
    """Grader-process side of ``_run_grader``: grade ``target`` and write the results as JSON."""
    import warnings

    warnings.simplefilter("ignore")
    Path(out).write_text(json.dumps(_grade_dict(hw, target, tree)))


def preload_for(preload, loaded) -> tuple[str, ...]:
    """What the kernel's fork server imports up front: the suite's ``preload`` (e.g. numpy, torch),
    less the libraries the notebook's kernel has not imported (``loaded``: its top-level module
    names; None: all). A notebook that never imports torch is graded by checks that do not run it,
    and its first graded cell then starts in well under a second instead of waiting seconds for
    torch; a check that does import something not preloaded imports it itself. The list comes from
    the student's kernel, so it can only drop names from the suite's own list, never add any."""
    if loaded is None:
        return tuple(preload)
    have = set(loaded) | {"numpy"}
    return tuple(m for m in preload if m.split(".")[0] in have)


def _serve(out_fd: str) -> None:
    """The grader server of one kernel (``_Server``): a request per line on stdin, a result per
    line on ``out_fd``. It keeps one sandbox id and, per homework, one fork server for all the
    kernel's cells: the notebook is one student's, so nothing is shared between students."""
    import warnings

    warnings.simplefilter("ignore")
    from autograder.engine import load_suite
    from autograder.engine.grade import zygote_enabled
    from autograder.engine.sandbox import UidLease, Zygote

    out = os.fdopen(int(out_fd), "w")
    sys.stdout = sys.stderr  # nothing else may reach the result channel
    lease, zygotes, preloaded = UidLease(), {}, {}
    try:
        for line in sys.stdin:
            req = json.loads(line)
            hw = req["hw"]
            want = preload_for(load_suite(hw).preload, req.get("loaded"))
            if hw in zygotes and not set(want) <= set(preloaded[hw]):  # the kernel has imported more since
                if zygotes[hw] is not None:
                    zygotes[hw].close()
                del zygotes[hw]
            if hw not in zygotes:
                zygotes[hw] = Zygote(want, lease.identity) if zygote_enabled() else None
                preloaded[hw] = want
            try:
                d = _grade_dict(hw, req["target"], req["tree"], zygote=zygotes[hw], identity=lease.identity)
            except Exception as exc:  # noqa: BLE001 - answer, so that the cell can report it
                d = {"server_error": f"{type(exc).__name__}: {exc}"}
            out.write(json.dumps(d) + "\n")
            out.flush()
    finally:
        for z in zygotes.values():
            if z is not None:
                z.close()
        lease.release()


class _ServerFailed(Exception):
    pass


class _ServerTimeout(_ServerFailed):
    pass


class _Server:
    """A grader process kept for the kernel's life (graded cells reuse it: no interpreter start,
    no torch import per cell). It is rooted at the trusted grader, like ``_run_grader``'s."""

    def __init__(self, root: Path):
        self.root = root
        self._err = tempfile.TemporaryFile()
        r, w = os.pipe()
        boot = _BOOT + "from autograder.notebook import _serve; _serve(sys.argv[2])"
        try:
            self.proc = subprocess.Popen([sys.executable, "-P", "-c", boot, str(root), str(w)], cwd=str(root),
                                         env=_grader_env(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                         stderr=self._err, pass_fds=(w,), text=True)
        finally:
            os.close(w)
        self._out = os.fdopen(r, "rb")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def request(self, hw: str, target: str, tree: Path, timeout: float | None) -> dict:
        import select

        try:
            loaded = sorted({m.split(".")[0] for m in list(sys.modules)})
            self.proc.stdin.write(json.dumps({"hw": hw, "target": target, "tree": str(tree), "loaded": loaded}) + "\n")
            self.proc.stdin.flush()
        except OSError as exc:
            raise _ServerFailed(f"could not reach the grader: {exc}") from None
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = 1.0 if end is None else min(1.0, end - time.monotonic())
            if wait <= 0:
                raise _ServerTimeout(f"the grader did not answer within {timeout:g} s")
            if select.select([self._out], [], [], wait)[0]:
                line = self._out.readline()
                if not line:
                    raise _ServerFailed(self._died())
                d = json.loads(line)
                if "server_error" in d:
                    raise _ServerFailed(d["server_error"])
                return d
            if not self.alive():
                raise _ServerFailed(self._died())

    def _died(self) -> str:
        self._err.seek(0)
        tail = self._err.read().decode(errors="replace")[-1500:]
        return f"the grader stopped (exit status {self.proc.poll()})\n{tail}"

    def close(self) -> None:
        try:
            self.proc.stdin.close()  # the server closes its fork servers and exits
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.proc.kill()
            self.proc.wait()
        self._out.close()
        self._err.close()


_SERVER: _Server | None = None


def _close_server() -> None:
    global _SERVER
    if _SERVER is not None:
        _SERVER.close()
        _SERVER = None


atexit.register(_close_server)  # the kernel's end closes its grader (and the grader its fork servers)


def _grade(hw: str, target: str, tree: Path, root: Path, timeout: float | None) -> dict:
    """Through the kernel's grader server (``NNCOURSE_CELL_SERVER=0``: a fresh grader per cell);
    if the server fails, this cell is graded by a fresh grader and the next cell starts a new server."""
    global _SERVER
    if os.environ.get("NNCOURSE_CELL_SERVER", "1") != "0":
        try:
            if _SERVER is None or not _SERVER.alive() or _SERVER.root != root:
                _close_server()
                _SERVER = _Server(root)
            return _SERVER.request(hw, target, tree, timeout)
        except _ServerTimeout as exc:
            _close_server()
            raise GradeCellFailed(str(exc)) from None
        except _ServerFailed:
            _close_server()
        except BaseException:  # an interrupt (nbgrader's cell timeout): the server's state is unknown
            _close_server()
            raise
    return _run_grader(hw, target, tree, root, timeout)


def cell_result(hw: str, target: str, *, timeout: float | None = None) -> dict:
    """Grade ``target`` of ``hw`` on the current starter tree; the result as a dict (no printing)."""
    if _autograding():
        trusted = os.environ.get(TRUSTED_ENV)
        if not trusted or Path(trusted).resolve() != ROOT:
            raise GradeCellFailed(
                f"refusing to grade: the grader in use ({ROOT}) is not the course's trusted grader "
                f"({trusted or 'unset'}); was autograder/ replaced in the submission?"
            )
    tree = find_tree(hw)
    if tree is None:
        raise GradeCellFailed(f"no starter/{hw}/ folder next to this notebook: keep the notebook in the homework "
                              f"folder you were given")
    return _grade(hw, target, tree, ROOT, timeout)


def _points_line(result: dict) -> str:
    """"3/4 points", with the extra credit apart ("2/2 points of extra credit"): extra-credit parts
    count in a student's total, never in the maximum (``SubmissionResult.extra_credit``)."""
    score, max_score = result.get("score", 0.0), result.get("max_score", 0.0)
    extra, extra_max = result.get("extra_credit", 0.0) or 0.0, result.get("extra_credit_max", 0.0) or 0.0
    parts = [f"{score:g}/{max_score:g} points"] if max_score or not extra_max else []
    if extra_max:
        parts.append(f"{extra:g}/{extra_max:g} points of extra credit")
    return " and ".join(parts)


def grade_cell(hw: str, target: str, *, timeout: float | None = None) -> None:
    """Grade one check (an id such as ``"<hw>.<name>"``) or one part (``"2.1"``) of ``hw``.

    Prints a line per check and raises ``AssertionError`` unless every check passed.
    """
    if os.environ.get(ENGINE_SCORES_ENV) == "1":
        # the sandboxed kernel of ``nbgrader autograde``: this kernel runs the student's code and
        # decides nothing; the engine grades the files afterwards (``course``'s gradebook sync).
        # Fail closed: without that sync the cell is worth 0, never full marks.
        raise GradeCellFailed(f"{target}: scored by the course's grading engine after the notebook ran "
                              f"(the feedback shows its result)")
    start = time.monotonic()
    result = cell_result(hw, target, timeout=timeout)
    if not result.get("matched"):
        if _autograding():
            raise GradeCellFailed(f"no check matches {target!r} in homework {hw!r}")
        print(f"{target}: graded when your instructor runs the autograder (not part of your copy of the checks).")
        return None
    print(format_results(result))
    print(f"{target}: {_points_line(result)} ({time.monotonic() - start:.1f} s)")
    bad = [c["id"] for c in result["checks"] if c["status"] != "passed"]
    if bad:
        raise GradeCellFailed(f"{len(bad)} of {len(result['checks'])} check(s) did not pass: {', '.join(bad)}")
    return None


def _main(argv=None) -> int:  # python -m autograder.notebook HW TARGET: grade from a terminal
    import argparse

    p = argparse.ArgumentParser(prog="python -m autograder.notebook", description=grade_cell.__doc__)
    p.add_argument("homework")
    p.add_argument("target")
    args = p.parse_args(argv)
    try:
        grade_cell(args.homework, args.target)
    except AssertionError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main())

"""An nbgrader course directory driven by the project: config, submissions, autograde, feedback.

Layout (nbgrader's own)::

    <course>/nbgrader_config.py   static; reads course.json
    <course>/course.json          released homeworks: files students edit, cell time limits
    <course>/source/<hw>/         master notebooks + starter package + public checks + DATA.md
    <course>/release/<hw>/        what students get (nbgrader generate_assignment)
    <course>/submitted/<student>/<hw>/, autograded/..., feedback/...
    <course>/gradebook.db

``nbgrader autograde`` runs the notebooks in ``autograded/<student>/<hw>/``. Before that,
nbgrader copies every non-notebook file of ``source/<hw>/`` over the submission except
the files in ``Autograde.exclude_overwriting``: the student's edited ``starter/<hw>``
modules are kept, the provided files and the shipped ``autograder/`` are restored. The
kernel pre-imports ``autograder.notebook`` from the trusted grader (this repository),
named in ``NNCOURSE_GRADER_ROOT``, so a submission cannot swap in its own grader.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..build import REPO

COURSE_ID = "nncourse"
CELL_GRACE_S = 60  # grader start-up and submission preparation, on top of the checks' own limits
MIN_CELL_TIMEOUT_S = 120
CLASS_GROUP = 16  # students per nbgrader run when Course.autograde grades a class

CONFIG = '''\
"""nbgrader configuration of the course (written by `course release`; settings live in course.json)."""
import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader
HERE = Path(__file__).resolve().parent
STATE = json.loads((HERE / "course.json").read_text())
HOMEWORKS = STATE.get("homeworks", {})

c.CourseDirectory.root = str(HERE)
c.CourseDirectory.course_id = STATE["course_id"]
c.CourseDirectory.db_url = "sqlite:///" + str(HERE / "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "data"]

# students edit these .py files: keep theirs when autograding (provided files are restored)
c.Autograde.exclude_overwriting = {hw: v["exclude_overwriting"] for hw, v in HOMEWORKS.items()}

# per-cell limit: a graded cell runs its checks, each with its own limit inside the engine
c.Execute.timeout = max([int(v["cell_timeout"]) for v in HOMEWORKS.values()] or [{min_timeout}])
c.Execute.interrupt_on_timeout = True
# the kernel imports the grader from the trusted tree, not from the submission's folder
GRADER_ROOT = STATE["grader_root"]
os.environ["NNCOURSE_GRADER_ROOT"] = GRADER_ROOT
BOOT = ("import sys as _s; _s.path.insert(0, %r); import autograder.notebook; "
        "_s.path.remove(%r); del _s" % (GRADER_ROOT, GRADER_ROOT))
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.exec_lines=" + BOOT]
# a started kernel counts as settled after 0.02 s without start-up messages, not jupyter_client's
# 0.2 s (a notebook's start, every notebook of every student: instructor/kernel_client.py)
import sys  # noqa: E402

if GRADER_ROOT not in sys.path:
    sys.path.append(GRADER_ROOT)
c.AsyncKernelManager.client_class = "autograder.instructor.kernel_client.PromptClient"

# students' notebooks run in the course's sandboxed kernel (instructor/kernel_sandbox.py: the
# student's own uid, namespaces without the checkout, the gradebook or other students); its graded
# cells fail closed and `course`'s gradebook sync (Course.autograde) writes the engine's scores
KERNELS = HERE / "kernels"
if (KERNELS / "kernels" / "nncourse-sandboxed" / "kernel.json").is_file() and os.environ.get("NNCOURSE_NB_SANDBOX", "1") != "0":
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(KERNELS)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    c.Execute.kernel_name = "nncourse-sandboxed"

# A notebook without autograder tests (provided plots and written answers graded by hand, say)
# is not run again: running it grades nothing, and the scores come from the engine anyway. Its outputs
# are still cleared (nothing the student made up reaches the gradebook's view); its answers are kept.
# Saves a kernel and the notebook's cells per student (4 of 13 s for one homework of four notebooks).
from nbgrader.converters import Autograde  # noqa: E402
from nbgrader.preprocessors import Execute  # noqa: E402

UNTESTED = {(hw, nb) for hw, v in HOMEWORKS.items() for nb in v.get("notebooks_without_tests", [])}


class ExecuteTested(Execute):
    """nbgrader's Execute, except for the notebooks in ``UNTESTED`` (left as they are)."""

    def preprocess(self, nb, resources=None, *args, **kwargs):
        who = (resources or {}).get("nbgrader", {})
        if (who.get("assignment"), who.get("notebook")) in UNTESTED:
            self.log.info("%s has no autograder tests: not executed", who.get("notebook"))
            return nb, resources
        return super().preprocess(nb, resources, *args, **kwargs)


c.Autograde.autograde_preprocessors = [ExecuteTested if p is Execute else p
                                       for p in Autograde.class_traits()["autograde_preprocessors"].default()]

# feedback: hidden-test regions are removed from the cells students get back
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
c.ClearHiddenTests.enforce_metadata = False

# Test cells with hidden tests reach students without them, so autograde always finds their checksum
# "changed" and restores the source (that is how hidden tests come back). nbgrader logs a warning
# for each, which reads as tampering: say nothing for those cells; every other change is still reported.
from nbgrader.preprocessors import OverwriteCells  # noqa: E402

HIDDEN_CELLS = {gid for v in HOMEWORKS.values() for gid in v.get("hidden_cells", [])}
if not getattr(OverwriteCells.report_change, "_nncourse", False):
    _report_change = OverwriteCells.report_change

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and name in HIDDEN_CELLS:
            self.log.debug("hidden tests of %s restored", name)
            return
        _report_change(self, name, attr, old, new)

    report_change._nncourse = True
    OverwriteCells.report_change = report_change
'''.replace("{min_timeout}", str(MIN_CELL_TIMEOUT_S))


def _probed_isolation() -> dict:
    """``{PROBED_ENV: "namespaces"}`` when this process has found that its sandbox has namespaces
    (``autograde`` detects the level first), so that nbgrader's sandboxed kernels
    (``kernel_sandbox``) skip their own probe; else ``{}``. Starts no probe itself."""
    from autograder.engine.sandbox.isolation import PROBED_ENV, known

    level = known()
    return {PROBED_ENV: "namespaces"} if level is not None and level.namespaced else {}


class NbgraderError(RuntimeError):
    pass


@dataclass
class NotebookScore:
    student: str
    homework: str
    code_score: float
    max_code_score: float
    written_score: float
    max_written_score: float
    needs_manual_grade: bool


class Course:
    course_id = COURSE_ID  # nbgrader_sync reads it from the course it is handed

    def __init__(self, root: Path, grader_root: Path = REPO):
        self.root = Path(root).resolve()
        self.grader_root = Path(grader_root).resolve()
        self.logs: dict[str, str] = {}

    # -- configuration ---------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.root / "course.json"

    def state(self) -> dict:
        if self.state_path.is_file():
            return json.loads(self.state_path.read_text())
        return {"course_id": COURSE_ID, "grader_root": str(self.grader_root), "homeworks": {}}

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        st = self.state()
        st["grader_root"] = str(self.grader_root)
        self.state_path.write_text(json.dumps(st, indent=1, sort_keys=True) + "\n")
        (self.root / "nbgrader_config.py").write_text(CONFIG)
        from .kernel_sandbox import write_kernel_spec

        write_kernel_spec(self.root)

    def register(self, hw: str, *, exclude_overwriting: list[str], cell_timeout: float,
                 hidden_cells: list[str] = (), notebooks_without_tests: list[str] = ()) -> None:
        st = self.state()
        st["homeworks"][hw] = {"exclude_overwriting": sorted(exclude_overwriting),
                               "cell_timeout": int(max(MIN_CELL_TIMEOUT_S, cell_timeout + CELL_GRACE_S)),
                               "hidden_cells": sorted(hidden_cells),
                               "notebooks_without_tests": sorted(notebooks_without_tests)}
        self.state_path.write_text(json.dumps(st, indent=1, sort_keys=True) + "\n")

    # -- running nbgrader ------------------------------------------------------------
    def _new_gradebook(self) -> None:
        """Make the course's empty gradebook the way nbgrader's ``Gradebook`` does (its tables, the
        course, and the schema version stamped), but learn that version from alembic in this process:
        nbgrader asks a child ``alembic heads`` (2-3 s, once per new course). Left to nbgrader if
        anything here fails."""
        db = self.root / "gradebook.db"
        if db.exists():
            return
        try:
            import nbgrader
            import nbgrader.api as api
            from alembic.config import Config
            from alembic.script import ScriptDirectory

            cfg = Config()
            cfg.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
            head = ScriptDirectory.from_config(cfg).get_current_head()
            if not head:
                return
            ask = api.get_alembic_version
            api.get_alembic_version = lambda: head
            try:
                with api.Gradebook(f"sqlite:///{db}", COURSE_ID):
                    pass
            finally:
                api.get_alembic_version = ask
        except Exception:  # noqa: BLE001 - nbgrader makes the gradebook itself
            db.unlink(missing_ok=True)

    def nbgrader(self, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
        # nbgrader's own entry point; rfc3987_syntax (imported by jsonschema's format checkers, unused for
        # notebooks) spends seconds building a grammar at start-up, so it is kept out of the process
        self._new_gradebook()
        cmd = [sys.executable, "-c", "import sys; sys.modules.setdefault('rfc3987_syntax', None); "
               "from nbgrader.apps.nbgraderapp import main; sys.exit(main())"]
        env = dict(os.environ)
        env.setdefault("MPLBACKEND", "Agg")
        env.pop("NBGRADER_EXECUTION", None)
        env.update(_probed_isolation())
        # a course config that fails to load stops nbgrader: traitlets would log it and go on with
        # nbgrader's defaults (students' notebooks in the plain python3 kernel, unsandboxed)
        env["TRAITLETS_APPLICATION_RAISE_CONFIG_FILE_ERROR"] = "1"
        # nbgrader runs `alembic` (and kernels run `python`) from PATH: put this interpreter's bin first
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        proc = subprocess.run(cmd + list(args), cwd=str(self.root), env=env, capture_output=True, text=True,
                              timeout=timeout)
        self.logs[args[0] if args else ""] = proc.stdout + proc.stderr  # the last run of each nbgrader command
        if proc.returncode != 0:
            # nbgrader's warnings, errors and tracebacks; its INFO lines (a line per file copied) bury them
            said = [ln for ln in (proc.stdout + proc.stderr).splitlines() if not re.match(r"\[\w+ \| INFO\]", ln)]
            tail = "\n".join(said)[-4000:]
            raise NbgraderError(f"nbgrader {' '.join(args)} failed (status {proc.returncode}):\n{tail}")
        return proc

    def generate_assignment(self, hw: str) -> None:
        self.nbgrader("generate_assignment", hw, "--force")

    def submit(self, hw: str, student: str, tree: Path, timestamp: str | None = None) -> Path:
        """Place a student's folder (notebooks + starter/<hw>/ ...) as nbgrader's submission."""
        dest = self.root / "submitted" / student / hw
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(tree, dest, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (dest / "timestamp.txt").write_text(timestamp or time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
        return dest

    def autograde(self, hw: str, student: str | None = None, timeout: float | None = None) -> float:
        """Run ``nbgrader autograde`` and write the engine's scores into the gradebook
        (``nbgrader_sync``); return the wall time. A malformed notebook costs its student, never
        the class: failures land in ``self.failures``.

        One student: one ``nbgrader autograde --student`` run. The whole class (no ``student``):
        one nbgrader run per group of up to ``CLASS_GROUP`` students (nbgrader's start-up once per
        group, not once per student; each group's scores are in the gradebook before the next
        starts), and each student nbgrader did not reach, because it stopped early (a database
        error, its time limit), runs again alone. ``timeout``: seconds per student."""
        from autograder.engine.sandbox import SandboxUnavailable, current_isolation

        start = time.monotonic()
        students = [student] if student else sorted(p.name for p in (self.root / "submitted").iterdir()
                                                    if (p / hw).is_dir())
        try:
            current_isolation()  # the engine's level, detected once here: the kernels need not probe it
        except SandboxUnavailable:
            pass  # the engine reports it for each student (grade_handed_in, sync_scores)
        self.failures: dict[str, str] = getattr(self, "failures", {})
        alone = [s for s in students if "," in s]  # nbgrader's list of students to leave out splits at commas
        grouped = [s for s in students if s not in alone]
        for at in range(0, len(grouped), CLASS_GROUP):
            group = grouped[at:at + CLASS_GROUP]
            if len(group) > 1:
                self._autograde_class(hw, group, [s for s in students if s not in group], timeout)
            else:
                alone += group
        for s in alone:
            self._autograde_student(hw, s, timeout)
        return time.monotonic() - start

    def _beside_engine(self, hw: str, students: list[str], args: list[str], timeout: float | None):
        """``nbgrader autograde ARGS`` (a kernel, one CPU) while the engine grades the students'
        handed-in files (its sandbox, another CPU): it takes the longer of the two. Returns the
        engine's results and nbgrader's error (None when it succeeded)."""
        from .nbgrader_sync import grade_handed_in

        failed: list[BaseException] = []

        def run():
            try:
                self.nbgrader("autograde", hw, "--force", *args, timeout=timeout)
            except (NbgraderError, subprocess.TimeoutExpired) as exc:
                failed.append(exc)

        notebooks = threading.Thread(target=run, name=f"nbgrader-autograde-{hw}", daemon=True)
        notebooks.start()
        results = {s: grade_handed_in(self, hw, s) for s in students}
        notebooks.join()
        return results, (failed[0] if failed else None)

    def _sync(self, hw: str, student: str, result) -> None:
        from .nbgrader_sync import sync_scores

        for rep in sync_scores(self, hw, student, result=result):
            if rep.error:
                self.failures[student] = rep.error

    def _autograde_student(self, hw: str, student: str, timeout: float | None, result=None) -> None:
        if result is None:
            results, error = self._beside_engine(hw, [student], [f"--student={student}"], timeout)
            result = results[student]
        else:  # the engine has graded this student already
            try:
                self.nbgrader("autograde", hw, "--force", f"--student={student}", timeout=timeout)
                error = None
            except (NbgraderError, subprocess.TimeoutExpired) as exc:
                error = exc
        if error is not None:
            self.failures[student] = str(error)[-2000:]
            return
        self._sync(hw, student, result)

    def _autograde_class(self, hw: str, students: list[str], others: list[str], timeout: float | None) -> None:
        for s in students:  # so that what is there afterwards is what this run made
            shutil.rmtree(self.root / "autograded" / s / hw, ignore_errors=True)
        leave_out = [f"--CourseDirectory.student_id_exclude={','.join(others)}"] if others else []
        results, error = self._beside_engine(hw, students, leave_out,
                                             None if timeout is None else timeout * len(students))
        log = self.logs.get("autograde", "") if not isinstance(error, subprocess.TimeoutExpired) else ""
        failed = failed_students(log, hw)
        notebooks = [p.name for p in (self.root / "source" / hw).glob("*.ipynb")]
        for s in students:
            if s in failed:  # nbgrader went on with the others and removed this student's folder
                self.failures[s] = f"nbgrader autograde {hw} failed for student {s}:\n{failed[s][-1900:]}"
            elif all((self.root / "autograded" / s / hw / nb).is_file() for nb in notebooks):
                self._sync(hw, s, results[s])
            else:  # nbgrader stopped before this student (or during it): alone, with its own limit
                shutil.rmtree(self.root / "autograded" / s / hw, ignore_errors=True)
                self._autograde_student(hw, s, timeout, result=results[s])

    def generate_feedback(self, hw: str, student: str | None = None) -> list[Path]:
        args = ["generate_feedback", hw, "--force"]
        if student:
            args.append(f"--student={student}")
        self.nbgrader(*args)
        base = self.root / "feedback"
        return sorted(base.glob(f"{student or '*'}/{hw}/*.html"))

    def scores(self, hw: str) -> dict[str, NotebookScore]:
        from nbgrader.api import Gradebook

        out = {}
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}", COURSE_ID) as gb:
            for sub in gb.assignment_submissions(hw):
                out[sub.student_id] = NotebookScore(
                    student=sub.student_id, homework=hw,
                    code_score=round(float(sub.code_score), 6), max_code_score=round(float(sub.max_code_score), 6),
                    written_score=round(float(sub.written_score), 6),
                    max_written_score=round(float(sub.max_written_score), 6),
                    needs_manual_grade=bool(sub.needs_manual_grade),
                )
        return out

    def cell_grades(self, hw: str, student: str) -> dict[str, tuple[float | None, float]]:
        """grade_id -> (auto score, max score) of one submission."""
        from nbgrader.api import Gradebook

        out = {}
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}", COURSE_ID) as gb:
            sub = gb.find_submission(hw, student)
            for nb in sub.notebooks:
                for g in nb.grades:
                    out[g.name] = (g.auto_score, g.max_score)
        return out


def failed_students(log: str, hw: str) -> dict[str, str]:
    """student -> nbgrader's error for each student a class-wide ``nbgrader autograde`` names as
    failed (it goes on with the others): the log from that student's error line to the next
    line nbgrader starts anew."""
    lines = log.splitlines()
    named = re.compile(rf"There was an error processing assignment '{re.escape(hw)}' for student '(.+)'$")
    failed = {m.group(1): "" for ln in lines if (m := named.search(ln))}
    for s in failed:
        head = re.compile(rf"There was an error processing assignment: .*[/\\]{re.escape(s)}[/\\]{re.escape(hw)}$")
        at = next((i for i, ln in enumerate(lines) if head.search(ln)), None)
        if at is None:
            continue
        end = next((j for j in range(at + 1, len(lines))
                    if lines[j].startswith("[") and "error processing assignment" not in lines[j]
                    and "Traceback" not in lines[j]), len(lines))
        failed[s] = "\n".join(lines[at:end])
    return failed

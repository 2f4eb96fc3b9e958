"""Results as data. Writers live in ``writers.py``; nothing here prints."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

PASSED, FAILED, ERROR, TIMEOUT, SKIPPED = "passed", "failed", "error", "timeout", "skipped"


@dataclass
class CheckResult:
    id: str
    name: str
    part: str
    points: float
    score: float
    status: str
    message: str = ""
    duration: float = 0.0
    hidden: bool = False
    description: str = ""
    # What a student may see of a hidden check's outcome: grader-authored text only (no
    # inputs, values, shapes or anything the student's process printed or raised).
    safe_message: str = ""
    # Staff-only details (grader tracebacks); never shown to students.
    log: str = ""
    # The check's cases when it has some (``t.case``): dicts with ``name`` (grader-authored,
    # shown to students even for hidden checks), ``passed`` (bool), ``message`` (staff and
    # public checks), ``safe_message`` (what a student sees for a hidden check) and
    # ``status``. The score is ``points * passed / len(cases)``. Empty: all or nothing.
    cases: list = field(default_factory=list)
    # The limits that held for the check as a whole (``sandbox.budget.CheckBudget.in_force``:
    # memory and CPU of all its processes together, processes per uid, how they were enforced);
    # empty when the check started no sandbox.
    limits: dict = field(default_factory=dict)
    # Figures drawn by the grader for the feedback (``Context.figure``; ``engine.figures.record``):
    # dicts with ``title``, ``alt``, ``png`` (base64, at most 150 KB), ``width``, ``height``,
    # ``bytes`` and ``draw_seconds`` (staff only). Shown for hidden checks too: never a hidden input.
    figures: list = field(default_factory=list)

    @property
    def cases_passed(self) -> int:
        return sum(1 for c in self.cases if c.get("passed"))

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def feedback(self) -> str:
        """The message a student is shown: all of it for public checks, the safe part for hidden ones."""
        return self.safe_message if self.hidden else self.message


@dataclass
class SubmissionResult:
    homework: str
    submission: str
    checks: list[CheckResult] = field(default_factory=list)
    error: str = ""  # a problem with the submission as a whole (bad zip, missing files)
    duration: float = 0.0
    # how the student's code was isolated (sandbox.isolation levels: namespaces / uid / process)
    isolation: str = ""
    # False when the grader itself failed (its sandbox could not start): not a score, regrade it
    graded: bool = True
    # the suite's extra-credit parts (``Suite.extra_credit``) when this was graded: their checks count
    # in ``extra_credit``, not in ``score`` / ``max_score`` (a record written before it existed: none)
    extra_credit_parts: list = field(default_factory=list)

    def is_extra(self, c: CheckResult) -> bool:
        return c.part in self.extra_credit_parts

    @property
    def score(self) -> float:
        """Points earned on the regular parts (extra credit apart: see ``total``)."""
        return round(sum(c.score for c in self.checks if not self.is_extra(c)), 6)

    @property
    def max_score(self) -> float:
        """The maximum: the regular parts' points; extra credit never counts in it."""
        return round(sum(c.points for c in self.checks if not self.is_extra(c)), 6)

    @property
    def extra_credit(self) -> float:
        """Points earned on the extra-credit parts."""
        return round(sum(c.score for c in self.checks if self.is_extra(c)), 6)

    @property
    def extra_credit_max(self) -> float:
        return round(sum(c.points for c in self.checks if self.is_extra(c)), 6)

    @property
    def total(self) -> float:
        """What the student gets: ``score`` plus the extra credit earned (may exceed ``max_score``)."""
        return round(self.score + self.extra_credit, 6)

    def by_part(self) -> dict[str, tuple[float, float]]:
        parts: dict[str, list[float]] = {}
        for c in self.checks:
            s = parts.setdefault(c.part, [0.0, 0.0])
            s[0] += c.score
            s[1] += c.points
        return {k: (round(v[0], 6), round(v[1], 6)) for k, v in parts.items()}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"], d["max_score"] = self.score, self.max_score
        d["extra_credit"], d["extra_credit_max"], d["total"] = self.extra_credit, self.extra_credit_max, self.total
        return d

    @classmethod
    def from_dict(cls, d: dict, *, extra_credit_parts=None) -> "SubmissionResult":
        """A result from ``to_dict``'s JSON. ``extra_credit_parts`` (the suite's, when given) wins over
        the record's own list: a record written before extra credit existed reads with today's."""
        known = set(CheckResult.__dataclass_fields__)
        # records written before a field existed (e.g. ``cases``) read with its default
        checks = [CheckResult(**{k: v for k, v in c.items() if k in known}) for c in d.get("checks", [])]
        ec = (d.get("extra_credit_parts") or []) if extra_credit_parts is None else extra_credit_parts
        return cls(d["homework"], d["submission"], checks, d.get("error", ""), d.get("duration", 0.0),
                   d.get("isolation", ""), d.get("graded", True), [str(p) for p in ec])

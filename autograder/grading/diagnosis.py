"""Misconception diagnosis: which catalogued mistake a failing answer looks like.

For a graded function that lost points, the function's catalogue mutants
(:mod:`autograder.grading.catalogue`) are run on the cases the student's function got, exactly as a
student's submission is run (:func:`autograder.kernel.harness.build_report`, the report through JSON),
and judged the way the student was judged. An entry is a *diagnosis* when

* on every failing case, the student's output passes the spec's judge with the entry's output in the
  reference's place (the one tolerance policy, :mod:`autograder.grading.compare`), and the entry's
  output fails against the reference (it is a mistake there, not a near miss);
* on every case the student passed, the entry passes too (else it is another mistake that happens to
  agree where the student failed).

No entry matches: no diagnosis, never a guess. Not diagnosed at all: functions judged against
fixed thresholds (trained models: ``reference_needed=False``), functions judged by statistical bounds
(their catalogue entries are ``diagnosable=False``, as are the trained functions'), a function whose failing cases all raised or reported nothing (a mistake that
only raises tells nothing about the formula; where some cases raised and others gave wrong values,
an entry must raise on the same cases), and catalogue entries marked ``diagnosable=False``.

Cost is bounded: only failing functions, only their catalogue entries (each run once on the run's cases
per process: every submission of a run gets the same cases, so later submissions reuse the outputs), and a
:class:`Budget` of seconds per submission (entries not reached when it runs out are not tried).

Both grading paths call :func:`diagnose` on the same data: plain nbgrader's in-kernel judge
(:mod:`autograder.grading.in_kernel`) and ``dlcourse grade``'s worker (:mod:`autograder.grading.scoring`).
The result travels as lines of the test cell's printout (:func:`line`), the same route as the case
messages, which the feedback page, the TA report and the viva records read back (:func:`parse_lines`).
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from autograder.grading import catalogue
from autograder.grading.cases import Spec
from autograder.kernel import reports
from autograder.kernel.harness import build_report
from autograder.kernel.runners import Case, encode_cases
from autograder.kernel.torch_grading import deterministic
from autograder.kernel.guards import quiet

#: Seconds of diagnosis per submission (both paths); entries not reached by then are not tried.
BUDGET_S = 20.0

#: ``  diagnosis [<entry id>]: <text>`` under a test cell's summary line.
_LINE = re.compile(r"^\s+diagnosis \[(?P<id>.+?)\]: (?P<text>your `.*)$")  # an id may hold "]"


@dataclass(frozen=True)
class Diagnosis:
    """One catalogued mistake that a function's failing outputs match."""

    entry: str          # catalogue id "<lab>.<function>:<name>"
    function: str
    description: str
    contradicts: str = ""

    @property
    def text(self) -> str:
        """What the student reads: ``your `rmsprop` behaves like a known mistake: … — see slides.txt:NNNN``."""
        out = f"your `{self.function}` behaves like a known mistake: {self.description}"
        return out + (f" — see {self.contradicts}" if self.contradicts else "")


class Budget:
    """Seconds of diagnosis one submission may spend (:data:`BUDGET_S` by default), counted over the
    diagnoses only (not the time the kernel spends on other cells in between); checked before each entry."""

    def __init__(self, seconds: float = BUDGET_S):
        self.seconds = seconds
        self.spent_s = 0.0


def diagnosable(spec: Spec) -> bool:
    """Whether ``spec``'s outputs are compared with the reference's (not a trained model judged against
    fixed tiers) and the catalogue has a diagnosable mistake of it (the entries of a function judged by
    statistical bounds are ``diagnosable=False`` in the catalogue)."""
    return spec.reference_needed and bool(candidates(spec))


def candidates(spec: Spec) -> list[catalogue.Entry]:
    """The catalogue mutants of ``spec``'s function that can be diagnosed, in catalogue order."""
    named = catalogue.mutants(spec.lab).get(spec.name, {})
    return [e for e in named.values() if e.diagnosable and catalogue.available(e)]


@functools.lru_cache(maxsize=512)
def _built(lab: str, function: str, name: str) -> Callable | None:
    entry = catalogue.mutants(lab)[function][name]
    try:
        with quiet():
            return catalogue.build(entry)
    except Exception:  # an entry that does not build is no diagnosis (the catalogue's tests catch it)
        return None


#: ``{(entry id, digest of the cases): the entry's report, as JSON data}``: the cases of one run are the
#: same for every submission, so a worker computes each entry's outputs on them once per run. Bounded
#: (oldest dropped first); each use decodes afresh, so no output object is shared between two judges.
_REPORTS: OrderedDict[tuple[str, str], dict] = OrderedDict()
_REPORTS_KEPT = 256


def _outputs(entry: catalogue.Entry, fn: Callable, spec: Spec, cases: list[Case], uses: dict) -> list[Any] | None:
    """The entry's outputs on ``cases`` as a kernel reports them (through the codec and JSON), :data:`RAISED`
    for a case that raised or could not be reported; ``None`` when no case ran at all."""
    key = (entry.id, hashlib.sha256(encode_cases({spec.qualname: cases})).hexdigest())
    payload = _REPORTS.get(key)
    if payload is None:
        payload = json.loads(json.dumps(build_report(fn, spec.qualname, cases, dict(uses), runner=spec.runner)))
        _REPORTS[key] = payload
        while len(_REPORTS) > _REPORTS_KEPT:
            _REPORTS.popitem(last=False)
    parsed = reports.parse(payload, spec.qualname)
    if parsed["not_implemented"] or len(parsed["cases"]) != len(cases):
        return None
    return [RAISED if error is not None or isinstance(value, reports.Unencodable) else value
            for _, value, error in parsed["cases"]]


def _passes(spec: Spec, got: Any, expected: Any, case: Case) -> bool:
    try:
        with quiet():
            verdict = spec.verdict(got, expected, case)
    except Exception:
        return False
    if isinstance(verdict, list):
        return all(message is None for _, message in verdict)
    return verdict is None


def _agrees(spec: Spec, case: Case, got: Any, expected: Any, passed: bool, out: Any) -> bool:
    """Whether an entry's output ``out`` on ``case`` agrees with the student's ``got`` (see :func:`diagnose`)."""
    if passed:
        return out is not RAISED and _passes(spec, out, expected, case)
    if got is RAISED or out is RAISED:
        return got is out
    return _passes(spec, got, out, case) and not _passes(spec, out, expected, case)


def diagnose(spec: Spec, outputs: list[tuple[Case, Any, Any, bool]], budget: Budget | None = None) -> list[Diagnosis]:
    """The catalogue mistakes of ``spec`` whose outputs match the student's (see the module doc).

    ``outputs``: ``(case, student's output, reference's output, passed)`` of every case, in case order
    (:func:`autograder.grading.judging.judge_report_payload` fills it); a case that raised or reported
    nothing has output :data:`RAISED`. An entry matches when, on every failing case, the student's
    output passes with the entry's in the reference's place and the entry's fails against the
    reference (or both raised), and on every case the student passed, the entry's passes too (a
    mistake that would have shown where the student's code did not is not the student's).
    Returns ``[]`` when nothing failed, when every failing case raised (a mistake that only raises says
    nothing about the formula), for an undiagnosable spec, and for no match.
    """
    failing = [(case, got, expected) for case, got, expected, passed in outputs if not passed]
    if all(got is RAISED for _, got, _ in failing) or not diagnosable(spec):  # nothing failed, or only raised
        return []
    budget = budget or Budget()
    cases = [case for case, _, _, _ in outputs]
    uses = spec.reference_uses()
    found = []
    started = time.monotonic()
    try:
        with deterministic():
            for entry in candidates(spec):
                if budget.spent_s + (time.monotonic() - started) >= budget.seconds:
                    break
                fn = _built(entry.lab, entry.function, entry.name)
                if fn is None:
                    continue
                mine = _outputs(entry, fn, spec, cases, uses)
                if mine is None:
                    continue
                if all(_agrees(spec, case, got, expected, passed, out) for (case, got, expected, passed), out
                       in zip(outputs, mine)):
                    found.append(Diagnosis(entry.id, entry.function, entry.description or entry.name,
                                           entry.contradicts))
    finally:
        budget.spent_s += time.monotonic() - started
    return found


class _Raised:
    def __repr__(self) -> str:
        return "RAISED"


#: The output of a failing case that raised, reported nothing, or could not be decoded.
RAISED = _Raised()


def line(diagnosis: Diagnosis) -> str:
    """The printout line of one diagnosis (read back by :func:`parse_lines`)."""
    return f"  diagnosis [{diagnosis.entry}]: {' '.join(diagnosis.text.split())}"


def parse_lines(text: str) -> list[tuple[str, str]]:
    """``[(entry id, text)]`` of the diagnosis lines in a test cell's printout."""
    return [(m["id"], m["text"]) for m in map(_LINE.match, text.splitlines()) if m]


def entry_for(entry_id: str) -> catalogue.Entry | None:
    """The catalogue mutant named ``"<lab>.<function>:<name>"`` (``None`` when it is not one)."""
    try:
        lab_function, name = entry_id.split(":", 1)
        lab, function = lab_function.split(".", 1)
        return catalogue.mutants(lab)[function][name]
    except (ValueError, KeyError, ModuleNotFoundError):
        return None


__all__ = ["BUDGET_S", "RAISED", "Budget", "Diagnosis", "diagnosable", "candidates", "diagnose",
           "line", "parse_lines", "entry_for"]

"""Choose a student's 5–8 viva questions from the bank, weighted towards what went wrong.

Per lab, a question ``about`` a graded function weighs::

    1  +  20 if it probes a diagnosed misconception  +  4 × (fraction of that function's points lost)
       +  3 if the function looks copied

(a misconception is diagnosed by :mod:`autograder.grading.diagnosis`; the catalogue entry names its
questions, which are taken first, in bank order, and listed first)

(doubled again for a *code-reading* question about a copied function: the student should explain the
code); a question about a topic weighs 1. Questions are drawn one at a time with probability
proportional to their weight, without replacement: first one question about each function that
lost points and each that looks copied (taking turns between the two kinds), while the lab's share
lasts, then from all the lab's questions. Once a question about some function or topic is drawn, the other questions about it weigh
half as much, so the viva covers several things. The
generator is seeded from the string ``"<student>/<lab>"`` with SHA-256 (not Python's ``hash()``, which
changes between runs), so the same gradebook and bank always give the same questions, and giving a lab
more questions only adds to the ones already drawn.

How many: 5, plus one for every two weak functions (lost points or looks copied) over the labs of the
sheet, at most 8 (and at most what the bank has). They are shared between the labs in proportion to
``1 + Σ (lost fraction + copied)`` over each lab's functions (largest remainders; ties to the later
lab), each lab getting at least one while there are enough.
"""
from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from typing import Optional

from autograder.viva.bank import Question, questions_for
from autograder.viva.records import LabRecord

MIN_QUESTIONS, MAX_QUESTIONS = 5, 8
LOST_WEIGHT, COPIED_WEIGHT, CODE_READING_FACTOR, REPEAT_FACTOR = 4.0, 3.0, 2.0, 0.5
#: Added to a question that probes a diagnosed misconception: more than any other weight can reach, so
#: such questions are drawn first and listed first.
DIAGNOSED_WEIGHT = 20.0


@dataclass(frozen=True)
class LabConcerns:
    """What the selection needs to know about one lab of a student."""

    lab: str
    lost: dict[str, float] = field(default_factory=dict)      # function -> fraction of its points lost
    copied: dict[str, str] = field(default_factory=dict)      # function -> why it looks copied
    diagnosed: dict[str, str] = field(default_factory=dict)   # viva question id -> the misconception it probes

    @classmethod
    def from_record(cls, record: LabRecord, copied: Optional[dict[str, str]] = None) -> "LabConcerns":
        return cls(record.lab, {f.name: f.lost for f in record.functions if f.lost > 0}, dict(copied or {}),
                   diagnosed_questions(record))

    @property
    def weak(self) -> set[str]:
        return set(self.lost) | set(self.copied)

    @property
    def weight(self) -> float:
        return 1.0 + sum(self.lost.values()) + len(self.copied)


@dataclass(frozen=True)
class Chosen:
    question: Question
    weight: float
    reasons: tuple[str, ...]


def diagnosed_questions(record: LabRecord) -> dict[str, str]:
    """``{viva question id: misconception}`` for the misconceptions diagnosed in ``record``
    (:mod:`autograder.grading.diagnosis`): the bank's questions about the diagnosed function, or the
    catalogue entry's own ``viva`` ids where it names some."""
    from autograder.grading.diagnosis import entry_for

    out: dict[str, str] = {}
    for function in record.functions:
        for entry_id, _ in function.diagnoses:
            entry = entry_for(entry_id)
            for question in probing_questions(entry) if entry else ():
                out.setdefault(question, f"diagnosed in {function.name}: {entry.description or entry.name}")
    return out


def probing_questions(entry) -> tuple[str, ...]:
    """The viva question ids that probe catalogue ``entry``'s mistake: its own ``viva`` ids, else the ids of
    the bank's questions ``about`` its function (bank order; none when the bank has no such question)."""
    if entry.viva:
        return tuple(entry.viva)
    return tuple(q.id for q in questions_for(entry.lab) if q.about == entry.function)


def seed_for(student: str, lab: str) -> int:
    """A stable 64-bit seed for ``(student, lab)``: SHA-256 of ``"<student>/<lab>"``."""
    return int.from_bytes(hashlib.sha256(f"{student}/{lab}".encode("utf-8")).digest()[:8], "big")


def weigh(question: Question, concerns: LabConcerns) -> tuple[float, tuple[str, ...]]:
    """A question's weight for this student and why."""
    weight, reasons = 1.0, []
    if question.id in concerns.diagnosed:
        weight += DIAGNOSED_WEIGHT
        reasons.append(concerns.diagnosed[question.id])
    lost = concerns.lost.get(question.about, 0.0)
    if lost > 0:
        weight += LOST_WEIGHT * lost
        reasons.append(f"lost {lost:.0%} of the points of {question.about}")
    if question.about in concerns.copied:
        weight += COPIED_WEIGHT
        if question.kind == "code-reading":
            weight *= CODE_READING_FACTOR
        reasons.append(f"{question.about} {concerns.copied[question.about]}")
    return weight, tuple(reasons)


def draw(student: str, concerns: LabConcerns, count: int, bank: Optional[list[Question]] = None) -> list[Chosen]:
    """``count`` questions of one lab, drawn by weight with the ``(student, lab)`` seed (see module doc)."""
    pool = list(questions_for(concerns.lab, bank=bank))
    weights = {q.id: weigh(q, concerns) for q in pool}
    current = {q.id: weights[q.id][0] for q in pool}
    rng = random.Random(seed_for(student, concerns.lab))
    chosen = []
    covered: set[str] = set()
    turn = 0
    for _ in range(min(count, len(pool))):
        # first the questions on diagnosed misconceptions; then one question about each weak function,
        # taking turns between the functions that lost points and those that look copied; then anything
        diagnosed = [q for q in pool if q.id in concerns.diagnosed]
        if diagnosed:
            pick = diagnosed[0]  # in bank order
            pool.remove(pick)
            covered.add(pick.about)
            chosen.append(Chosen(pick, weights[pick.id][0], weights[pick.id][1]))
            for q in pool:
                if q.about == pick.about:
                    current[q.id] *= REPEAT_FACTOR
            continue
        lost = [q for q in pool if q.about in concerns.lost and q.about not in covered]
        copied = [q for q in pool if q.about in concerns.copied and q.about not in concerns.lost
                  and q.about not in covered]
        tiers = [t for t in ((lost, copied) if turn % 2 == 0 else (copied, lost)) if t]
        candidates = tiers[0] if tiers else pool
        turn += 1
        total = sum(current[q.id] for q in candidates)
        target, acc = rng.random() * total, 0.0
        pick = candidates[-1]
        for q in candidates:  # in bank order: the walk is deterministic
            acc += current[q.id]
            if target < acc:
                pick = q
                break
        covered.add(pick.about)
        pool.remove(pick)
        chosen.append(Chosen(pick, weights[pick.id][0], weights[pick.id][1]))
        for q in pool:
            if q.about == pick.about:
                current[q.id] *= REPEAT_FACTOR
    return chosen


def how_many(concerns: list[LabConcerns], available: int) -> int:
    weak = sum(len(c.weak) for c in concerns)
    return min(MAX_QUESTIONS, MIN_QUESTIONS + math.ceil(weak / 2), available)


def allocate(concerns: list[LabConcerns], total: int, capacity: dict[str, int]) -> dict[str, int]:
    """Share ``total`` questions between the labs by weight (largest remainders), at most ``capacity``."""
    labs = [c.lab for c in concerns]
    out = {lab: 0 for lab in labs}
    if total <= 0 or not labs:
        return out
    if total >= len(labs):  # one each first
        for lab in labs:
            out[lab] = min(1, capacity[lab])
    weights = {c.lab: c.weight for c in concerns}
    while sum(out.values()) < total:
        open_labs = [lab for lab in labs if out[lab] < capacity[lab]]
        if not open_labs:
            break
        left = total - sum(out.values())
        wsum = sum(weights[lab] for lab in open_labs)
        shares = {lab: left * weights[lab] / wsum for lab in open_labs}
        floors = {lab: min(int(shares[lab]), capacity[lab] - out[lab]) for lab in open_labs}
        if sum(floors.values()) == 0:  # hand out one by largest remainder, ties to the later lab
            best = max(open_labs, key=lambda lab: (shares[lab] - int(shares[lab]), labs.index(lab)))
            out[best] += 1
        else:
            for lab in open_labs:
                out[lab] += floors[lab]
    return out


def choose(student: str, concerns: list[LabConcerns], bank: Optional[list[Question]] = None) -> list[Chosen]:
    """The student's questions over the labs of ``concerns`` (labs without questions in the bank get
    none), in lab order, the heaviest of each lab first."""
    capacity = {}
    for c in concerns:
        try:
            capacity[c.lab] = len(questions_for(c.lab, bank=bank))
        except KeyError:
            capacity[c.lab] = 0
    usable = [c for c in concerns if capacity[c.lab]]
    total = how_many(usable, sum(capacity.values()))
    counts = allocate(usable, total, capacity)
    out = []
    for c in usable:
        drawn = draw(student, c, counts[c.lab], bank=bank)
        order = {q.id: i for i, q in enumerate(questions_for(c.lab, bank=bank))}
        out.extend(sorted(drawn, key=lambda ch: (-ch.weight, order[ch.question.id])))
    return out

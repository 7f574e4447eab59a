"""The adversarial corpus (:mod:`tests.cohort.attacks`) graded by ``dlcourse grade`` in its sandbox.

One course holds the clean students (ada, ben, cam, dee) and every attacker; another holds the clean
students alone (the clean run). Both are graded with ``dlcourse grade --sandbox require`` on a
LocalCluster of two workers, while this process listens on a TCP and a UDP port of 127.0.0.1 that
the network attack aims at. Then, for the batch: every student has a grade; no attacker has a point
in any grade cell that cam (the honest half of every attacker) did not earn in the clean run; every
clean student's grades equal the clean run's; each attacker's graded notebook, feedback or TA record
says what was stopped; and nothing outside the attackers' working copies changed (other students'
files and gradebook rows, source/, files the attacks tried to write on the host, the listener).

Every hidden case of lab 1 draws its input from the run seed, outside the kernel
(tests/autograder/test_cases_vary.py), so no attacker may hold an answer made before the run.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder.cohort.gradebook import cell_scores, db_url
from tests.cohort.attacks import (DLCOURSE_FLAGS, Attack, Listener, corpus, exfil_paths, graded_notebook,
                                make_attack_course, outputs_text)
from tests.cohort.cohort import CLEAN, LAB, clean_fills, make_course
from tests.scratch import SHARED_CANARY

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("bulk_attacks")]
BIN = Path(sys.executable).parent
#: For the per-attack tests: names and expectations (the graded code gets the fixtures' port and token).
CORPUS = corpus()


@pytest.fixture(scope="module")
def listener():
    seen = Listener()
    yield seen
    seen.close()


@pytest.fixture(scope="module")
def token() -> str:
    return secrets.token_hex(4)


@pytest.fixture(scope="module")
def attacks(token, listener) -> list[Attack]:
    return corpus(token, listener.port)


def dlcourse(*args: str, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "dlcourse"), *args, "--course", str(root)], capture_output=True, text=True,
                          timeout=900, env=dict(os.environ, COLUMNS="250", OMP_NUM_THREADS="1"))


def grade(root: Path) -> str:
    """``dlcourse grade`` on course ``root``; its stdout. The workers' canary passes are the run's shared
    ones (tests/scratch.py): the clean and the attacked course are graded on the same environment."""
    proc = dlcourse("grade", LAB, *DLCOURSE_FLAGS, "--canary-cache", str(SHARED_CANARY), root=root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def fingerprint(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``folder`` (symlinks followed)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def protected(root: Path) -> dict[str, dict[str, str]]:
    """What no attacker may change: every submission, and the lab's source/ and release/ folders."""
    return {name: fingerprint((root / name).resolve()) for name in ("submitted", f"source/{LAB}", f"release/{LAB}")}


@dataclass
class Graded:
    """The attack course after ``dlcourse grade`` and ``dlcourse feedback``."""

    root: Path
    before: dict
    stdout: str
    feedback: dict[str, str]  # student -> feedback text as the student reads it
    feedback_log: str

    def record(self, student: str) -> dict:
        return json.loads((self.root / ".dlcourse" / f"{LAB}.json").read_text())[student]

    def notebook(self, student: str) -> nbformat.NotebookNode | None:
        return graded_notebook(self.root, student)


@dataclass
class CleanRun:
    """The clean students graded alone: their cell scores, and the files of ada's graded folder."""

    scores: dict[str, dict]
    ada_files: list[str]


def _graded_files(root: Path, student: str) -> list[str]:
    return sorted(p.name for p in (root / "autograded" / student / LAB).iterdir())


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> CleanRun:
    root = make_course(tmp_path_factory.mktemp("clean"), clean_fills())
    grade(root)
    return CleanRun({s: cell_scores(root, LAB, s) for s in CLEAN}, _graded_files(root, "ada"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory, attacks, listener) -> Graded:
    root = make_attack_course(tmp_path_factory.mktemp("attacked"), attacks)
    before = protected(root)
    stdout = grade(root)
    proc = dlcourse("feedback", LAB, root=root)
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-3000:]  # 1: some withheld
    pages = {p.parts[-3]: _page_text(p) for p in (root / "feedback").glob(f"*/{LAB}/*.html")}
    return Graded(root, before, stdout, pages, proc.stderr)


def _page_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(errors="replace")))


def phrases(attack) -> list[str]:
    """Every phrase of ``attack.stopped_by``, alternatives included."""
    return [q for p in attack.stopped_by for q in (p if isinstance(p, tuple) else (p,))]


def _ids(attacks):
    return [a.student for a in attacks]


# --------------------------------------------------------------------------- the corpus itself

def test_corpus_covers_the_issue(attacks):
    assert len(attacks) >= 22 and len(set(_ids(attacks))) == len(attacks)
    assert all(a.student.startswith("atk_") and a.stopped_by for a in attacks)
    assert sum(1 for a in attacks if a.edit) >= 4 and sum(1 for a in attacks if a.code) >= 18


def test_stopped_by_phrases_are_not_in_the_submissions(graded, attacks):
    """So only the grader can have written them."""
    for a in attacks:
        text = (graded.root / "submitted" / a.student / LAB / f"{LAB}.ipynb").read_text()
        typed = [p for p in phrases(a) if p in text]
        assert not typed, f"{a.student}: {typed} occur in its own submission"


# --------------------------------------------------------------------------- (a) the batch completed

def test_every_student_has_a_grade(graded, attacks):
    for student in CLEAN + _ids(attacks):
        assert cell_scores(graded.root, LAB, student), f"{student} has no grade"
        assert graded.record(student)["status"] in ("graded", "zero"), graded.record(student)
        assert student in graded.stdout, graded.stdout[-6000:]


# --------------------------------------------------------------------------- (b) no unearned point

@pytest.mark.parametrize("attack", CORPUS, ids=_ids(CORPUS))
def test_attacker_earns_no_point_cam_did_not(graded, clean_run, attack):
    """No point beyond cam's, in any cell."""
    honest = clean_run.scores["cam"]
    got = cell_scores(graded.root, LAB, attack.student)
    unearned = {cell: (score, honest[cell][0]) for cell, (score, _) in got.items() if score > honest[cell][0] + 1e-4}
    assert not unearned, f"{attack.student} ({attack.title}) got more than cam in {unearned} (attacker, cam)"


# --------------------------------------------------------------------------- (c) clean students

def test_clean_students_get_the_clean_runs_grades(graded, clean_run):
    for student in CLEAN:
        assert cell_scores(graded.root, LAB, student) == clean_run.scores[student], student
    ada = clean_run.scores["ada"]
    assert sum(v[0] for v in ada.values()) == sum(v[1] for v in ada.values()) > 0
    assert sum(v[0] for v in clean_run.scores["ben"].values()) == 0


# --------------------------------------------------------------------------- (d) what was stopped

@pytest.mark.parametrize("attack", CORPUS, ids=_ids(CORPUS))
def test_feedback_says_what_was_stopped(graded, attack):
    student = attack.student
    outputs = outputs_text(graded.notebook(student))
    said = "\n".join([outputs, graded.feedback.get(student, ""), *graded.record(student)["reasons"]])
    missing = [p for p in attack.stopped_by if not any(q in said for q in (p if isinstance(p, tuple) else (p,)))]
    assert not missing, f"{student}: nothing says {missing}"
    shown = [p for p in attack.must_not_show if p in outputs]
    assert not shown, f"{student}: the attack worked, it printed {shown}" + (f"; known gap: {attack.gap}"
                                                                             if attack.gap else "")


def test_feedback_is_written_or_withheld_with_a_reason(graded, attacks):
    """Every clean student gets feedback; an attacker too, unless ``dlcourse feedback`` withheld it (its
    own code looked like grading code) or nothing of it ran (the TA's record says why)."""
    for student in CLEAN:
        assert student in graded.feedback, f"no feedback for {student}: {graded.feedback_log[-1000:]}"
    for student in _ids(attacks):
        not_run = graded.record(student)["status"] == "zero" and graded.record(student)["reasons"]
        assert student in graded.feedback or f"/{student}/" in graded.feedback_log or not_run, student


# --------------------------------------------------------------------------- (e) nothing else touched

def test_files_outside_the_working_copies_are_untouched(graded, clean_run, token):
    assert protected(graded.root) == graded.before
    assert _graded_files(graded.root, "ada") == clean_run.ada_files
    written = [str(p) for p in exfil_paths(token) if p.exists()]
    assert not written, f"an attack wrote outside its working copy: {written}"


def test_no_gradebook_row_was_set_by_hand(graded):
    from nbgrader.api import Gradebook

    with Gradebook(db_url(graded.root)) as gb:
        manual = [(nb.student.id, g.name) for nb in gb.notebook_submissions(LAB, LAB) for g in nb.grades
                  if g.manual_score is not None]
    assert not manual, manual


def test_nothing_reached_the_graders_port(graded, listener):
    assert not listener.contacts, listener.contacts

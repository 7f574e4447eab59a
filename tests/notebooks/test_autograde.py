"""Whole notebooks through plain `nbgrader autograde` and `dlcourse grade`, once per lab (slow).

Per lab, one scratch course holds the reference submission (the release with the source's solutions
typed in), the blank release, and one student carrying every sampled mutant (one function each), beside
the students of the lab's other notebook tests (tests/notebooks/graded_labs.py). One run grades them
all, and one test per lab checks everything that run shows about these three: the lab's grading costs
one notebook run per student, once, and a failure lists every check that failed.
"""
import json

import pytest

from autograder.course import labs
from tests.notebooks.graded_labs import graded, group, sampled_mutants
from tests.notebooks.lab_structure import dependencies
from tests.scratch import SHARED_CANARY

LABS = labs()
# The issues' budgets for a lab's reference run on 2 CPU cores: 60 s for the NumPy labs (1-4),
# 120 s for the PyTorch labs (5 on).
def time_budget_s(lab):
    return 60 if int(lab[3:5]) <= 4 else 120


def _params():
    # the PyTorch labs first: they take minutes, the NumPy labs about one (see tests/conftest.py)
    return [pytest.param(lab, marks=[pytest.mark.notebook, group(lab)], id=lab) for lab in reversed(LABS)]


def reference_scores_full_marks(lab, result):
    scores = result["reference"]
    assert scores, f"{lab}: the reference submission was not graded"
    lost = {cell: s for cell, (s, m) in scores.items() if s != m}
    assert not lost, f"{lab}: the reference loses points on {lost}"


def reference_runs_within_budget(lab, result):
    seconds, budget = result["_seconds"], time_budget_s(lab)
    assert seconds < budget, f"{lab}: autograding the reference took {seconds:.0f} s (budget {budget} s)"


def release_unchanged_scores_zero(lab, result):
    scores = result["blank"]
    assert scores, f"{lab}: the unchanged release was not graded (did the run abort?)"
    earned = {cell: s for cell, (s, _) in scores.items() if s != 0}
    assert not earned, f"{lab}: the unchanged release earns points on {earned}"


def mutants_lose_points_only_on_cells_that_use_them(lab, result):
    """One submission carries every sampled mutant (one function each): each mutated function's own
    cell loses points, and every cell that uses none of them keeps full marks."""
    mutants = sampled_mutants(lab)
    assert mutants, f"{lab}: NOTEBOOK_SAMPLE lists no mutant"
    deps, scores = dependencies(lab), result["mutants"]
    for function, bug in mutants.items():
        own = f"test_{function}"
        assert scores[own][0] < scores[own][1], f"{lab}: mutant {function}:{bug} keeps full marks on {own}"
    for cell, (s, m) in scores.items():
        if not deps[cell] & set(mutants):
            assert s == m, f"{lab}: the mutants of {sorted(mutants)} cost points on {cell}, which uses none of them"


def dlcourse_grade_gives_the_reference_full_marks_and_the_blank_zero(lab, result):
    """The tamper-proof path (sandboxed kernel, outputs on fresh cases, scored outside the kernel): its
    canary grades the lab's reference and blank on the worker through the very task that grades
    students, and stops the run unless every cell of the reference gets full marks and every cell of
    the blank zero (``autograder.cohort.canary.judge``); a pass is shared by the run's tests."""
    canary = result["_canary"]
    assert canary.get("workers") == 1, f"{lab}: dlcourse grade's canary did not check its worker: {canary}"
    assert canary["canary_notebooks"] in (0, 2), canary
    assert SHARED_CANARY.is_file() and any(p["lab"] == lab for p in json.loads(SHARED_CANARY.read_text())["passed"].values())


def the_mutants_lose_points_on_the_same_cells_under_dlcourse_grade(lab, result):
    """The same submission under both paths (their cases differ: the course's fixed ones, a run's):
    a cell loses points under one exactly where it loses points under the other."""
    plain, dl = result["mutants"], result["_dlcourse"]["mutants"]
    assert dl and dl.keys() == plain.keys(), f"{lab}: dlcourse grade graded other cells: {sorted(dl)} vs {sorted(plain)}"
    differ = {cell: (plain[cell], dl[cell]) for cell in plain if (plain[cell][0] < plain[cell][1]) != (dl[cell][0] < dl[cell][1])}
    assert not differ, f"{lab}: the paths disagree on where the mutants lose points: {differ}"


CHECKS = [reference_scores_full_marks, reference_runs_within_budget, release_unchanged_scores_zero,
          mutants_lose_points_only_on_cells_that_use_them,
          dlcourse_grade_gives_the_reference_full_marks_and_the_blank_zero,
          the_mutants_lose_points_on_the_same_cells_under_dlcourse_grade]


@pytest.mark.parametrize("lab", _params())
def test_lab_grades_fairly_on_both_paths(lab):
    """Every check on one grading run of the lab; a failure lists each check that failed."""
    result = graded(lab)
    failed = []
    for check in CHECKS:
        try:
            check(lab, result)
        except AssertionError as exc:
            failed.append(f"{check.__name__}: {exc}")
    assert not failed, "\n".join(failed)

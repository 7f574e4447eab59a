"""Every mutant loses points on its own function's hidden cases; the reference earns full points.

Fast and in-process: each mutant is handed to the harness directly (no notebook, no kernel).
"""
import pytest

from autograder.grading.cases import specs_for_lab
from autograder.grading.judging import run_cases, score
from solutions import activations  # noqa: F401  (import check: the package imports cleanly)
from autograder.grading import catalogue

LABS = catalogue.catalogued_labs("mutant")


def _reference_helpers(spec):
    return spec.reference_uses()


@pytest.mark.parametrize("lab", LABS)
def test_reference_scores_full_marks(lab):
    for spec in specs_for_lab(lab):
        results = run_cases(spec.reference, spec, _reference_helpers(spec))
        failed = [(r.case, r.message) for r in results if not r.passed]
        assert not failed, f"reference {spec.qualname} fails its own hidden cases: {failed}"
        assert len(results) >= 3, f"{spec.qualname} has only {len(results)} hidden cases"


@pytest.mark.parametrize("lab", LABS)
def test_every_graded_function_has_three_mutants(lab):
    table = catalogue.mutants(lab)
    for spec in specs_for_lab(lab):
        assert len(table.get(spec.name, {})) >= 3, f"{spec.qualname} needs at least 3 mutants"
    unknown = set(table) - {s.name for s in specs_for_lab(lab)}
    assert not unknown, f"mutants for functions that are not graded: {sorted(unknown)}"


def _all_mutants():
    for lab in LABS:
        for function, bugs in catalogue.mutants(lab).items():
            for bug in bugs:
                yield pytest.param(lab, function, bug, id=f"{lab}.{function}:{bug}")


@pytest.mark.parametrize("lab,function,bug", list(_all_mutants()))
def test_mutant_loses_points(lab, function, bug):
    spec = next(s for s in specs_for_lab(lab) if s.name == function)
    fn = catalogue.build(catalogue.mutants(lab)[function][bug])
    results = run_cases(fn, spec, _reference_helpers(spec))
    assert score(results, 1.0) < 1.0, f"mutant '{bug}' of {function} passes every hidden case"
    for r in results:
        if r.message:
            assert len(r.message) <= 300


def test_every_lab_has_a_mutants_module():
    from autograder.course import labs

    missing = sorted(set(labs()) - set(LABS))
    assert not missing, f"labs without autograder/grading/catalogue/mutants/<lab>.py: {missing}"

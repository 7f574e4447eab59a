"""Correct variants of labs 1-4 (autograder/grading/catalogue/variants/<lab>.py) in the student's notebook.

Every variant passes its lab's visible checks. The slow tests put the variants into real notebooks:
the slides' formulas through ``nbgrader validate``, plain ``nbgrader autograde`` and ``dlcourse grade``
(every variant with ``DLCOURSE_ALL_VARIANTS=1``), in the lab's one grading run of
tests/notebooks/graded_labs.py. That each variant gets full marks
on both paths in process is the differential test (``test_one_score.py``); the catalogue's own rules
(three variants per function, none a known mistake) are ``test_variant_catalogue.py``.
"""
from __future__ import annotations

import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from autograder.course import REPO, RELEASE
from tests.notebooks import graded_labs
from tests.notebooks.graded_labs import VARIANTS_DIR, variants_module

LABS = [lab for lab in graded_labs.SLIDES_LABS if (VARIANTS_DIR / f"{lab}.py").is_file()]


def variants(lab: str) -> dict:
    return variants_module(lab).VARIANTS


def _all_variants():
    for lab in LABS:
        for function, entries in variants(lab).items():
            for name in entries:
                yield pytest.param(lab, function, name, id=f"{lab}.{function}:{name}")


# --------------------------------------------------------------------------------- visible checks
def _visible_check_failure(lab: str, function: str, source: str) -> str | None:
    """Run the source notebook's cells up to ``function``'s visible check, with ``source`` in its
    solution cell and the reference in the others (no hidden test cell, no experiment)."""
    import contextlib
    import io

    import nbformat

    nb = nbformat.read(REPO / "source" / lab / f"{lab}.ipynb", as_version=4)
    ns: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta or meta.get("grade"):
            continue
        code = cell.source
        if meta.get("solution"):
            code = source if meta["grade_id"] == function else "\n".join(
                ln for ln in code.splitlines() if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(code, meta["grade_id"], "exec"), ns)
        except Exception as exc:  # a visible check's AssertionError, or a crash
            return f"{meta['grade_id']}: {type(exc).__name__}: {exc}"
        if meta["grade_id"] == f"check_{function}":
            return None
    return f"no visible check cell check_{function}"


@pytest.mark.parametrize("lab,function,name", list(_all_variants()))
def test_variant_passes_the_visible_checks(lab, function, name):
    problem = _visible_check_failure(lab, function, variants(lab)[function][name])
    assert problem is None, f"{function}:{name} fails the visible checks: {problem}"


# ------------------------------------------------------------------------------ through notebooks
# The slides student (and with DLCOURSE_ALL_VARIANTS=1 one student per variant) is graded in the lab's
# one grading run (tests/notebooks/graded_labs.py), beside the reference, the blank and the mutants.


def _validate(path: Path) -> str:
    bin_dir = str(Path(sys.executable).parent)
    return subprocess.run([sys.executable, "-m", "nbgrader", "validate", path.name], cwd=path.parent,
                          capture_output=True, text=True,
                          env={"PATH": bin_dir, "MPLBACKEND": "Agg", "HOME": str(path.parent)}).stdout


@lru_cache(maxsize=None)
def _reference_fills(lab):
    from autograder.course.submissions import solution_code

    return solution_code(lab)


def _params(grouped: bool):
    marks = [pytest.mark.notebook]
    return [pytest.param(lab, marks=marks + [graded_labs.group(lab) if grouped else
                                             pytest.mark.xdist_group(f"variants-{lab}")], id=lab) for lab in LABS]


@pytest.mark.parametrize("lab", _params(grouped=True))
def test_variants_in_notebooks_earn_full_marks_on_both_paths(lab):
    result = graded_labs.graded(lab)
    students = graded_labs.slides_students(lab, every=graded_labs.ALL_VARIANTS)
    for student in students:
        kernel, report = result[student], result["_dlcourse"][student]
        assert kernel and report, f"{lab}: {student} was not graded on both paths"
        lost = {c: s for c, (s, m) in kernel.items() if s != m}
        assert not lost, f"{lab}: {student} loses points under plain nbgrader: {lost}"
        assert report == kernel, f"{lab}: {student} scores differ between the paths: {report} vs {kernel}"


@pytest.mark.parametrize("lab", _params(grouped=False))
def test_the_slides_formulas_pass_nbgrader_validate(lab, tmp_path):
    from autograder.course.submissions import build_submission

    fills = graded_labs.slides_students(lab)["slides"]
    path = build_submission(RELEASE / lab / f"{lab}.ipynb", tmp_path / lab / f"{lab}.ipynb",
                            {**_reference_fills(lab), **fills})
    out = _validate(path)
    assert "Success! Your notebook passes all the tests." in out, out[-2000:]

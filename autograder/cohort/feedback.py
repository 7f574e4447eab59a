"""``dlcourse feedback LAB``: per-student HTML feedback with nbgrader's ``generate_feedback``.

``nbgrader_config.py`` adds ``ClearHiddenTests`` to nbgrader's feedback preprocessors, so the hidden
test code is removed (plain ``nbgrader generate_feedback`` does the same on this course) while each
test cell's outputs, the failure messages, stay. After writing, every file is checked for grading-side
text (:func:`autograder.course.leaks.feedback_leaks`: hidden-test markers, the grader's own code, which a
kernel could read and print), and one that holds some is deleted and reported rather than handed out.
The pages run no code of the student's: ``nbgrader_config.py`` renders them with the safe template of
:mod:`autograder.cohort.feedback_page` (sanitised markdown and outputs, a Content-Security-Policy,
MathJax from a local copy next to each page).
"""
from __future__ import annotations

from pathlib import Path

from autograder.course import nbgrader
from autograder.course.leaks import feedback_leaks


def write_feedback(root: Path, lab: str, students: list[str] | None = None) -> tuple[list[Path], dict[Path, list[str]]]:
    """Generate feedback for ``lab`` (all graded students, or ``students``).

    Returns ``(HTML files written, {withheld file: what it held})``; a withheld file is deleted.
    """
    root = Path(root).resolve()
    for student in students or [None]:
        args = ["generate_feedback", lab, "--force"] + ([f"--student={student}"] if student else [])
        nbgrader(*args, root=root)
    files = sorted((root / "feedback").glob(f"*/{lab}/*.html"))
    if students:
        files = [f for f in files if f.parts[-3] in students]
    leaked = {f: feedback_leaks(f.read_text(errors="replace"), lab) for f in files}
    leaked = {f: why for f, why in leaked.items() if why}
    for f in leaked:
        f.unlink()
    return [f for f in files if f not in leaked], leaked

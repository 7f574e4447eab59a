"""``dlcourse feedback LAB``: per-student HTML feedback with nbgrader's ``generate_feedback``.

``nbgrader_config.py`` adds ``ClearHiddenTests`` to nbgrader's feedback preprocessors, so the hidden
test code is removed (plain ``nbgrader generate_feedback`` does the same on this course) while each
test cell's outputs, the failure messages, stay. After writing, every file is checked for grading-side
text (:func:`autograder.course.leaks.feedback_leaks`: hidden-test markers, the grader's own code, which a
kernel could read and print), and one that holds some is deleted and reported rather than handed out.
"""
from __future__ import annotations

from pathlib import Path

from autograder.course import nbgrader
from autograder.course.leaks import feedback_leaks


def write_feedback(root: Path, lab: str, students: list[str] | None = None) -> tuple[list[Path], dict[Path, list[str]]]:
    """Generate feedback for ``lab`` (all graded students, or ``students``).

    Returns ``(HTML files written, {withheld file: what it held})``; a withheld file is deleted.
    """
    from autograder.cohort.preflight import require_gradebook
    from autograder.cohort.progress import CountProgress

    root = Path(root).resolve()
    require_gradebook(root, f"feedback {lab}", lab, graded=True)
    graded = sorted(p.parent.name for p in (root / "autograded").glob(f"*/{lab}") if p.is_dir())
    total = len([s for s in graded if s in students]) if students else len(graded)
    with CountProgress(f"{lab} feedback", total, "wrote", unit="pages", start=f"{total} graded submission(s)") as bar:
        def on_log_line(line: str) -> None:  # nbgrader logs "Writing N bytes to .../feedback/<id>/<lab>/<nb>.html"
            if "Writing" in line and lab in line and line.rstrip().endswith(".html"):
                bar.advance()

        for student in students or [None]:
            args = ["generate_feedback", lab, "--force"] + ([f"--student={student}"] if student else [])
            nbgrader(*args, root=root, on_log_line=on_log_line)
    files = sorted((root / "feedback").glob(f"*/{lab}/*.html"))
    if students:
        files = [f for f in files if f.parts[-3] in students]
    leaked = {f: feedback_leaks(f.read_text(errors="replace"), lab) for f in files}
    leaked = {f: why for f, why in leaked.items() if why}
    for f in leaked:
        f.unlink()
    return [f for f in files if f not in leaked], leaked

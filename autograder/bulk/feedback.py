"""``dlcourse feedback LAB``: per-student HTML feedback with nbgrader's ``generate_feedback``.

``nbgrader_config.py`` adds ``ClearHiddenTests`` to nbgrader's feedback preprocessors, so the hidden
test code is removed (plain ``nbgrader generate_feedback`` does the same on this course) while each
test cell's outputs, the failure messages, stay. After writing, every file is checked for hidden test
text, and one that still holds some is deleted and reported rather than handed out.
"""
from __future__ import annotations

from pathlib import Path

from autograder.course import nbgrader

HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "from autograder", "import autograder")


class FeedbackLeak(RuntimeError):
    """A feedback file still held hidden test code; it was deleted."""


def write_feedback(root: Path, lab: str, students: list[str] | None = None) -> list[Path]:
    """Generate feedback for ``lab`` (all graded students, or ``students``); returns the HTML files."""
    root = Path(root).resolve()
    for student in students or [None]:
        args = ["generate_feedback", lab, "--force"] + ([f"--student={student}"] if student else [])
        nbgrader(*args, root=root)
    files = sorted((root / "feedback").glob(f"*/{lab}/*.html"))
    if students:
        files = [f for f in files if f.parts[-3] in students]
    leaked = [f for f in files if any(m in f.read_text(errors="replace") for m in HIDDEN_MARKERS)]
    for f in leaked:
        f.unlink()
    if leaked:
        raise FeedbackLeak(f"hidden test code in {', '.join(str(f) for f in leaked)}: deleted, not handed out")
    return files

"""``dlcourse feedback LAB``: per-student HTML feedback with nbgrader's ``generate_feedback``.

``nbgrader_config.py`` adds ``ClearHiddenTests`` to nbgrader's feedback preprocessors, so the hidden
test code is removed (plain ``nbgrader generate_feedback`` does the same on this course) while each
test cell's outputs, the failure messages, stay. After writing, every file is checked for grading-side
text (:func:`autograder.course.leaks.feedback_leaks`: hidden-test markers, the grader's own code, which a
kernel could read and print), and one that holds some is deleted and reported rather than handed out.
The pages run no code of the student's: ``nbgrader_config.py`` renders them with the safe template of
:mod:`autograder.cohort.feedback_page` (sanitised markdown and outputs, a Content-Security-Policy,
MathJax from a local copy next to each page).

A submission that could not be run (a corrupt upload, the notebook missing or renamed: ``dlcourse grade``
gave it 0 without executing it) has no autograded notebook, so nbgrader writes no page for it; this
module writes one in its place (same file name), saying that the upload could not be read, why, and that
nothing was graded. :func:`feedback_pages` says, per student with a submission, which page they got.
"""
from __future__ import annotations

from dataclasses import dataclass
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
    todo = [s for s in graded if s in students] if students else graded
    total = len(todo)
    with CountProgress(f"{lab} feedback", total, "wrote", unit="pages", start=f"{total} graded submission(s)") as bar:
        def on_log_line(line: str) -> None:  # nbgrader logs "Writing N bytes to .../feedback/<id>/<lab>/<nb>.html"
            if "Writing" in line and lab in line and line.rstrip().endswith(".html"):
                bar.advance()

        for student in (todo if students else [None] if todo else []):
            args = ["generate_feedback", lab, "--force"] + ([f"--student={student}"] if student else [])
            nbgrader(*args, root=root, on_log_line=on_log_line)
    for student, reason in unreadable_uploads(root, lab).items():
        if not students or student in students:
            write_unreadable_page(root, lab, student, reason)
    files = sorted((root / "feedback").glob(f"*/{lab}/*.html"))
    if students:
        files = [f for f in files if f.parts[-3] in students]
    leaked = {f: feedback_leaks(f.read_text(errors="replace"), lab) for f in files}
    leaked = {f: why for f, why in leaked.items() if why}
    for f in leaked:
        f.unlink()
    return [f for f in files if f not in leaked], leaked


def unreadable_uploads(root: Path, lab: str) -> dict[str, str]:
    """``{student: reason}`` for the submissions of ``lab`` that ``dlcourse grade`` could not run
    (recorded with status "zero" in ``.dlcourse/<lab>.json``) and that have no autograded notebook."""
    from autograder.cohort.grade import ZERO
    from autograder.cohort.state import GradingState

    root = Path(root)
    records = GradingState(root, lab).records
    return {student: "; ".join(rec.get("reasons") or ["the upload could not be read"])
            for student, rec in sorted(records.items())
            if rec.get("status") == ZERO and not (root / "autograded" / student / lab).is_dir()
            and (root / "submitted" / student / lab).is_dir()}


def _templates():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
                              autoescape=True, undefined=jinja2.StrictUndefined)


def _student_reason(reason: str) -> str:
    """The grader's reason as the student reads it: ``"corrupt notebook x.ipynb (NotJSONError: ...); 0"``
    becomes ``"corrupt notebook x.ipynb (NotJSONError: ...)"``; the TA's instructions are dropped."""
    first = reason.split("; ")[0]
    return first.removesuffix(". Rename it in submitted/ and rerun to grade it")


def write_unreadable_page(root: Path, lab: str, student: str, reason: str) -> list[Path]:
    """The feedback page(s) of a submission that could not be run: one per notebook of ``lab``."""
    from autograder.cohort.pipeline import Pipeline
    from autograder.cohort.state import GradingState

    rec = GradingState(root, lab).records.get(student, {})
    max_score = rec.get("max_score")
    out_of = f" of {max_score:g}" if isinstance(max_score, (int, float)) else ""
    template = _templates().get_template("unreadable_feedback.html.j2")
    pages = []
    for name in Pipeline(root).notebook_names(lab):
        page = Path(root) / "feedback" / student / lab / name.replace(".ipynb", ".html")
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(template.render(lab=lab, student=student, reason=_student_reason(reason), out_of=out_of,
                                        notebook=name))
        pages.append(page)
    return pages


@dataclass
class PageOutcome:
    """Which feedback a student with a submission got: ``page`` (``None``: none) and why."""

    student: str
    page: Path | None
    kind: str  # "graded", "unreadable upload", "withheld" or "none"
    note: str = ""


def feedback_pages(root: Path, lab: str, written: list[Path], withheld: dict[Path, list[str]],
                   students: list[str] | None = None) -> list[PageOutcome]:
    """One :class:`PageOutcome` per student with a submission of ``lab`` (or per ``students``)."""
    root = Path(root)
    submitted = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{lab}") if p.is_dir())
    unreadable = unreadable_uploads(root, lab)
    by_student = {f.parts[-3]: f for f in written}
    held = {f.parts[-3]: why for f, why in withheld.items()}
    out = []
    for student in (students or submitted):
        if student in held:
            out.append(PageOutcome(student, None, "withheld", f"deleted, it quoted grading code: {held[student][0]}"))
        elif student in by_student:
            kind = "unreadable upload" if student in unreadable else "graded"
            note = _student_reason(unreadable[student]) if student in unreadable else ""
            out.append(PageOutcome(student, by_student[student], kind, note))
        else:
            graded = (root / "autograded" / student / lab).is_dir()
            out.append(PageOutcome(student, None, "none", "graded, but nbgrader wrote no page" if graded
                                   else f"not graded yet (`dlcourse grade {lab}`)"))
    return out

"""``dlcourse viva``: review sheets for the examiners and the cohort similarity pages.

::

    dlcourse viva sheet --student S [--last N]     one student's sheet (HTML, Markdown, PDF)
    dlcourse viva sheets --all [--last N]          a sheet for every student of the gradebook
    dlcourse viva similarity LAB                   the cohort page of one lab
    dlcourse viva mark S --labs L.. --date D --examiner E (--marks M.. | --total T)   record a viva
    dlcourse viva mark --csv marks.csv             record the vivas of an examiners' CSV (all or none)
    dlcourse viva marks [--student S] [--history]  the vivas recorded (with every correction)

Each takes ``--course ROOT`` (the graded course root: ``gradebook.db``, ``submitted/``, ``autograded/``;
default the repository root), ``--out DIR`` (default ``ROOT/viva/``) and ``--threshold T`` (the
similarity flag threshold, default 0.5). Sheets go to ``DIR/sheets/``, cohort pages to
``DIR/similarity/``. Nothing is graded again: everything is read from the gradebook and the notebooks.

``register(subparsers)`` adds the command to an argparse parser; ``run(args)`` carries it out and
returns the exit status (0 done, 1 nothing to do or bad data, such as an unknown student, 2 bad usage).
``python -m autograder.viva.commands viva ...`` runs it without the ``dlcourse`` entry point.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from autograder.course import REPO

# The defaults of autograder.viva.sheets and .similarity, repeated here so that building the parser
# imports nothing heavy (tests/viva/test_sheets.py checks they agree).
DEFAULT_LAST = 3
DEFAULT_THRESHOLD = 0.5


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"the threshold is a share of code, in (0, 1]; got {value}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``viva`` (with ``sheet``, ``sheets``, ``similarity``) to ``subparsers``; return its parser."""
    viva = subparsers.add_parser(
        "viva", help="viva review sheets and cohort similarity pages (for examiners)",
        description="Viva review sheets (one per student, with model answers: examiners only) and the "
                    "similarity pages of a lab's submissions, read from a graded course root.")
    sub = viva.add_subparsers(dest="viva_command", required=True, metavar="{sheet,sheets,similarity,mark,marks}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course", type=Path, default=REPO, metavar="ROOT",
                        help="graded course root: gradebook.db, submitted/, autograded/ (default: the repository root)")
    common.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: ROOT/viva/)")
    common.add_argument("--threshold", type=_threshold, default=DEFAULT_THRESHOLD, metavar="T",
                        help=f"flag pairs whose similarity is at least T (default {DEFAULT_THRESHOLD})")
    pdf = argparse.ArgumentParser(add_help=False)
    pdf.add_argument("--last", type=_positive, default=DEFAULT_LAST, metavar="N",
                     help=f"cover the student's last N graded labs (default {DEFAULT_LAST})")
    pdf.add_argument("--no-pdf", action="store_true", help="write HTML and Markdown only")

    p = sub.add_parser("sheet", parents=[common, pdf], help="one student's review sheet",
                       description="Write DIR/sheets/<student>.html, .md and .pdf, and the cohort pages of the labs it covers.")
    p.add_argument("--student", required=True, metavar="S", help="the student id in the gradebook")
    p = sub.add_parser("sheets", parents=[common, pdf], help="a review sheet for every student",
                       description="Write a sheet for every student of the gradebook, and every cohort page they need.")
    p.add_argument("--all", action="store_true", required=True, help="every student of the gradebook")
    p = sub.add_parser("similarity", parents=[common], help="the similarity page of one lab's submissions",
                       description="Compare every pair of LAB's submissions; write DIR/similarity/LAB.html, "
                                   "LAB-heatmap.png and LAB-pairs.csv and print the flagged pairs.")
    p.add_argument("lab", metavar="LAB")
    course = argparse.ArgumentParser(add_help=False)
    course.add_argument("--course", type=Path, default=REPO, metavar="ROOT",
                        help="graded course root (default: the repository root)")
    p = sub.add_parser("mark", parents=[course], help="record a student's viva (or a CSV of vivas) in the gradebook",
                       description="Record a viva: the labs it covered, date, examiner, marks per question in the "
                                   "order of the review sheet (or a total), comment. Stored in the course's gradebook "
                                   "database (table dlcourse_viva_mark); a correction needs --amend and --reason and "
                                   "keeps the row it replaces. Bad input is refused and nothing is written.")
    p.add_argument("student", nargs="?", metavar="S", help="the student id (omit with --csv)")
    p.add_argument("--labs", nargs="+", metavar="LAB", help="the labs the viva covered (one viva round)")
    p.add_argument("--date", help="the day of the viva, YYYY-MM-DD")
    p.add_argument("--examiner", help="who examined (with --csv: for rows that leave it empty)")
    p.add_argument("--marks", nargs="+", type=float, metavar="M", help="marks per question, Q1 first")
    p.add_argument("--total", type=float, help="a total mark instead (out of the round's max_marks)")
    p.add_argument("--comment", default="")
    p.add_argument("--amend", action="store_true", help="correct the student's viva of these labs")
    p.add_argument("--reason", default="", help="why it is corrected (required with --amend)")
    p.add_argument("--by", default=None, help="who records it (default: your login name)")
    p.add_argument("--csv", type=Path, help="record every viva of this CSV (columns: student, labs, date, examiner, "
                                            "q1..q8 or total, comment, amend, reason)")
    p = sub.add_parser("marks", parents=[course], help="list the vivas recorded")
    p.add_argument("--student", metavar="S")
    p.add_argument("--history", action="store_true", help="every row, corrections and what they replaced")
    viva.set_defaults(viva_run=run)
    return viva


def _out(args) -> Path:
    return Path(args.out) if args.out is not None else Path(args.course) / "viva"


def _written(paths: dict[str, Path]) -> str:
    first = paths[next(iter(paths))]
    return f"{first.with_suffix('')}.{{{','.join(p.suffix.lstrip('.') for p in paths.values())}}}"


def _sheet(args, student: str, similarities: dict) -> dict[str, Path]:
    from autograder.viva.sheets import build_sheet, write_sheet

    sheet = build_sheet(args.course, student, args.last, similarities=similarities, threshold=args.threshold)
    return write_sheet(sheet, _out(args), pdf=not args.no_pdf)


def _similarity(args) -> int:
    from autograder.viva.render import pct
    from autograder.viva.similarity import compare_lab, submitted_students, write_cohort_page

    students = submitted_students(args.course, args.lab)
    if not students:
        found = sorted({p.parent.name for p in Path(args.course).glob("submitted/*/*/*.ipynb")})
        from autograder.cohort.preflight import _hint

        raise LookupError(f"no submissions of {args.lab!r} under {Path(args.course) / 'submitted'}; "
                          f"labs with submissions: {', '.join(found) or '(none)'}"
                          f"{_hint(args.course, f'viva similarity {args.lab}')}")
    result = compare_lab(args.course, args.lab, threshold=args.threshold)
    paths = write_cohort_page(result, _out(args) / "similarity")
    print(f"{args.lab}: {len(result.students)} submissions, {len(result.pairs)} pairs, "
          f"{len(result.flagged)} at or above {pct(result.threshold)}")
    for rank, p in enumerate(result.flagged, 1):
        print(f"  {rank}. {p.a} – {p.b}: {pct(p.similarity_a)} / {pct(p.similarity_b)} "
              f"({', '.join(p.shared_functions()[:6])}{' …' if len(p.shared_functions()) > 6 else ''})")
    for student, why in result.skipped.items():
        print(f"  not compared: {student} ({why})")
    print(f"wrote {paths['html']}")
    return 0


def _mark(args) -> int:
    from autograder.viva.marks import MarkError, VivaEntry, read_marks_csv, record_vivas

    if args.csv:
        if args.student or args.labs or args.marks or args.total is not None:
            raise MarkError("--csv takes the vivas from the file: give no student, --labs, --marks or --total")
        entries = read_marks_csv(args.csv, examiner=args.examiner or "")
    else:
        if not args.student:
            raise MarkError("name the student (or --csv FILE)")
        entries = [VivaEntry(args.student, args.labs or [], args.date or "", args.examiner or "", args.marks,
                             args.total, args.comment, args.amend, args.reason)]
    for v in record_vivas(args.course, entries, by=args.by):
        print(f"recorded: {v.student} {v.round} ({', '.join(v.labs)}) {v.total:g}/{v.max_total:g} by {v.examiner} on "
              f"{v.viva_date}" + (f" (correction: {v.reason})" if v.reason else ""))
    return 0


def _marks(args) -> int:
    from autograder.viva.marks import current_vivas, history

    rows = history(args.course, args.student) if args.history else [
        v for (student, _), v in sorted(current_vivas(args.course).items()) if not args.student or student == args.student]
    for v in rows:
        marks = f" [{' '.join(f'{m:g}' for m in v.marks)}]" if v.marks else ""
        state = f" superseded by #{v.superseded_by}" if v.superseded_by else ""
        print(f"#{v.id} {v.student} {v.round} {v.total:g}/{v.max_total:g}{marks} {v.viva_date} {v.examiner}; "
              f"recorded {v.recorded_at} by {v.recorded_by}{'; why: ' + v.reason if v.reason else ''}{state}"
              + (f"; {v.comment}" if v.comment else ""))
    if not rows:
        print("no vivas recorded")
    return 0


def run(args) -> int:
    """Carry out ``dlcourse viva ...``; print errors as one line on stderr and return 1."""
    from autograder.viva.records import RecordError, graded_labs, students
    from autograder.viva.sheets import write_similarity_pages

    try:
        if args.viva_command == "mark":
            return _mark(args)
        if args.viva_command == "marks":
            return _marks(args)
        if args.viva_command == "similarity":
            return _similarity(args)
        similarities: dict = {}
        if args.viva_command == "sheet":
            paths = _sheet(args, args.student, similarities)
            print(f"wrote {_written(paths)}")
        else:
            everyone = students(args.course)
            if not everyone:
                raise RecordError(f"no students in {Path(args.course) / 'gradebook.db'}")
            written = 0
            for student in everyone:
                if not graded_labs(args.course, student):
                    print(f"skipped {student}: no graded labs")
                    continue
                paths = _sheet(args, student, similarities)
                print(f"wrote {_written(paths)}")
                written += 1
            if not written:
                raise RecordError(f"no student of {Path(args.course) / 'gradebook.db'} has a graded lab")
        for lab, paths in write_similarity_pages(similarities, _out(args)).items():
            print(f"wrote {paths['html']}")
        return 0
    except (RecordError, LookupError, FileNotFoundError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"dlcourse viva: error: {message}", file=sys.stderr)
        return 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="dlcourse")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

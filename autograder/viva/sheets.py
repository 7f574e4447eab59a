"""Viva review sheets: one per student, for the examiner, over the student's last N graded labs.

A sheet holds, per lab: the score per graded function, the hidden cases that failed with the
harness's messages, the student's code for each graded function (Pygments), how late the submission
was, and the similarity flags of :mod:`autograder.viva.similarity`; then 5–8 questions chosen by
:mod:`autograder.viva.selection` with their model answers and what to listen for. Written as HTML
(printable on A4), Markdown, and PDF (WeasyPrint). Nothing in a sheet depends on the time it is made:
the same gradebook, submissions and bank give byte-identical HTML and Markdown.

Files, under the output folder (``<course root>/viva/`` by default)::

    sheets/<student>.html  sheets/<student>.md  sheets/<student>.pdf
    similarity/<lab>.html  similarity/<lab>-heatmap.png  similarity/<lab>-pairs.csv
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from autograder.course.schedule import Calendar, find_calendar
from autograder.viva.bank import Question
from autograder.viva.records import LabRecord, StudentRecord, read_student
from autograder.viva.render import base_css, environment, pct, write_pdf
from autograder.viva.selection import Chosen, LabConcerns, choose
from autograder.viva.self_review import lab_title
from autograder.viva.similarity import DEFAULT_THRESHOLD, LabSimilarity, compare_lab, write_cohort_page

DEFAULT_LAST = 3
COPIED_SHARE = 0.5  # a function "looks copied" when this share of the student's code in it is shared


@dataclass
class Flag:
    """A flagged pair seen from one student."""

    partner: str
    mine: float            # share of this student's code found in the partner's
    theirs: float
    functions: list[str]   # functions where >= COPIED_SHARE of this student's code is shared


@dataclass
class LabView:
    record: LabRecord
    title: str
    flags: list[Flag]
    copied: dict[str, str]  # function -> why it looks copied
    page: str               # the cohort page, relative to the sheet


@dataclass
class Sheet:
    record: StudentRecord
    labs: list[LabView]
    questions: list[Chosen]
    threshold: float
    _functions: dict[str, set[str]] = field(default_factory=dict)
    per_question: float = 2.0                # each question is marked 0..this (the calendar's vivas.marks_per_question)
    calendar: Optional[Calendar] = None

    def functions_of(self, lab: str) -> set[str]:
        return self._functions.get(lab, set())

    @property
    def max_total(self) -> float:
        return self.per_question * len(self.questions)

    def when(self, moment) -> str:
        """A gradebook time (naive UTC) in the term's zone (UTC without a calendar)."""
        if moment is None:
            return ""
        return self.calendar.local(moment) if self.calendar else f"{moment:%Y-%m-%d %H:%M} UTC"


def flags_of(similarity: LabSimilarity, student: str) -> tuple[list[Flag], dict[str, str]]:
    """The flagged pairs of ``student`` in one lab, and the functions that look copied (and why)."""
    flags, copied, best = [], {}, {}
    for pair in similarity.flags_for(student):
        partner = pair.partner(student)
        functions = []
        for m in pair.functions:
            share = m.share_a if student == pair.a else m.share_b
            if share >= COPIED_SHARE:
                functions.append(m.function)
                if share > best.get(m.function, 0.0):
                    best[m.function] = share
                    copied[m.function] = f"looks copied: {pct(share)} of it also in {partner}'s notebook"
        flags.append(Flag(partner, pair.similarity_of(student), pair.similarity_of(partner), functions))
    return flags, copied


def build_sheet(root: Path, student: str, last: Optional[int] = DEFAULT_LAST, *,
                bank: Optional[list[Question]] = None,
                similarities: Optional[dict[str, Optional[LabSimilarity]]] = None,
                threshold: float = DEFAULT_THRESHOLD, similarity_dir: str = "../similarity") -> Sheet:
    """Everything on ``student``'s sheet. ``similarities`` caches :func:`compare_lab` per lab (filled in
    as labs are compared, so that ``sheets --all`` compares each lab once)."""
    record = read_student(root, student, last)
    similarities = {} if similarities is None else similarities
    views, concerns = [], []
    for lab in record.labs:
        if lab.lab not in similarities:
            try:
                similarities[lab.lab] = compare_lab(root, lab.lab, threshold=threshold)
            except FileNotFoundError as exc:  # no release notebook to take the scaffold from
                similarities[lab.lab] = None
                lab.notes.append(f"similarity not computed: {exc}")
        flags, copied = flags_of(similarities[lab.lab], student) if similarities[lab.lab] else ([], {})
        views.append(LabView(lab, lab_title(lab.lab), flags, copied, f"{similarity_dir}/{lab.lab}.html"))
        concerns.append(LabConcerns.from_record(lab, copied))
    questions = choose(student, concerns, bank=bank)
    functions = {v.record.lab: {f.name for f in v.record.functions} for v in views}
    calendar = find_calendar(root)
    return Sheet(record, views, questions, threshold, functions,
                 per_question=calendar.marks_per_question if calendar else 2.0, calendar=calendar)


def render_html(sheet: Sheet) -> str:
    footer = f"Viva review sheet · {sheet.record.display_name} · examiner only"
    return environment().get_template("sheet.html.j2").render(s=sheet, base_css=base_css(), footer=footer)


def render_markdown(sheet: Sheet) -> str:
    text = environment().get_template("sheet.md.j2").render(s=sheet)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def write_sheet(sheet: Sheet, out_dir: Path, pdf: bool = True) -> dict[str, Path]:
    """Write ``out_dir/sheets/<student>.html`` and ``.md`` (and ``.pdf``); return the paths."""
    folder = Path(out_dir) / "sheets"
    folder.mkdir(parents=True, exist_ok=True)
    stem = sheet.record.student
    html_text = render_html(sheet)
    paths = {"html": folder / f"{stem}.html", "md": folder / f"{stem}.md"}
    paths["html"].write_text(html_text, encoding="utf-8")
    paths["md"].write_text(render_markdown(sheet), encoding="utf-8")
    if pdf:
        paths["pdf"] = write_pdf(html_text, folder / f"{stem}.pdf", base_url=folder)
    return paths


def write_similarity_pages(similarities: dict[str, LabSimilarity], out_dir: Path) -> dict[str, dict[str, Path]]:
    """The cohort page of every lab in ``similarities`` under ``out_dir/similarity/``."""
    return {lab: write_cohort_page(result, Path(out_dir) / "similarity")
            for lab, result in sorted(similarities.items()) if result is not None}

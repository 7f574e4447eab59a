"""The viva question bank: one YAML file per lab in ``autograder/viva/questions/``, loaded and checked.

A file holds a lab's id, its ``topics`` (named subjects of the lab that are not a single graded
function; each must be a phrase of the lab's source notebook) and its ``questions``. Every question
is ``about`` one graded function of the lab (``autograder.grading.cases.specs_for_lab``) or one of its topics.
:func:`load_bank` checks the whole schema and raises :class:`BankError`, naming the file and the
question, on the first violation. See ``docs/viva.md`` for the schema.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
SOURCE_ROOT = Path(__file__).resolve().parents[2] / "source"

KINDS = ("derivation", "concept", "code-reading", "experiment")
DIFFICULTIES = (1, 2, 3)
FILE_FIELDS = ("lab", "topics", "questions")
QUESTION_FIELDS = ("id", "about", "kind", "difficulty", "question", "model_answer", "listen_for")
#: Optional: ``prepared_by``, a verbatim substring of the one cell of the source notebook that computes
#: or states what the question asks (checked by tests/notebooks/test_questions_prepared.py).
OPTIONAL_QUESTION_FIELDS = ("prepared_by",)
LISTEN_FOR_COUNT = (2, 4)

_LAB_RE = re.compile(r"^lab(\d\d)_[a-z0-9_]+$")
_SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_LATEX_RE = re.compile(r"[$\\]")  # questions are plain text or light Markdown, never LaTeX


class BankError(ValueError):
    """A schema violation in a question file; the message names the file and, if any, the question."""


@dataclass(frozen=True)
class Question:
    """One viva question. ``model_answer`` and ``listen_for`` are for the examiner only."""

    id: str
    lab: str
    about: str
    kind: str
    difficulty: int
    question: str
    model_answer: str
    listen_for: tuple[str, ...]


@dataclass(frozen=True)
class LabQuestions:
    """What one question file holds, after the schema checks of :func:`parse_file`."""

    path: Path
    lab: str
    topics: tuple[str, ...]
    questions: tuple[Question, ...]


def _fail(path: Path, message: str, qid: Optional[str] = None) -> BankError:
    where = f"{path}" + (f", question {qid!r}" if qid else "")
    return BankError(f"{where}: {message}")


def _text(value, path: Path, what: str, qid: Optional[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, f"{what} must be a non-empty string, got {value!r}", qid)
    if _LATEX_RE.search(value):
        raise _fail(path, f"{what} contains '$' or '\\' (write plain text, not LaTeX): {value!r}", qid)
    return value.strip()


def _question(entry, lab: str, path: Path, index: int) -> Question:
    if not isinstance(entry, dict):
        raise _fail(path, f"question #{index + 1} is not a mapping")
    qid = entry.get("id") if isinstance(entry.get("id"), str) else f"#{index + 1}"
    missing = [f for f in QUESTION_FIELDS if f not in entry]
    if missing:
        raise _fail(path, f"missing field(s) {', '.join(missing)}", qid)
    unknown = sorted(set(entry) - set(QUESTION_FIELDS) - set(OPTIONAL_QUESTION_FIELDS))
    if unknown:
        raise _fail(path, f"unknown field(s) {', '.join(map(str, unknown))}", qid)
    prefix = lab[:5] + "-"
    if not isinstance(entry["id"], str) or not entry["id"].startswith(prefix) \
            or not _SLUG_RE.match(entry["id"][len(prefix):]):
        raise _fail(path, f"id must be {prefix!r} followed by a lower-case slug (a-z, 0-9, '-')", qid)
    if entry["kind"] not in KINDS:
        raise _fail(path, f"unknown kind {entry['kind']!r}; one of {', '.join(KINDS)}", qid)
    difficulty = entry["difficulty"]
    if type(difficulty) is not int or difficulty not in DIFFICULTIES:
        raise _fail(path, f"difficulty must be 1, 2 or 3, got {difficulty!r}", qid)
    if not isinstance(entry["about"], str) or not entry["about"].strip():
        raise _fail(path, f"about must be a graded function or topic name, got {entry['about']!r}", qid)
    listen_for = entry["listen_for"]
    low, high = LISTEN_FOR_COUNT
    if not isinstance(listen_for, list) or not low <= len(listen_for) <= high:
        raise _fail(path, f"listen_for must be a list of {low} to {high} short points", qid)
    return Question(
        id=entry["id"],
        lab=lab,
        about=entry["about"].strip(),
        kind=entry["kind"],
        difficulty=difficulty,
        question=_text(entry["question"], path, "question", qid),
        model_answer=_text(entry["model_answer"], path, "model_answer", qid),
        listen_for=tuple(_text(p, path, "a listen_for point", qid) for p in listen_for),
    )


def parse_file(path: Path) -> LabQuestions:
    """Read one question file and check everything that needs no knowledge of the lab itself.

    (Fields, kinds, difficulties, id prefixes, duplicate ids within the file, the file's name.)
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _fail(path, f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise _fail(path, "the file must be a mapping with keys lab, topics, questions")
    missing = [f for f in FILE_FIELDS if f not in data]
    if missing:
        raise _fail(path, f"missing field(s) {', '.join(missing)}")
    unknown = sorted(set(data) - set(FILE_FIELDS))
    if unknown:
        raise _fail(path, f"unknown field(s) {', '.join(map(str, unknown))}")
    lab = data["lab"]
    if not isinstance(lab, str) or not _LAB_RE.match(lab):
        raise _fail(path, f"lab must be a lab id like 'lab03_optimizers', got {lab!r}")
    if path.stem != lab:
        raise _fail(path, f"the file of lab {lab!r} must be named {lab}.yaml")
    topics = data["topics"] if data["topics"] is not None else []
    if not isinstance(topics, list):
        raise _fail(path, "topics must be a list of phrases")
    topics = [_text(t, path, "a topic", None) for t in topics]
    if len(set(topics)) != len(topics):
        raise _fail(path, "a topic is listed twice")
    if not isinstance(data["questions"], list) or not data["questions"]:
        raise _fail(path, "questions must be a non-empty list")
    questions = [_question(entry, lab, path, i) for i, entry in enumerate(data["questions"])]
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise _fail(path, "duplicate id", q.id)
        seen.add(q.id)
    return LabQuestions(path, lab, tuple(topics), tuple(questions))


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def notebook_text(lab: str, source_root: Path = SOURCE_ROOT) -> str:
    """All cell sources (markdown and code) of ``source/<lab>/<lab>.ipynb``, lower-cased, with every
    run of whitespace made one space (so a phrase broken across lines is still found)."""
    path = Path(source_root) / lab / f"{lab}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = ("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
             for c in notebook.get("cells", []))
    return _normalise("\n".join(cells))


def graded_names(lab: str) -> list[str]:
    """The graded functions (and classes) of a lab, from its hidden-case specs."""
    from autograder.grading.cases import specs_for_lab

    return [spec.name for spec in specs_for_lab(lab)]


def check_lab(entry: LabQuestions, graded: list[str], text: Optional[str]) -> None:
    """Check a parsed file against its lab: each topic occurs in ``text`` (the normalised notebook
    text; ``None`` skips that check) and each question's ``about`` names a graded function or a topic."""
    if text is not None:
        for topic in entry.topics:
            if _normalise(topic) not in text:
                raise _fail(entry.path, f"topic {topic!r} does not occur in the source notebook of {entry.lab}")
    known = set(graded) | set(entry.topics)
    for q in entry.questions:
        if q.about not in known:
            raise _fail(entry.path, f"about {q.about!r} is neither a graded function of {entry.lab} "
                                    f"({', '.join(graded)}) nor one of its topics", q.id)


def load_bank(folder: Path = QUESTIONS_DIR, *, source_root: Path = SOURCE_ROOT) -> list[Question]:
    """Every question of every ``*.yaml`` in ``folder`` (files by name, questions in file order).

    Raises :class:`BankError` on a schema violation: missing or unknown field, unknown kind,
    difficulty out of range, duplicate id (within the bank), id without the lab's ``labNN-`` prefix,
    a lab without ``source/<lab>/<lab>.ipynb`` or hidden-case specs, a topic that does not occur in
    the lab's notebook, an ``about`` that is neither a graded function nor a topic of the lab.
    """
    folder, source_root = Path(folder), Path(source_root)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise BankError(f"{folder}: no question files (*.yaml)")
    questions: list[Question] = []
    where: dict[str, Path] = {}
    for path in files:
        entry = parse_file(path)
        if not (source_root / entry.lab / f"{entry.lab}.ipynb").is_file():
            raise _fail(path, f"lab {entry.lab!r} has no source notebook "
                              f"{source_root / entry.lab / (entry.lab + '.ipynb')}")
        try:
            graded = graded_names(entry.lab)
        except KeyError:
            raise _fail(path, f"lab {entry.lab!r} has no hidden-case specs (autograder/grading/cases/{entry.lab}.py)") from None
        check_lab(entry, graded, notebook_text(entry.lab, source_root))
        for q in entry.questions:
            if q.id in where:
                raise _fail(path, f"duplicate id (also in {where[q.id]})", q.id)
            where[q.id] = path
        questions.extend(entry.questions)
    return questions


@lru_cache(maxsize=1)
def _default_bank() -> tuple[Question, ...]:
    return tuple(load_bank())


def labs(bank: Optional[list[Question]] = None) -> list[str]:
    """The labs that have questions, in bank order."""
    bank = _default_bank() if bank is None else bank
    return list(dict.fromkeys(q.lab for q in bank))


def questions_for(lab: str, about: Optional[str] = None, *,
                  bank: Optional[list[Question]] = None) -> list[Question]:
    """The questions of ``lab`` (optionally only those ``about`` one function or topic), in bank order.

    ``bank`` defaults to the course's bank (loaded once). Raises ``KeyError`` for a lab without
    questions, or an ``about`` that no question of the lab has.
    """
    bank = _default_bank() if bank is None else bank
    selected = [q for q in bank if q.lab == lab]
    if not selected:
        raise KeyError(f"no viva questions for lab {lab!r}; labs: {', '.join(labs(bank))}")
    if about is None:
        return selected
    chosen = [q for q in selected if q.about == about]
    if not chosen:
        known = ", ".join(dict.fromkeys(q.about for q in selected))
        raise KeyError(f"no viva question of {lab} is about {about!r}; known: {known}")
    return chosen

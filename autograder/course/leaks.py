"""What must never reach a student: finding grading-side text in what students receive.

Used by ``dlcourse publish``'s test (the bundle and ``release/``) and by ``dlcourse feedback`` (every
feedback file, before it is handed out). Two kinds of evidence:

* markers: hidden-test and solution delimiters, imports of the grading packages, the course salt;
* code lines: distinctive lines (over 40 characters, not comments, docstrings, defs, imports or
  returns) of ``autograder/``, of the reference package and of the source's solution cells.
  A lab's reference may be given material in later labs (lab 2 hands out lab 1's activations), and a
  lab's case or runner module may share a helper line with that lab's notebook; nothing else may appear.
"""
from __future__ import annotations

import functools
import html
import importlib
import inspect
import re
from pathlib import Path

import nbformat

from autograder.course import RELEASE, REPO, labs
from autograder.grading.salt import _DEFAULT_SALT

GRADING_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "from autograder",
                   "import autograder", "from solutions", "import solutions", _DEFAULT_SALT, "DLCOURSE_GRADING_SALT")
NEVER = 10**6


def code_lines(text: str) -> set[str]:
    """Distinctive code lines: over 40 characters, not comments, docstrings, defs, imports or returns."""
    out, in_doc = set(), False
    for raw in text.splitlines():
        line = raw.strip()
        if line.count('"""') == 1:
            in_doc = not in_doc
            continue
        if in_doc or len(line) <= 40 or line.startswith(("#", "def ", "class ", "import ", "from ", '"""', "raise ", "except ", "return ")):
            continue
        out.add(line)
    return out


def lab_number(lab: str) -> int:
    return int(lab[3:5])


def _reference_lines(lab: str) -> set[str]:
    """Code lines of the reference implementations of ``lab``'s graded functions (``solutions.<lab>``)."""
    from autograder.course.submissions import solution_code

    module = importlib.import_module(f"solutions.{lab}")
    lines = set()
    for name in solution_code(lab):
        obj = getattr(module, name, None)
        if obj is None or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        lines |= code_lines(inspect.getsource(obj))
    return lines


#: The catalogue of students' code (mutants and correct variants): lines a student may well write
#: themselves, so they are no evidence of a leak (and nothing in them is secret).
STUDENT_CODE = "autograder/grading/catalogue/"


@functools.lru_cache(maxsize=1)
def autograder_lines() -> dict[str, tuple[int, set[str]]]:
    """``{module path: (first lab that may show it, its lines)}`` for every module of ``autograder/``
    (except the catalogue of students' code, :data:`STUDENT_CODE`)."""
    found = {}
    for path in sorted((REPO / "autograder").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith(STUDENT_CODE):
            continue
        case_lab = re.match(r"autograder/(?:grading/cases|kernel/runners)/lab(\d\d)_", rel)
        found[rel] = (int(case_lab.group(1)) if case_lab else NEVER, code_lines(path.read_text()))
    return found


@functools.lru_cache(maxsize=1)
def grading_side_lines() -> dict[str, tuple[int, set[str]]]:
    """``{origin: (lab number from which it may be given to students, lines that must not leak)}``:
    ``autograder/`` modules, each lab's reference functions and the source's solution cells."""
    from autograder.course.submissions import solution_code

    found = dict(autograder_lines())
    for lab in labs():
        found[f"solutions.{lab}"] = (lab_number(lab) + 1, _reference_lines(lab))
        for name, code in solution_code(lab).items():
            body = code.split('"""')[-1] if code.count('"""') >= 2 else code
            found[f"source/{lab}:{name}"] = (lab_number(lab) + 1, code_lines(body))
    return found


def leaks_in(text: str, lab_no: int, origins: dict[str, tuple[int, set[str]]] | None = None) -> list[str]:
    """What of the grading side ``text`` (seen by a student of lab ``lab_no``; 0 outside a lab) holds."""
    found = [f"contains {m!r}" for m in GRADING_MARKERS if m in text]
    lines = {ln.strip() for ln in text.splitlines()}
    for origin, (given_from, forbidden) in (grading_side_lines() if origins is None else origins).items():
        if lab_no >= given_from:
            continue  # given material of an earlier lab
        leaked = sorted(lines & forbidden)
        if leaked:
            found.append(f"repeats code of {origin}: {leaked[:2]}")
    return found


def _release_lines(lab: str) -> set[str]:
    lines = set()
    for path in sorted((RELEASE / lab).glob("*.ipynb")):
        lines |= code_lines("\n".join(c.source for c in nbformat.read(path, as_version=4).cells))
    return lines


def html_text(page: str) -> str:
    """The text of an HTML page as a reader sees it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def feedback_leaks(page: str, lab: str) -> list[str]:
    """Grading-side text in a feedback page of ``lab``: markers and ``autograder/`` lines.

    A student's own code may equal the reference line for line, so solution lines are not evidence
    here; the grader's code is (a kernel can read its kernel-side modules and print them), except
    lines that the lab's own release shows too.
    """
    given = _release_lines(lab)
    origins = {rel: (NEVER, lines - given) for rel, (_, lines) in autograder_lines().items()}
    return leaks_in(html_text(page), lab_number(lab), origins)

"""Student-facing self-review pages: every viva question of a lab, without the examiner's answers.

``python -m autograder.viva.self_review --out DIR [LAB ...]`` writes ``DIR/viva-prep-<lab>.md`` for
each lab (all labs of the bank when none is named). A page lists the lab's questions grouped by graded
function, then by topic, each with its kind and difficulty; it never contains a model answer or a
``listen_for`` point.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from autograder.viva.bank import SOURCE_ROOT, Question, graded_names, labs, questions_for

INTRO = (
    "The viva is a short oral examination on your last few labs. The examiner picks 5 to 8 questions "
    "from pages like this one, more of them on the functions where your graded notebook lost points, "
    "and asks you to answer in your own words: derive a result on paper, explain a piece of your code, "
    "or interpret one of the notebook's experiments. You may be asked follow-up questions, and there "
    "are no published model answers: prepare with the notebook, the lecture notes and your own code. "
    "Difficulty 1 is a definition or a short computation, 2 an explanation or a derivation of a few "
    "lines, 3 an argument in several steps."
)

KIND_HELP = {
    "derivation": "derive or compute something on paper",
    "concept": "explain an idea and why it holds",
    "code-reading": "explain what a piece of code does or where it goes wrong",
    "experiment": "interpret a result of the notebook's experiments",
}


def lab_title(lab: str, source_root: Path = SOURCE_ROOT) -> str:
    """The first Markdown heading of the lab's source notebook (``Lab 3 — Optimisers: ...``), or the id."""
    path = Path(source_root) / lab / f"{lab}.ipynb"
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return lab
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for line in source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return lab


def _groups(lab: str, questions: list[Question]) -> list[tuple[str, bool, list[Question]]]:
    """(about, is_graded_function, questions) in the order of the lab's graded functions, then topics."""
    try:
        graded = graded_names(lab)
    except KeyError:
        graded = []
    abouts = [name for name in graded if any(q.about == name for q in questions)]
    abouts += [a for a in dict.fromkeys(q.about for q in questions) if a not in abouts]
    return [(a, a in graded, [q for q in questions if q.about == a]) for a in abouts]


def render_page(lab: str, questions: list[Question], title: Optional[str] = None) -> str:
    """The Markdown of a lab's self-review page (question texts are copied verbatim)."""
    title = title or lab
    lines = [f"# Viva preparation: {title}", "", INTRO, ""]
    lines += ["Kinds of question:", ""]
    lines += [f"- *{kind}*: {text}" for kind, text in KIND_HELP.items()]
    lines += ["", f"This lab has {len(questions)} questions.", ""]
    number = 0
    for about, is_function, group in _groups(lab, questions):
        heading = f"`{about}`" if is_function else f"Topic: {about}"
        lines += [f"## {heading}", ""]
        for q in group:
            number += 1
            lines += [f"**Q{number}** · {q.kind} · difficulty {q.difficulty} of 3 · `{q.id}`", "",
                      q.question, ""]
    return "\n".join(lines).rstrip() + "\n"


def build_self_review(lab: str, out_dir, *, bank: Optional[list[Question]] = None,
                      source_root: Path = SOURCE_ROOT) -> Path:
    """Write ``out_dir/viva-prep-<lab>.md`` (creating ``out_dir``) and return its path.

    ``bank`` defaults to the course's question bank; raises ``KeyError`` for a lab without questions.
    """
    questions = questions_for(lab, bank=bank)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"viva-prep-{lab}.md"
    path.write_text(render_page(lab, questions, lab_title(lab, source_root)), encoding="utf-8")
    return path


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.viva.self_review",
        description="Write the student-facing viva self-review pages (no model answers).")
    parser.add_argument("--out", required=True, type=Path, help="folder for viva-prep-<lab>.md")
    parser.add_argument("labs", nargs="*", metavar="LAB", help="lab ids (default: every lab of the bank)")
    args = parser.parse_args(argv)
    known = labs()
    unknown = [lab for lab in args.labs if lab not in known]
    if unknown:
        parser.error(f"no viva questions for {', '.join(unknown)}; labs: {', '.join(known)}")
    for lab in args.labs or known:
        print(build_self_review(lab, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

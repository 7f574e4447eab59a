"""Regenerate ``release/`` from ``source/`` with plain ``nbgrader generate_assignment``.

Before that, each lab's student-facing viva self-review page is rebuilt from the question bank into
``source/<lab>/viva-prep-<lab>.md``, so that nbgrader releases it beside the notebook. After it, the
course calendar's due dates go into the gradebook (:func:`autograder.cohort.duedates.apply_calendar`).
"""
from __future__ import annotations

from pathlib import Path

from autograder.cohort.duedates import apply_calendar
from autograder.course import REPO, SOURCE, labs, nbgrader
from autograder.course.schedule import find_calendar, from_gradebook


def regenerate_release(lab_ids: list[str] | None = None, root: Path = REPO, quiet: bool = False,
                       refresh_viva: bool = True) -> list[str]:
    """Run ``nbgrader generate_assignment <lab> --force`` for each lab on course ``root``.

    With ``refresh_viva`` the viva-prep pages in ``source/`` are rebuilt first (tests that only
    check what nbgrader makes of the committed ``source/`` turn it off).
    At the repository root this rewrites the committed ``release/`` (and records the assignments in
    the course gradebook, as nbgrader always does). Returns the lab ids released.
    """
    chosen = lab_ids or labs()
    unknown = sorted(set(chosen) - set(labs()))
    if unknown:
        raise SystemExit(f"unknown lab(s) {unknown}; labs in source/: {labs()}")
    for lab in chosen:
        if refresh_viva:
            write_viva_prep(lab)
        nbgrader("generate_assignment", lab, "--force", root=root)
        if not quiet:
            print(f"released {lab} -> {Path(root) / 'release' / lab}")
    applied = apply_calendar(root, chosen)  # the due dates of the course calendar, into the gradebook
    if applied and not quiet:
        for lab, due in applied.duedates.items():
            print(f"{lab}: due {find_calendar(root).local(from_gradebook(due))} (earliest session)")
    return chosen


def write_viva_prep(lab: str) -> Path | None:
    """Rebuild ``source/<lab>/viva-prep-<lab>.md`` from the bank; ``None`` for a lab without questions."""
    from autograder.viva.bank import load_bank
    from autograder.viva.self_review import build_self_review

    bank = load_bank()
    if not any(q.lab == lab for q in bank):
        return None
    return build_self_review(lab, SOURCE / lab, bank=bank)

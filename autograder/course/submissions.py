"""Build submissions from the release notebook: what a student would hand in.

A submission starts as the release notebook (stubs in every solution cell); ``fills`` maps solution
cell ids (the graded function's name) to the code the student wrote there. :func:`solution_code`
gives the source notebook's solution for a cell, as a student would type it (markers removed).
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.course import SOURCE


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def is_solution_cell(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def solution_code(lab: str) -> dict[str, str]:
    """``{cell id: code}`` of every solution cell of ``source/<lab>``, without the BEGIN/END markers."""
    nb = nbformat.read(SOURCE / lab / f"{lab}.ipynb", as_version=4)
    out = {}
    for cell in nb.cells:
        if is_solution_cell(cell):
            lines = [ln for ln in cell.source.splitlines() if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            out[grade_id(cell)] = "\n".join(lines)
    return out


def build_submission(release_nb: Path, dest: Path, fills: dict[str, str]) -> Path:
    """Write ``release_nb`` with the solution cells named in ``fills`` replaced, to ``dest``."""
    nb = nbformat.read(release_nb, as_version=4)
    unknown = set(fills) - {grade_id(c) for c in nb.cells if is_solution_cell(c)}
    if unknown:
        raise KeyError(f"no solution cell named {sorted(unknown)} in {release_nb}")
    for cell in nb.cells:
        if is_solution_cell(cell) and grade_id(cell) in fills:
            cell.source = fills[grade_id(cell)]
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return dest

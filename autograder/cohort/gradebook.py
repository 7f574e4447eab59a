"""Read scores back from an nbgrader gradebook (nbgrader.api.Gradebook)."""
from __future__ import annotations

from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry


def db_url(root: Path) -> str:
    return f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"


def cell_scores(root: Path, lab: str, student: str) -> dict[str, tuple[float, float]] | None:
    """``{grade cell id: (score, max_score)}`` of one graded submission, or ``None`` if not graded."""
    with Gradebook(db_url(root)) as gb:
        try:
            nb = gb.find_submission_notebook(lab, lab, student)
        except MissingEntry:
            return None
        return {g.name: (float(g.score), float(g.max_score)) for g in nb.grades}

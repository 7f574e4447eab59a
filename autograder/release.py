"""Regenerate ``release/`` from ``source/`` with plain ``nbgrader generate_assignment``."""
from __future__ import annotations

from pathlib import Path

from autograder.course import REPO, labs, nbgrader


def regenerate_release(lab_ids: list[str] | None = None, root: Path = REPO, quiet: bool = False) -> list[str]:
    """Run ``nbgrader generate_assignment <lab> --force`` for each lab on course ``root``.

    At the repository root this rewrites the committed ``release/`` (and records the assignments in
    the course gradebook, as nbgrader always does). Returns the lab ids released.
    """
    chosen = lab_ids or labs()
    unknown = sorted(set(chosen) - set(labs()))
    if unknown:
        raise SystemExit(f"unknown lab(s) {unknown}; labs in source/: {labs()}")
    for lab in chosen:
        nbgrader("generate_assignment", lab, "--force", root=root)
        if not quiet:
            print(f"released {lab} -> {Path(root) / 'release' / lab}")
    return chosen

"""The notebook's own experiment code, run with the reference solutions in place of a student's functions.

A claim test reruns an experiment as the notebook writes it: :func:`given_cells` executes the lab's given
(locked) code cells, named by grade id, in a namespace that holds the reference package's functions
(``solutions.<lab>``) and whatever the caller adds; :func:`bound_in_cell` takes one top-level assignment
(say the hand-tuned hyperparameters ``HYPER``) out of the one cell that holds ``phrase``, so the test uses
the notebook's values rather than a copy of them.
"""
from __future__ import annotations

import ast
import importlib

import nbformat

from autograder.course import SOURCE


def _cells(lab: str) -> list:
    return nbformat.read(SOURCE / lab / f"{lab}.ipynb", as_version=4).cells


def reference_functions(lab: str) -> dict:
    """The public names of ``solutions.<lab>`` (the graded functions of the lab)."""
    module = importlib.import_module(f"solutions.{lab}")
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}


def given_cells(lab: str, grade_ids: list[str], namespace: dict) -> dict:
    """Execute the given cells ``grade_ids`` of the lab, in order, in ``namespace`` (updated and returned)."""
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in _cells(lab)}
    for grade_id in grade_ids:
        exec(compile(by_id[grade_id].source, f"<{lab} {grade_id}>", "exec"), namespace)
    return namespace


def cell_with(lab: str, phrase: str) -> str:
    """The source of the one cell of the lab that holds ``phrase``."""
    (source,) = [c.source for c in _cells(lab) if phrase in c.source]
    return source


def bound_in_cell(lab: str, phrase: str, name: str, namespace: dict | None = None):
    """The value the top-level statement ``name = ...`` (or ``a, name = ...``) of the cell holding ``phrase`` gives ``name``."""
    tree = ast.parse(cell_with(lab, phrase))
    (node,) = [n for n in tree.body if isinstance(n, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == name for target in n.targets for t in ast.walk(target))]
    scope = dict(namespace or {})
    exec(compile(ast.Module([node], type_ignores=[]), f"<{lab}: {name}>", "exec"), scope)
    return scope[name]

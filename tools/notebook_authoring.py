"""Helpers for writing nbgrader source notebooks from Python (authors' convenience, not graded code).

The source notebook in ``source/<lab_id>/<lab_id>.ipynb`` is the single truth of what is graded;
these helpers only build cells with the right nbgrader metadata (schema 3):

* ``markdown(text)``                      read-only explanation
* ``given(code)``                         read-only code students run but do not change
* ``solution(name, code)``                the cell that defines graded function ``name``
                                          (``### BEGIN SOLUTION`` / ``### END SOLUTION`` inside)
* ``visible_check(name, code)``           read-only visible checks of ``name``
* ``hidden_test(name, lab_id, points)``   the graded test cell ``test_<name>``: one harness call
* ``free(code | text)``                   an ordinary cell (experiments, students' notes)
"""
from __future__ import annotations

import textwrap

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def markdown(text: str, grade_id: str) -> nbformat.NotebookNode:
    return new_markdown_cell(_clean(text), metadata=_meta(grade_id, locked=True))


def given(code: str, grade_id: str) -> nbformat.NotebookNode:
    return new_code_cell(_clean(code), metadata=_meta(grade_id, locked=True))


def solution(name: str, code: str) -> nbformat.NotebookNode:
    """``code`` holds the signature and docstring, then ``### BEGIN SOLUTION`` ... ``### END SOLUTION``."""
    code = _clean(code)
    if "### BEGIN SOLUTION" not in code:
        raise ValueError(f"solution cell {name!r} has no ### BEGIN SOLUTION marker")
    return new_code_cell(code, metadata=_meta(name, solution=True))


def visible_check(name: str, code: str) -> nbformat.NotebookNode:
    return new_code_cell(_clean(code), metadata=_meta(f"check_{name}", locked=True))


def hidden_test(name: str, lab_id: str, points: float, uses: tuple = ()) -> nbformat.NotebookNode:
    extra = "".join(f", {u}={u}" for u in uses)
    code = (f"# Hidden tests of `{name}` ({points:g} point{'' if points == 1 else 's'}) run when your notebook is graded.\n"
            "from labkit.checks import require_passed\n"
            f'require_passed("{name}")  # `nbgrader validate` fails until the visible checks above pass\n'
            "### BEGIN HIDDEN TESTS\n"
            "from autograder import check\n"
            f'check({name}, "{lab_id}.{name}", points={points!r}{extra})\n'
            "### END HIDDEN TESTS")
    return new_code_cell(code, metadata=_meta(f"test_{name}", grade=True, locked=True, points=points))


def free(content: str, markdown_cell: bool = False) -> nbformat.NotebookNode:
    return new_markdown_cell(_clean(content)) if markdown_cell else new_code_cell(_clean(content))


def write_notebook(cells: list, path: str) -> None:
    """Write cells as a notebook with the course's kernel spec and no outputs."""
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(nb)
    nbformat.write(nb, path)

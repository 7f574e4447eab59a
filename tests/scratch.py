"""Scratch course roots for the tests, released once per test process.

``nbgrader generate_assignment`` costs a few seconds per lab and call (nbgrader's start-up, its
preprocessors, the gradebook writes), and many tests need a course with a lab released. The first
request for a set of labs releases them into a template root; every later scratch course copies the
template's ``release/`` folders and ``gradebook.db`` (which holds the assignments, their notebooks and
cells, as generate_assignment wrote them), so each course is still a real nbgrader course root of its
own, with ``source/`` linked to the repository's.
"""
from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path

from autograder.course import scratch_course
from autograder.workflows.release import regenerate_release


@functools.lru_cache(maxsize=None)
def _template(labs: tuple[str, ...]) -> Path:
    """A course root holding ``labs`` released and nothing else (never graded: copy, don't use)."""
    root = scratch_course(Path(tempfile.mkdtemp(prefix="released-")))
    regenerate_release(list(labs), root=root, quiet=True, refresh_viva=False)
    return root


def release_template(labs: list[str] | tuple[str, ...]) -> Path:
    """The ungraded course root with ``labs`` released (``grade_with_dlcourse(..., released=...)`` copies it)."""
    return _template(tuple(sorted(labs)))


def released_course(root: Path, labs: list[str] | tuple[str, ...]) -> Path:
    """``root`` as a course with ``labs`` released into its own ``release/`` and its own gradebook."""
    template = _template(tuple(sorted(labs)))
    root = scratch_course(Path(root))
    for lab in labs:
        shutil.copytree(template / "release" / lab, root / "release" / lab, dirs_exist_ok=True)
    shutil.copy2(template / "gradebook.db", root / "gradebook.db")
    return root


#: One file of canary passes for the whole test run, shared by every xdist worker: a pass is keyed by
#: everything it depends on (worker environment, lab, grading code, sandbox, limits), so a lab's
#: reference and blank are graded on a worker once per run instead of once per scratch course.
#: Tests of the canary itself give it a course of their own and leave this file alone.
SHARED_CANARY = Path(tempfile.gettempdir()) / f"dlcourse-canary-{os.environ.get('PYTEST_XDIST_TESTRUNUID', os.getpid())}.json"

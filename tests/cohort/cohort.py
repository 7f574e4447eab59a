"""Scratch courses of lab 1 submissions for the bulk-grading tests: clean students and bad cases.

Clean students (their grades must not depend on who else is in the batch):

=========  ===========================================================
ada        the reference solutions typed in
ben        the release handed in unchanged
cam        the first half of the solution cells done
dee        the lab's sampled mutants (bugs in a few functions)
=========  ===========================================================

Bad cases, one student each (see :data:`BAD`): a kernel that dies, a kernel that hangs at start, a
cell that loops forever, a memory bomb, endless output, a corrupt file, a deleted test cell, a
renamed notebook.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from autograder.course import notebook_path, scratch_course
from autograder.course.submissions import build_submission, grade_id, solution_code
from autograder.grading import catalogue
from tests.scratch import released_course

LAB = "lab01_neurons_losses"
TIMESTAMP = "2026-11-20 17:00:00.000000 UTC\n"
CLEAN = ["ada", "ben", "cam", "dee"]
#: Limits the tests grade with (the course default per-cell timeout is 60 s).
CELL_TIMEOUT_S, STARTUP_S, MEMORY_MIB = 10, 8, 1024


def clean_fills(lab: str = LAB) -> dict[str, dict[str, str]]:
    reference = solution_code(lab)
    names = list(reference)
    dee = dict(reference)
    for function, bug in catalogue.notebook_sample(lab):
        dee[function] = catalogue.mutants(lab)[function][bug].source
    return {"ada": dict(reference), "ben": {}, "cam": {n: reference[n] for n in names[: len(names) // 2]}, "dee": dee}


def _last(reference: dict) -> str:
    return list(reference)[-1]


def bad_fills(lab: str = LAB) -> dict[str, dict[str, str]]:
    """Fills of the bad-case students whose notebook is well formed (the rest are made on disk)."""
    ref = solution_code(lab)
    first, last = list(ref)[0], _last(ref)
    return {
        "crash": {**ref, last: "import os\nos._exit(1)\n" + ref[last]},
        "hangstart": dict(ref),
        "loop": {**ref, first: "while True:\n    pass\n" + ref[first]},
        "membomb": {**ref, last: "import numpy as np\n_hog = [np.ones(2**24) for _ in range(200)]\n" + ref[last]},
        "spam": {**ref, last: "while True:\n    print('spam ' * 200)\n" + ref[last]},
        "corrupt": dict(ref),
        "deleted": dict(ref),
        "renamed": dict(ref),
    }


BAD = ["crash", "hangstart", "loop", "membomb", "spam", "corrupt", "deleted", "renamed"]


def make_course(root: Path, students: dict[str, dict[str, str]], lab: str = LAB) -> Path:
    """A scratch course at ``root`` with ``lab`` released (into the scratch course's own ``release/``:
    never the repository's, which other tests read meanwhile) and one submission per student."""
    root = released_course(root, [lab])
    for student, fills in students.items():
        add_submission(root, student, fills, lab)
    return root


def add_submission(root: Path, student: str, fills: dict[str, str], lab: str = LAB) -> Path:
    dest = build_submission(notebook_path(root, "release", lab), notebook_path(root, "submitted", lab, student), fills)
    (dest.parent / "timestamp.txt").write_text(TIMESTAMP)
    if student == "corrupt":
        text = dest.read_text()
        dest.write_text(text[: len(text) // 3])
    elif student == "hangstart":
        # A file named like the kernel's launcher module shadows it (the kernel runs `python -m
        # ipykernel_launcher` in the submission's folder), so the kernel never comes up.
        (dest.parent / "ipykernel_launcher.py").write_text("import time\ntime.sleep(3600)\n")
    elif student == "deleted":
        nb = nbformat.read(dest, as_version=4)
        nb.cells = [c for c in nb.cells if grade_id(c) != DELETED_CELL]
        nbformat.write(nb, dest)
    elif student == "renamed":
        dest.rename(dest.with_name(f"{lab} (1).ipynb"))
    return dest


#: The test cell the "deleted" student removed.
DELETED_CELL = "test_sigmoid"


def copy_course(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest

"""Check one lab end to end, for authors: ``dlcourse check-lab LAB``.

In a scratch course root: generate the release from ``source/``, submit (a) the release with the
source's solutions filled in and (b) the release unchanged, autograde both with plain nbgrader, and
report every grade cell's score. Then the same two go through ``dlcourse grade`` in a second scratch
root (sandboxed kernel, outputs reported on fresh cases, scored outside the kernel). On both paths
the reference must score full marks and the blank release zero.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from autograder.course import nbgrader, notebook_path, scratch_course
from autograder.cohort.gradebook import cell_scores
from autograder.course.submissions import build_submission, solution_code


#: A tag no cell carries: the reference's timed run skips nothing (its experiments and visible checks included).
RUN_EVERYTHING = "dlcourse-run-every-cell"


def check_lab(lab: str, root: Path | None = None, extra: dict[str, dict[str, str]] | None = None,
              via_dlcourse: bool = True, dlcourse_students: tuple[str, ...] = ("reference", "blank"),
              canary_cache: Path | None = None, run_every_cell: bool = False) -> dict:
    """Autograde the reference and blank submissions of ``lab`` (plus ``extra`` students' fills).

    The reference runs every cell; the others skip what grading skips (experiments, visible checks),
    unless ``run_every_cell`` (``tools/prove_variants.py`` reads each variant's visible checks).

    Returns ``{student: {grade cell: (score, max)}}`` from plain nbgrader, the reference's autograde
    time under ``"_seconds"``, the scratch root under ``"_root"``, and with ``via_dlcourse`` the
    scores of ``dlcourse_students`` from ``dlcourse grade`` under ``"_dlcourse"`` and what its canary
    did under ``"_canary"`` (``canary_notebooks``: 2 when it graded the lab's reference and blank on
    the worker, both judged right, else the run raises; 0 when a pass in ``canary_cache`` covered it).
    """
    root = scratch_course(Path(root) if root else Path(tempfile.mkdtemp(prefix=f"labcheck-{lab}-")))
    nbgrader("generate_assignment", lab, "--force", root=root)
    released = root.parent / f"{root.name}-released"  # the release and its gradebook, before any grading
    if via_dlcourse:  # the dlcourse half starts from them
        shutil.copytree(root / "release", released / "release", symlinks=True)
        shutil.copy2(root / "gradebook.db", released / "gradebook.db")
    release = notebook_path(root, "release", lab)
    reference = solution_code(lab)
    students = {"reference": reference, "blank": {}}
    for name, fills in (extra or {}).items():
        students[name] = {**reference, **fills}
    for student, fills in students.items():
        build_submission(release, notebook_path(root, "submitted", lab, student), fills)
    # The reference alone first, timed, with its experiments (what a student's "Run all" costs;
    # nbgrader start-up included, so this over-estimates the notebook's own run time); then everyone
    # else as grading runs them, experiments and visible checks skipped (nbgrader skips what is
    # already autograded).
    t0 = time.perf_counter()
    nbgrader("autograde", lab, "--student", "reference", f"--Execute.skip_cells_with_tag={RUN_EVERYTHING}", root=root)
    reference_seconds = time.perf_counter() - t0
    nbgrader("autograde", lab, *([f"--Execute.skip_cells_with_tag={RUN_EVERYTHING}"] if run_every_cell else []), root=root)
    out = {student: cell_scores(root, lab, student) for student in students}
    out["_seconds"] = reference_seconds
    out["_root"] = str(root)
    if via_dlcourse:
        out["_canary"] = {}
        out["_dlcourse"] = grade_with_dlcourse(lab, {s: students[s] for s in dlcourse_students},
                                               root.parent / f"{root.name}-dlcourse", released=released,
                                               canary_cache=canary_cache, stats=out["_canary"])
    return out


def grade_with_dlcourse(lab: str, students: dict[str, dict[str, str]], root: Path,
                        released: Path | None = None, canary_cache: Path | None = None,
                        stats: dict | None = None) -> dict:
    """``{student: {grade cell: (score, max)}}`` of ``students``' fills graded by ``dlcourse grade``
    (one in-process Dask worker; each kernel still runs in its own sandboxed process). ``released``:
    a course folder holding this lab's ``release/`` and the ``gradebook.db`` that generated it, copied
    instead of running ``nbgrader generate_assignment`` again. ``canary_cache`` and ``stats``: as
    :func:`autograder.cohort.grade.grade_labs` takes them."""
    from distributed import Client, LocalCluster

    from autograder.cohort.grade import grade_labs

    root = scratch_course(root)
    if released is not None:
        shutil.copytree(Path(released) / "release", root / "release", symlinks=True, dirs_exist_ok=True)
        shutil.copy2(Path(released) / "gradebook.db", root / "gradebook.db")
    else:
        nbgrader("generate_assignment", lab, "--force", root=root)
    release = notebook_path(root, "release", lab)
    for student, fills in students.items():
        build_submission(release, notebook_path(root, "submitted", lab, student), fills)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        grade_labs(root, [lab], client=client, progress=False, canary_cache=canary_cache, stats=stats)
    return {student: cell_scores(root, lab, student) for student in students}


def main(lab: str) -> int:
    result = check_lab(lab)
    ok = True
    rows = [(f"{s} (nbgrader autograde)", s, result[s]) for s in ("reference", "blank")]
    rows += [(f"{s} (dlcourse grade)", s, result["_dlcourse"][s]) for s in ("reference", "blank")]
    for label, student, scores in rows:
        if scores is None:
            print(f"{label}: NOT GRADED")
            ok = False
            continue
        total = sum(s for s, _ in scores.values())
        maximum = sum(m for _, m in scores.values())
        print(f"{label}: {total:g} / {maximum:g}")
        for cell, (s, m) in scores.items():
            bad = (student == "reference" and s != m) or (student == "blank" and s != 0)
            ok &= not bad
            print(f"  {'!!' if bad else '  '} {cell}: {s:g} / {m:g}")
    print(f"autograding the reference submission took {result['_seconds']:.1f} s, nbgrader start-up included"
          f" (course root {result['_root']})")
    return 0 if ok else 1

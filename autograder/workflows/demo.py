"""``make demo``: release the labs, collect and grade an example cohort with the TA's commands, print the table.

The cohort (built fresh in a scratch course root, ``build/demo`` by default) has one student per
kind of submission a TA meets:

=========  ==================================================================
ada        every solution correct
ben        the release handed in unchanged
cam        the first half of each lab's solution cells done, the rest stubs
dee        plausible bugs (the mutants in ``tests/mutants``) in a few functions
eve        a solution cell that loops forever in lab 2 (interrupted by the per-cell timeout)
fay        a corrupt notebook file for lab 3 (truncated JSON)
=========  ==================================================================

The run goes the way a TA's does: ``dlcourse roster import``, ``dlcourse collect`` of one Moodle-style
zip per lab, ``dlcourse grade`` on a Dask LocalCluster, ``dlcourse report`` and ``dlcourse feedback``,
then plain ``nbgrader export``. A submission that cannot be graded gets 0 and a reason, and never
stops the run.
"""
from __future__ import annotations

import csv
import shutil
import sys
import time
from pathlib import Path

import nbformat

from autograder.course import REPO, labs, nbgrader, notebook_path, scratch_course
from autograder.cohort.gradebook import cell_scores
from autograder.workflows.release import regenerate_release
from autograder.course.submissions import build_submission, solution_code

STUDENTS = ["ada", "ben", "cam", "dee", "eve", "fay"]
#: The demo grades the four NumPy labs by default (about 4 minutes on 2 cores); the PyTorch labs
#: train models in every submission and can be added with ``dlcourse demo --labs``.
DEFAULT_LABS = ["lab01_neurons_losses", "lab02_backprop", "lab03_optimizers", "lab04_regularization_init"]
LOOPING = ("eve", "lab02_backprop")
CORRUPT = ("fay", "lab03_optimizers")
INFINITE_LOOP = "while True:  # the student's unfinished loop\n    pass\n"


def _mutants():
    sys.path.insert(0, str(REPO))
    from tests import mutants  # the same bugs the test suite uses

    return mutants


def cohort_fills(lab: str) -> dict[str, dict[str, str]]:
    """``{student: {solution cell id: code}}`` for every student but the corrupt one."""
    reference = solution_code(lab)
    names = list(reference)
    fills = {
        "ada": dict(reference),
        "ben": {},
        "cam": {n: reference[n] for n in names[: len(names) // 2]},
        "dee": dict(reference),
        "eve": dict(reference),
        "fay": dict(reference),
    }
    mutants = _mutants()
    if lab in mutants.available_labs():
        for function, bug in mutants.notebook_sample(lab):
            fills["dee"][function] = mutants.mutants(lab)[function][bug]
    if lab == LOOPING[1]:
        fills["eve"][names[0]] = INFINITE_LOOP + reference[names[0]]
    return fills


def build_cohort(root: Path, lab_ids: list[str]) -> None:
    for lab in lab_ids:
        release = notebook_path(root, "release", lab)
        for student, fills in cohort_fills(lab).items():
            dest = build_submission(release, notebook_path(root, "submitted", lab, student), fills)
            (dest.parent / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC\n")
            if (student, lab) == CORRUPT:
                text = dest.read_text()
                dest.write_text(text[: len(text) // 3])  # an upload cut short


def reasons(root: Path, lab: str, student: str, scores: dict | None) -> list[str]:
    """Why a submission lost marks wholesale: unreadable file, timed-out or failing cells."""
    submitted = notebook_path(root, "submitted", lab, student)
    try:
        nbformat.read(submitted, as_version=4)
    except Exception as exc:
        return [f"notebook file is corrupt ({type(exc).__name__}: {str(exc).split(':')[0]}); not graded"]
    if scores is None:
        return ["nbgrader could not grade the submission (see its log)"]
    if not notebook_path(root, "autograded", lab, student).is_file():
        return ["nothing could be run; graded 0"]
    out = []
    graded = nbformat.read(notebook_path(root, "autograded", lab, student), as_version=4)
    for i, cell in enumerate(graded.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "CellTimeoutError":
                cid = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {i}")
                out.append(f"'{cid}' timed out and was interrupted")
    lost = [c for c, (s, m) in scores.items() if s < m]
    if lost and len(lost) < len(scores):
        out.append(f"lost points on {', '.join(c.removeprefix('test_') for c in lost[:4])}"
                   + (f" and {len(lost) - 4} more" if len(lost) > 4 else ""))
    elif lost:
        out.append("no test passed")
    return out


#: The demo's class list (ids are the folder names under submitted/).
ROSTER = [("ada", "Ada", "Lovelace"), ("ben", "Ben", "Okafor"), ("cam", "Cam", "Duarte"),
          ("dee", "Dee", "Ng"), ("eve", "Eve", "Moreau"), ("fay", "Fay", "Haddad")]


def write_roster(root: Path) -> Path:
    path = root / "students.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "first_name", "last_name", "email"])
        for sid, first, last in ROSTER:
            w.writerow([sid, first, last, f"{sid}@uni.example"])
    return path


def build_lms_archive(root: Path, lab: str, dest: Path) -> Path:
    """The cohort's notebooks for ``lab`` as a Moodle "Download all submissions" zip at ``dest``."""
    import zipfile

    staging = root / "lms" / lab
    build_cohort_into(root, lab, staging)
    names = {sid: f"{first} {last}" for sid, first, last in ROSTER}
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w") as zf:
        for k, student in enumerate(STUDENTS):
            nb = staging / student / f"{lab}.ipynb"
            info = zipfile.ZipInfo(f"{names[student]}_{1000 + k}_assignsubmission_file_/{lab}.ipynb",
                                   date_time=(2026, 11, 20, 17, 0, 0))
            zf.writestr(info, nb.read_bytes())
    return dest


def build_cohort_into(root: Path, lab: str, folder: Path) -> None:
    release = notebook_path(root, "release", lab)
    for student, fills in cohort_fills(lab).items():
        dest = build_submission(release, folder / student / f"{lab}.ipynb", fills)
        if (student, lab) == CORRUPT:
            text = dest.read_text()
            dest.write_text(text[: len(text) // 3])  # an upload cut short


def run_demo(out: str = "build/demo", lab_ids: list[str] | None = None, workers: int = 2) -> int:
    """Release, import the roster and an LMS download per lab, grade on Dask, report, feedback, table."""
    from autograder.cohort.collect import collect
    from autograder.cohort.feedback import write_feedback
    from autograder.cohort.grade import run_grade
    from autograder.cohort.report import write_report
    from autograder.cohort.roster import import_roster

    root = (REPO / out).resolve() if not Path(out).is_absolute() else Path(out)
    if root.exists():
        shutil.rmtree(root)
    scratch_course(root)
    all_labs = labs()
    lab_ids = lab_ids or [lab for lab in DEFAULT_LABS if lab in all_labs]
    unknown = sorted(set(lab_ids) - set(all_labs))
    if unknown:
        raise SystemExit(f"unknown lab(s) {unknown}; labs in source/: {all_labs}")
    # The demo's own release/ (never the repository's: a TA's edited source/ would rewrite it), of the
    # labs it grades only, from the committed source/ as it is (viva-prep pages included).
    print(f"1/6 nbgrader generate_assignment into {root / 'release'} ({len(lab_ids)} labs)")
    regenerate_release(lab_ids, root=root, quiet=True, refresh_viva=False)
    print("2/6 dlcourse roster import students.csv")
    created, _ = import_roster(root, write_roster(root))
    print(f"    {created} students")
    print(f"3/6 dlcourse collect: one Moodle-style zip per lab ({', '.join(lab_ids)})")
    for lab in lab_ids:
        rows = collect(root, lab, build_lms_archive(root, lab, root / "lms" / f"{lab}.zip"))
        print(f"    {lab}: {sum(r.outcome.startswith('imported') for r in rows)} imported, "
              f"{sum(not r.outcome.startswith('imported') for r in rows)} kept aside")
    print(f"4/6 dlcourse grade --workers {workers} (Dask LocalCluster; one kernel per submission)")
    t0 = time.perf_counter()
    run_grade(root, lab_ids, workers=workers, progress=True)  # a bar in a terminal, lines in a log
    print(f"    graded in {time.perf_counter() - t0:.0f} s")
    print("5/6 dlcourse report and dlcourse feedback")
    for lab in lab_ids:
        page = write_report(root, lab)
        files, _ = write_feedback(root, lab)
        print(f"    {lab}: {page.relative_to(root)}, {len(files)} feedback pages")
    print("6/6 exporting grades with nbgrader export")
    nbgrader("export", f"--to={root / 'grades.csv'}", root=root)
    print_table(root, lab_ids)
    return 0


def print_table(root: Path, lab_ids: list[str]) -> None:
    rows = list(csv.DictReader(open(root / "grades.csv")))
    exported = {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"])) for r in rows}
    short = [lab.split("_")[0] for lab in lab_ids]
    print()
    print(f"{'student':<9}" + "".join(f"{s:>13}" for s in short) + f"{'total':>13}")
    notes = []
    for student in STUDENTS:
        line, total, maximum = f"{student:<9}", 0.0, 0.0
        for lab in lab_ids:
            score, max_score = exported.get((student, lab), (0.0, 0.0))
            total, maximum = total + score, maximum + max_score
            line += f"{score:>7.2f}/{max_score:<5g}"
            for why in reasons(root, lab, student, cell_scores(root, lab, student)):
                notes.append(f"  {student} {lab}: {why}")
        print(line + f"{total:>7.2f}/{maximum:<5g}")
    print()
    print("Reasons:")
    print("\n".join(notes) if notes else "  (none)")
    print(f"\ngrades.csv (nbgrader export): {root / 'grades.csv'}")

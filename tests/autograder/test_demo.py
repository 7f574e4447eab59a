"""The demo cohort holds the submissions the README promises (fast: no nbgrader run)."""
import nbformat
import pytest

from autograder.course import RELEASE, notebook_path, scratch_course
from autograder.workflows.demo import CORRUPT, DEFAULT_LABS, LOOPING, STUDENTS, build_cohort
from autograder.course.submissions import grade_id, solution_code


def test_cohort_has_every_kind_of_submission(tmp_path):
    root = scratch_course(tmp_path)
    (root / "release").symlink_to(RELEASE, target_is_directory=True)
    build_cohort(root, DEFAULT_LABS)
    for lab in DEFAULT_LABS:
        reference = solution_code(lab)
        for student in STUDENTS:
            path = notebook_path(root, "submitted", lab, student)
            assert path.is_file() and (path.parent / "timestamp.txt").is_file()
            if (student, lab) == CORRUPT:
                with pytest.raises(Exception):
                    nbformat.read(path, as_version=4)
                continue
            cells = {grade_id(c): c.source for c in nbformat.read(path, as_version=4).cells if grade_id(c) in reference}
            if student == "ada":
                assert cells == reference
            if student == "ben":
                assert all("raise NotImplementedError()" in src for src in cells.values())
            if student == "dee":
                assert sum(src != reference[k] for k, src in cells.items()) >= 2, f"dee has no bug in {lab}"
            if (student, lab) == LOOPING:
                assert any(src.startswith("while True:") for src in cells.values())


def _digests(folder):
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.notebook
def test_the_demo_releases_into_its_own_course_and_leaves_the_repositorys_release_untouched(tmp_path, capsys):
    import csv

    from autograder.course import SOURCE
    from autograder.workflows.demo import run_demo

    before = _digests(RELEASE), _digests(SOURCE)
    lab = DEFAULT_LABS[0]
    assert run_demo(str(tmp_path / "demo"), [lab]) == 0
    assert (_digests(RELEASE), _digests(SOURCE)) == before
    own = tmp_path / "demo" / "release"
    assert not own.is_symlink() and sorted(p.name for p in own.iterdir()) == [lab]
    rows = list(csv.DictReader(open(tmp_path / "demo" / "grades.csv")))
    assert {r["student_id"] for r in rows if r["assignment"] == lab} == set(STUDENTS)
    out = capsys.readouterr().out
    assert "9/9 dlcourse course-grades" in out
    # The Moodle "Upload multiple feedback files in a zip": one folder per collected student, holding their page.
    import zipfile

    with zipfile.ZipFile(tmp_path / "demo" / "feedback" / f"{lab}_moodle_feedback.zip") as archive:
        pages = [n for n in archive.namelist() if n.endswith(".html")]
    assert len(pages) == len(STUDENTS) and all("_assignsubmission_file_/" in n for n in pages), pages
    # The cohort over the three sessions: ada (Tuesday) and eve (Thursday) upload lab 1 at the same instant.
    assert "ada (tue) lab01_neurons_losses: submitted Sat 11 Jan 2025 10:00 IST, due Fri 10 Jan 2025 24:00 IST: 10.0 h late" in out
    assert "eve (thu) lab01_neurons_losses: submitted Sat 11 Jan 2025 10:00 IST, due Sun 12 Jan 2025 24:00 IST: on time" in out
    course = list(csv.DictReader(open(tmp_path / "demo" / "reports" / "course-grades.csv")))
    assert [r["id"] for r in course] == sorted(STUDENTS)
    vivas = {r["id"]: r["viva1 (/10)"] for r in course}
    assert vivas["ada"] == "9" and vivas["dee"] == "6" and vivas["ben"] == "0"


def test_dee_makes_mistakes_that_diagnosis_can_name_in_every_demo_lab():
    """The demo's feedback, report and viva sheets show misconceptions (issue 17): in each default lab,
    at least one of dee's catalogue bugs is a diagnosable mistake of a function compared value by value."""
    from autograder.grading import catalogue
    from autograder.grading.cases import get_spec
    from autograder.grading.diagnosis import diagnosable

    for lab in DEFAULT_LABS:
        bugs = [catalogue.mutants(lab)[f][name] for f, name in catalogue.notebook_sample(lab)]
        assert any(e.diagnosable and diagnosable(get_spec(f"{lab}.{e.function}")) for e in bugs), lab

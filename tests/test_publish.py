"""The student bundle (`dlcourse publish`), release/ and feedback hold nothing of the grading side."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.course import RELEASE, REPO, labs
from autograder.course.leaks import grading_side_lines, lab_number as _lab_number, leaks_in
from autograder.workflows.publish import STUDENT_PACKAGES, build_bundle
from autograder.grading.salt import _DEFAULT_SALT
from autograder.course.submissions import solution_code

@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build_bundle(tmp_path_factory.mktemp("pub") / "student-bundle")


def _texts(folder: Path) -> dict[str, tuple[int, str]]:
    """``{path: (lab number, or 0 outside a lab folder, text a student sees)}``."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        lab = next((part for part in path.parts if re.match(r"^lab\d\d_", part)), None)
        number = _lab_number(lab) if lab else 0
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            out[str(path)] = (number, "\n".join(c.source for c in nb.cells))
        else:
            out[str(path)] = (number, path.read_text(errors="replace"))
    return out


def _assert_clean(texts: dict[str, tuple[int, str]]):
    for where, (number, text) in texts.items():
        found = leaks_in(text, number)
        assert not found, f"{where} {found[0]}"


def test_bundle_holds_exactly_the_student_files(bundle):
    folder, archive = bundle
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    expected_labs = {f"labs/{lab}/{p.name}" for lab in labs() for p in (RELEASE / lab).iterdir() if p.is_file()}
    toolkit = {f"labkit/{p.name}" for p in (REPO / "labkit").glob("*.py")}
    schedule = {"schedule/index.html", "schedule/tue.ics", "schedule/wed.ics", "schedule/thu.ics"}  # calendar.yaml's sessions
    assert names == {"README.md", "requirements-student.txt", "pyproject.toml", "nbgrader_config.py"} | toolkit | expected_labs | schedule
    page = (folder / "schedule" / "index.html").read_text()
    assert "Thursday 13:00-16:00" in page and "Sun 12 Jan 2025 24:00 IST" in page  # lab 1's Thursday deadline
    with zipfile.ZipFile(archive) as zf:
        assert {n.split("/", 1)[1] for n in zf.namelist()} == names
    reqs = (folder / "requirements-student.txt").read_text()
    for package in STUDENT_PACKAGES:
        assert re.search(rf"^{re.escape(package)}==\S+$", reqs, flags=re.M), package
    assert "torch==2.13.0\n" in reqs
    assert "nbgrader==0.9.6\n" in reqs  # the Validate button and `nbgrader validate`, at the course's version


def test_the_bundle_config_imports_nothing_and_the_readme_installs_the_cpu_build(bundle):
    """The course's nbgrader_config.py imports the grader; the bundle's imports nothing at all, and
    takes the course's per-cell limit. The README installs torch's CPU build from PyTorch's index
    before the requirements (which would fetch PyPI's CUDA build on Linux) and names the CUDA build."""
    import ast

    folder, _ = bundle
    config = (folder / "nbgrader_config.py").read_text()
    tree = ast.parse(config)
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert "from autograder" in (REPO / "nbgrader_config.py").read_text()  # why the course's cannot ship
    assert "c.Execute.timeout = 60\n" in config
    readme = (folder / "README.md").read_text()
    cpu = readme.index("pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu")
    assert cpu < readme.index("pip install -r requirements-student.txt") < readme.index("python -m labkit.jupyter_setup")
    assert "CUDA build" in readme and "Validate" in readme


def test_bundle_leaks_no_solution_hidden_test_or_grading_secret(bundle):
    folder, _ = bundle
    _assert_clean(_texts(folder))


def test_release_folder_leaks_nothing(tmp_path):
    _assert_clean(_texts(RELEASE))


def test_the_leak_check_catches_a_leak(bundle, tmp_path):
    """The checks above can fail: a solution line or a module line planted in a copy is found."""
    folder, _ = bundle
    texts = _texts(folder)
    lab = labs()[1]
    secrets = grading_side_lines()
    origin = next(f"source/{lab}:{name}" for name in solution_code(lab) if secrets[f"source/{lab}:{name}"][1])
    line = sorted(secrets[origin][1])[0]
    with pytest.raises(AssertionError, match="repeats code"):
        _assert_clean({**texts, "planted": (_lab_number(lab), line)})
    _assert_clean({"given later": (_lab_number(lab) + 1, line)})  # allowed in a later lab
    module_line = sorted(grading_side_lines()["autograder/kernel/harness.py"][1])[0]
    with pytest.raises(AssertionError, match="repeats code"):
        _assert_clean({"planted": (13, module_line)})
    with pytest.raises(AssertionError, match="contains"):
        _assert_clean({"planted": (0, f"salt = '{_DEFAULT_SALT}'")})

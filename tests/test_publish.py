"""The student bundle (`dlcourse publish`), release/ and feedback hold nothing of the grading side."""
from __future__ import annotations

import importlib
import inspect
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.course import RELEASE, REPO, labs
from autograder.publish import STUDENT_PACKAGES, build_bundle
from autograder.seeding import _DEFAULT_SALT
from autograder.submissions import solution_code

GRADING_MARKERS = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "from autograder",
                   "import autograder", "from solutions", "import solutions", _DEFAULT_SALT, "DLCOURSE_GRADING_SALT"]


def _code_lines(path: Path) -> set[str]:
    return _code_lines_of(path.read_text())


def _code_lines_of(text: str) -> set[str]:
    """Distinctive code lines: over 40 characters, not comments, docstrings, defs, imports or returns."""
    out, in_doc = set(), False
    for raw in text.splitlines():
        line = raw.strip()
        if line.count('"""') == 1:
            in_doc = not in_doc
            continue
        if in_doc or len(line) <= 40 or line.startswith(("#", "def ", "class ", "import ", "from ", '"""', "raise ", "except ", "return ")):
            continue
        out.add(line)
    return out


def _lab_number(lab: str) -> int:
    return int(lab[3:5])


def _reference_lines(lab: str) -> set[str]:
    """Code lines of the reference implementations of ``lab``'s graded functions (``solutions.<lab>``)."""
    module = importlib.import_module(f"solutions.{lab}")
    lines = set()
    for name in solution_code(lab):
        obj = getattr(module, name, None)
        if obj is None or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        lines |= _code_lines_of(inspect.getsource(obj))
    return lines


def grading_side_lines() -> dict[str, tuple[int, set[str]]]:
    """``{origin: (lab number from which it may be given to students, lines that must not leak)}``.

    Lines over 40 characters only, so that idioms (``for epoch in range(epochs):``) do not count;
    tests/notebooks/test_release.py checks each lab's own solution lines more strictly.
    The reference of a lab's graded functions (in ``solutions/`` and in the source's solution cells)
    may appear in later labs' notebooks as given material (lab 2 hands out lab 1's activations); never
    in its own lab or earlier ones. A lab's case module not before that lab; the rest of
    ``autograder/`` never appears anywhere (number 10**6).
    """
    never = 10**6
    found = {}
    for path in sorted((REPO / "autograder").rglob("*.py")):
        rel = str(path.relative_to(REPO))
        case_lab = re.match(r"autograder/cases/lab(\d\d)_", rel)
        # A lab's case module tests what its notebook shows: its helpers may share a line with the
        # notebook's given code (a training helper); what is secret there (the salt-seeded inputs)
        # is not code. The harness, guards, seeding and the rest of autograder/ never appear.
        found[rel] = (int(case_lab.group(1)) if case_lab else never, _code_lines(path))
    for lab in labs():
        found[f"solutions.{lab}"] = (_lab_number(lab) + 1, _reference_lines(lab))
        for name, code in solution_code(lab).items():
            body = code.split('"""')[-1] if code.count('"""') >= 2 else code
            found[f"source/{lab}:{name}"] = (_lab_number(lab) + 1, _code_lines_of(body))
    return found


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
    secrets = grading_side_lines()
    for where, (lab_number, text) in texts.items():
        for marker in GRADING_MARKERS:
            assert marker not in text, f"{where} contains {marker!r}"
        lines = {ln.strip() for ln in text.splitlines()}
        for origin, (given_from, forbidden) in secrets.items():
            if lab_number >= given_from:
                continue  # an earlier lab's reference, handed out as given material
            leaked = sorted(lines & forbidden)
            assert not leaked, f"{where} repeats code of {origin}: {leaked[:2]}"


def test_bundle_holds_exactly_the_student_files(bundle):
    folder, archive = bundle
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    expected_labs = {f"labs/{lab}/{p.name}" for lab in labs() for p in (RELEASE / lab).iterdir() if p.is_file()}
    toolkit = {f"labkit/{p.name}" for p in (REPO / "labkit").glob("*.py")}
    assert names == {"README.md", "requirements-student.txt", "pyproject.toml"} | toolkit | expected_labs
    with zipfile.ZipFile(archive) as zf:
        assert {n.split("/", 1)[1] for n in zf.namelist()} == names
    reqs = (folder / "requirements-student.txt").read_text()
    for package in STUDENT_PACKAGES:
        assert re.search(rf"^{re.escape(package)}==\S+$", reqs, flags=re.M), package
    assert "torch==2.13.0\n" in reqs


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
    module_line = sorted(grading_side_lines()["autograder/harness.py"][1])[0]
    with pytest.raises(AssertionError, match="repeats code"):
        _assert_clean({"planted": (13, module_line)})
    with pytest.raises(AssertionError, match="contains"):
        _assert_clean({"planted": (0, f"salt = '{_DEFAULT_SALT}'")})

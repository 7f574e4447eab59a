"""Every dlcourse command that reads a gradebook, run on a course root that lacks it (and with the
venv's bin not on PATH): one line saying what is missing and how to make it, exit status 1, no
traceback, and nothing created or changed in the course root."""
import hashlib
import zipfile
from pathlib import Path

import pytest

from autograder import cli
from autograder.cohort import preflight

LAB = "lab01_neurons_losses"


def _snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def no_venv_on_path(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # `.venv/bin/dlcourse` run without activating the venv


def _run(capsys, *argv) -> tuple[int, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.err + captured.out


def _commands(root: Path, archive: Path) -> dict[str, list[str]]:
    course = ["--course", str(root)]
    return {"report": ["report", LAB, *course], "feedback": ["feedback", LAB, *course],
            "grade": ["grade", LAB, "--no-progress", *course], "collect": ["collect", LAB, str(archive), *course],
            "viva sheet": ["viva", "sheet", "--student", "ada", "--no-pdf", *course],
            "viva sheets": ["viva", "sheets", "--all", "--no-pdf", *course],
            "viva similarity": ["viva", "similarity", LAB, *course]}


def _archive(tmp_path: Path) -> Path:
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"Ada Lovelace_1001_assignsubmission_file_/{LAB}.ipynb", "{}")
    return archive


def _assert_one_friendly_line(status: int, out: str, *expected: str):
    assert status == 1, out
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in out and "Error:" not in out.replace("error:", ""), out
    for text in expected:
        assert text in lines[0], (text, lines[0])


def test_without_a_gradebook_every_command_says_so_and_creates_nothing(tmp_path, capsys, no_venv_on_path):
    root = tmp_path / "course"
    root.mkdir()
    archive = _archive(tmp_path)
    for name, argv in _commands(root, archive).items():
        status, out = _run(capsys, *argv)
        if name == "viva similarity":  # reads submitted notebooks, not the gradebook
            _assert_one_friendly_line(status, out, f"no submissions of '{LAB}'")
        else:
            _assert_one_friendly_line(status, out, f"{root} has no gradebook (gradebook.db)")
        assert _snapshot(root) == {}, (name, _snapshot(root))


def test_a_gradebook_left_empty_by_a_failed_command_is_named(tmp_path, capsys, no_venv_on_path):
    root = tmp_path / "course"
    root.mkdir()
    (root / "gradebook.db").write_bytes(b"")
    for name, argv in _commands(root, _archive(tmp_path)).items():
        if name == "viva similarity":
            continue
        status, out = _run(capsys, *argv)
        _assert_one_friendly_line(status, out, "gradebook.db holds no gradebook tables", "it can be deleted")
        assert _snapshot(root) == {"gradebook.db": hashlib.sha256(b"").hexdigest()}, name


def test_a_roster_without_graded_work_names_the_next_command(tmp_path, capsys, no_venv_on_path):
    """``roster import`` creates the gradebook (nbgrader stamps it with ``alembic``, found although the
    venv is not on PATH); the reading commands then say which step is missing, and change nothing."""
    from nbgrader.api import Gradebook

    root = tmp_path / "course"
    root.mkdir()
    roster = tmp_path / "students.csv"
    roster.write_text("id,first_name,last_name\nada,Ada,Lovelace\n")
    status, out = _run(capsys, "roster", "import", str(roster), "--course", str(root))
    assert status == 0 and "1 student(s) added" in out, out
    before = _snapshot(root)
    archive = _archive(tmp_path)
    commands = _commands(root, archive)
    status, out = _run(capsys, *commands["collect"])
    _assert_one_friendly_line(status, out, f"{LAB} is not in the gradebook of {root}: release it first")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.add_assignment(LAB)  # released, nothing collected or graded
    before = _snapshot(root)
    for name, expected in (("report", f"no graded submissions of {LAB} in {root}: grade them first "
                                      f"(`dlcourse grade {LAB} --course {root}`)"),
                           ("feedback", f"no graded submissions of {LAB}"),
                           ("grade", f"no submissions of {LAB} under {root / 'submitted'}: collect them first")):
        status, out = _run(capsys, *commands[name])
        _assert_one_friendly_line(status, out, expected)
        assert "Protections" not in out  # grade stops before its table and its cluster
        assert _snapshot(root) == before, name
    status, out = _run(capsys, *commands["viva sheets"])
    assert status == 1 and "Traceback" not in out and "has a graded lab" in out, out
    assert _snapshot(root) == before


def test_on_the_repository_root_the_demo_course_is_suggested(tmp_path, capsys, monkeypatch, no_venv_on_path):
    repo = tmp_path / "repo"
    (repo / "build" / "demo").mkdir(parents=True)
    (repo / "build" / "demo" / "gradebook.db").write_bytes(b"made by make demo")
    monkeypatch.setattr(preflight, "REPO", repo)
    monkeypatch.setattr(preflight, "DEMO", repo / "build" / "demo")
    status, out = _run(capsys, "report", LAB, "--course", str(repo))
    _assert_one_friendly_line(status, out, "no graded submissions here",
                              f"the demo's course is `--course build/demo` (`dlcourse report {LAB} --course build/demo`)")
    assert sorted(p.name for p in repo.iterdir()) == ["build"]


def test_an_unknown_lab_or_course_folder_is_named(tmp_path, capsys, no_venv_on_path):
    status, out = _run(capsys, "report", "lab1", "--course", str(tmp_path))
    _assert_one_friendly_line(status, out, "unknown lab 'lab1'; the labs are lab01_neurons_losses, ")
    status, out = _run(capsys, "roster", "import", "x.csv", "--course", str(tmp_path / "missing"))
    _assert_one_friendly_line(status, out, f"no course root at {tmp_path / 'missing'}")

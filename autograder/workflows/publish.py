"""``dlcourse publish``: the student bundle, a folder and a zip of what students receive.

    build/student-bundle/
      README.md                 how to install, open a lab, run the visible checks, submit
      requirements-student.txt  the pinned packages a student's laptop needs (same versions as the course)
      pyproject.toml            installs the student toolkit: ``pip install -e .``
      labkit/                   the student toolkit (checks, data, plots, device)
      labs/<lab>/               each lab's release folder (notebook, viva-prep page)
      schedule/                 the term's schedule: index.html and one iCalendar file per lab session

Nothing of ``solutions/``, ``autograder/`` or ``source/`` goes in; ``tests/test_publish.py`` checks
the bundle, ``release/`` and feedback for solution code, hidden tests and grading secrets.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from autograder.cohort.late_policy import LatePenalty, describe
from autograder.cohort.pipeline import load_config
from autograder.course import RELEASE, REPO, labs
from autograder.course.schedule import find_calendar
from autograder.course.schedule_pages import write_schedule

#: Packages of the course environment that a student's kernel needs (pins taken from constraints.txt).
STUDENT_PACKAGES = ["numpy", "scipy", "matplotlib", "scikit-learn", "statsmodels", "networkx", "names", "torch",
                    "jupyterlab", "ipykernel", "nbformat"]

README = """# Deep Learning labs: student bundle

What you need: Python 3.11 and about 1 GB of disk (PyTorch, CPU build). Everything runs offline.

```bash
python3 -m venv .venv
.venv/bin/pip install -r requirements-student.txt
.venv/bin/pip install -e .          # the course toolkit, `labkit`
.venv/bin/jupyter lab labs/
```

`schedule/index.html` lists every lab of your own lab session with its date and its deadline, and
the late policy; import `schedule/<session>.ics` into your calendar app to get the labs and deadlines.

Each `labs/<lab>/` folder holds the lab notebook and `viva-prep-<lab>.md`, the questions to prepare
for your viva. In a notebook, fill in every cell that says `# YOUR CODE HERE` and run the check cell
under it: it names what is wrong ("sigmoid_derivative(0) should be 0.25, got 0.5"). Before you submit,
restart the kernel and run all cells; upload the `.ipynb` file under its own name
(`<lab>.ipynb`), unrenamed. Hidden tests with other inputs grade your functions after the deadline.
On a machine with an NVIDIA GPU the PyTorch labs use it (`labkit.device.get_device()`); on a laptop
they run on the CPU.
"""

PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "dl-course-labkit"
version = "1.0"
description = "Student toolkit of the Deep Learning labs: visible checks, offline data, plots, device"
requires-python = ">=3.10"

[tool.setuptools]
packages = ["labkit"]
"""


def _pins() -> dict[str, str]:
    """Pins of constraints.txt, overridden by requirements.txt (which pins torch without the +cpu tag)."""
    pins = {}
    for name in ("constraints.txt", "requirements.txt"):
        text = (REPO / name).read_text()
        pins.update({k.lower(): v for k, v in re.findall(r"^([A-Za-z0-9_.-]+)==([\w.+-]+)\s*$", text, flags=re.M)})
    return pins


def student_requirements() -> str:
    pins = _pins()
    missing = [p for p in STUDENT_PACKAGES if p.lower() not in pins]
    if missing:
        raise SystemExit(f"constraints.txt pins no version of {missing}")
    lines = ["# The course's pinned versions, for a student's laptop (CPU build of torch)."]
    return "\n".join(lines + [f"{p}=={pins[p.lower()]}" for p in STUDENT_PACKAGES]) + "\n"


def build_bundle(out: Path | None = None, lab_ids: list[str] | None = None) -> tuple[Path, Path]:
    """Write the bundle folder and its zip; returns ``(folder, zip path)``."""
    out = Path(out) if out else REPO / "build" / "student-bundle"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "README.md").write_text(README)
    (out / "requirements-student.txt").write_text(student_requirements())
    (out / "pyproject.toml").write_text(PYPROJECT)
    (out / "labkit").mkdir()
    for path in sorted((REPO / "labkit").glob("*.py")):
        shutil.copy(path, out / "labkit" / path.name)
    for lab in lab_ids or labs():
        src = RELEASE / lab
        if not src.is_dir():
            raise SystemExit(f"release/{lab} is missing: run `dlcourse release {lab}` first")
        shutil.copytree(src, out / "labs" / lab, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    calendar = find_calendar(REPO)
    if calendar is not None:
        write_schedule(calendar, out / "schedule", describe(LatePenalty(config=load_config(REPO)).policy()))
    archive = out.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            zf.write(path, Path(out.name) / path.relative_to(out))
    return out, archive

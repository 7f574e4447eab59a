"""``dlcourse publish``: the student bundle, a folder and a zip of what students receive.

    build/student-bundle/
      README.md                 how to install (torch's CPU or CUDA build), open a lab, run the checks, validate, submit
      requirements-student.txt  the pinned packages a student's laptop needs (same versions as the course, nbgrader included)
      nbgrader_config.py        what ``nbgrader validate`` and the Validate button read (no grader code)
      pyproject.toml            installs the student toolkit: ``pip install -e .``
      labkit/                   the student toolkit (checks, data, plots, device; ``python -m labkit.jupyter_setup``
                                turns on the Validate button and off nbgrader's instructor tools)
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
#: nbgrader: `nbgrader validate` and JupyterLab's Validate button (its instructor tools are turned off
#: by ``labkit.jupyter_setup``).
STUDENT_PACKAGES = ["numpy", "scipy", "matplotlib", "scikit-learn", "statsmodels", "networkx", "names", "torch",
                    "jupyterlab", "ipykernel", "nbformat", "nbgrader"]

README = """# Deep Learning labs: student bundle

What you need: Python 3.11 and about 1.5 GB of disk (with the CPU build of PyTorch). After installing,
everything runs offline. Commands for Linux and macOS; on Windows write `.venv\\Scripts\\` for `.venv/bin/`.

```bash
python3 -m venv .venv
# PyTorch {torch} first, the build for your machine (pip shows each download and its size):
#  - no NVIDIA GPU, Linux or Windows: the CPU build, about 190 MB
.venv/bin/pip install torch=={torch} --index-url https://download.pytorch.org/whl/cpu
#  - macOS: `.venv/bin/pip install torch=={torch}` (PyPI's macOS wheel has no CUDA)
#  - a Linux machine with an NVIDIA GPU: `.venv/bin/pip install torch=={torch}` from PyPI, the CUDA build
#    (it also downloads NVIDIA's CUDA libraries, several GB); on Windows take the CUDA index that
#    pytorch.org's "Get started" page gives for pip and CUDA
.venv/bin/pip install -r requirements-student.txt   # the course's pinned versions (torch is already there)
.venv/bin/pip install -e .                          # the course toolkit, `labkit`
.venv/bin/python -m labkit.jupyter_setup            # JupyterLab: the Validate button, no instructor menus
.venv/bin/jupyter lab labs/
```

`schedule/index.html` lists every lab of your own lab session with its date and its deadline, and
the late policy; import `schedule/<session>.ics` into your calendar app to get the labs and deadlines.

Install torch before the requirements: `pip install -r requirements-student.txt` alone would fetch
PyTorch from PyPI, which on Linux is the CUDA build (several GB), GPU or not.

Each `labs/<lab>/` folder holds the lab notebook and `viva-prep-<lab>.md`, the questions to prepare
for your viva. In a notebook, fill in every cell that says `# YOUR CODE HERE` (delete its
`raise NotImplementedError()`) and run the check cell under it: it names what is wrong
("sigmoid_derivative(0) should be 0.25, got 0.5"). Before you submit:

1. restart the kernel and run all cells (Kernel → Restart Kernel and Run All Cells…);
2. press **Validate** in the notebook's toolbar, or in a terminal run
   `.venv/bin/nbgrader validate labs/<lab>/<lab>.ipynb`: it runs the notebook in a fresh kernel with
   the time limit of grading (`nbgrader_config.py`, installed by `labkit.jupyter_setup`) and lists
   every graded cell that fails, such as a function whose visible checks have not passed;
3. upload the `.ipynb` file to the course's LMS page under its own name (`<lab>.ipynb`), unrenamed.
   (nbgrader's Assignment List and exchange are not used in this course.)

Hidden tests with other inputs grade your functions after the deadline.
On a machine with an NVIDIA GPU and the CUDA build the PyTorch labs use the GPU
(`labkit.device.get_device()`); on a laptop they run on the CPU.
"""

#: nbgrader configuration of the bundle: what validation reads. The course's own nbgrader_config.py
#: imports the grader (preprocessors of autograder/), which never ships to students.
NBGRADER_CONFIG = """\"\"\"nbgrader configuration for students (written by `dlcourse publish`): what `nbgrader validate`
and JupyterLab's Validate button read. `python -m labkit.jupyter_setup` copies it into your environment.
\"\"\"
c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

# Each cell may run this long (seconds) while validating, as when your notebook is graded.
c.Execute.timeout = {timeout}
c.Execute.kernel_name = "{kernel}"
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
    lines = ["# The course's pinned versions, for a student's laptop. Install torch first, the build for your",
             "# machine (README.md: the CPU build from PyTorch's index, or the CUDA build on a GPU machine)."]
    return "\n".join(lines + [f"{p}=={pins[p.lower()]}" for p in STUDENT_PACKAGES]) + "\n"


def student_nbgrader_config() -> str:
    """The bundle's ``nbgrader_config.py``: the course's per-cell time limit and kernel, nothing of the grader."""
    from traitlets.config.loader import PyFileConfigLoader

    course = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    return NBGRADER_CONFIG.format(timeout=int(course.Execute.get("timeout", 60)),
                                  kernel=course.Execute.get("kernel_name", "python3"))


def build_bundle(out: Path | None = None, lab_ids: list[str] | None = None) -> tuple[Path, Path]:
    """Write the bundle folder and its zip; returns ``(folder, zip path)``."""
    out = Path(out) if out else REPO / "build" / "student-bundle"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "README.md").write_text(README.format(torch=_pins()["torch"]))
    (out / "nbgrader_config.py").write_text(student_nbgrader_config())
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

"""`nbgrader validate`, as a student runs it: stubs fail, the reference passes."""
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course import RELEASE
from autograder.course.submissions import build_submission, solution_code

LAB = "lab01_neurons_losses"


def _validate(path: Path) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)
    return subprocess.run([sys.executable, "-m", "nbgrader", "validate", path.name], cwd=path.parent,
                          capture_output=True, text=True, env={"PATH": bin_dir, "MPLBACKEND": "Agg", "HOME": str(path.parent)})


@pytest.mark.notebook
@pytest.mark.xdist_group("validate")
def test_validate_fails_on_stubs_and_passes_on_the_reference(tmp_path):
    blank = build_submission(RELEASE / LAB / f"{LAB}.ipynb", tmp_path / "blank" / f"{LAB}.ipynb", {})
    out = _validate(blank).stdout
    assert "Success! Your notebook passes all the tests." not in out
    assert "visible checks of linear_neuron have not passed" in out
    done = build_submission(RELEASE / LAB / f"{LAB}.ipynb", tmp_path / "done" / f"{LAB}.ipynb", solution_code(LAB))
    assert "Success! Your notebook passes all the tests." in _validate(done).stdout

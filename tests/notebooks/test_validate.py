"""`nbgrader validate`, as a student runs it in the student bundle: stubs fail, the reference passes.

The bundle's setup (``python -m labkit.jupyter_setup``) is installed into a scratch Jupyter
configuration folder, and the processes run with ``autograder`` and ``solutions`` made unimportable,
so this is the bundle's configuration and toolkit alone, as on a student's laptop.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course import RELEASE
from autograder.course.submissions import build_submission, solution_code
from autograder.workflows.publish import build_bundle
from labkit import jupyter_setup

LAB = "lab01_neurons_losses"

# Imported first by every Python process started with this folder on PYTHONPATH (the nbgrader
# process and its kernel): the grader and the reference are not on a student's laptop.
_NO_GRADER = "import sys\nsys.modules['autograder'] = None\nsys.modules['solutions'] = None\n"


@pytest.fixture(scope="module")
def student_env(tmp_path_factory):
    """``(bundle folder, environment of a student's shell after the bundle's setup)``."""
    tmp = tmp_path_factory.mktemp("student")
    bundle, _ = build_bundle(tmp / "student-bundle", lab_ids=[LAB])
    config_dir = tmp / "jupyter-config"
    (tmp / "no-grader").mkdir()
    (tmp / "no-grader" / "sitecustomize.py").write_text(_NO_GRADER)
    old = os.getcwd()
    os.chdir(bundle)  # `python -m labkit.jupyter_setup` is run from the bundle's folder
    try:
        jupyter_setup.main(["--config-dir", str(config_dir)])
    finally:
        os.chdir(old)
    env = {"PATH": str(Path(sys.executable).parent), "MPLBACKEND": "Agg", "HOME": str(tmp),
           "JUPYTER_CONFIG_DIR": str(config_dir), "PYTHONPATH": os.pathsep.join([str(tmp / "no-grader"), str(bundle)])}
    return bundle, env


def _validate(path: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", "validate", path.name], cwd=path.parent,
                          capture_output=True, text=True, env=env)


@pytest.mark.notebook
@pytest.mark.xdist_group("validate")
def test_validate_fails_on_stubs_and_passes_on_the_reference(student_env, tmp_path):
    bundle, env = student_env
    released = bundle / "labs" / LAB / f"{LAB}.ipynb"
    assert released.read_bytes() == (RELEASE / LAB / f"{LAB}.ipynb").read_bytes()
    probe = subprocess.run([sys.executable, "-c", "import autograder"], capture_output=True, text=True, env=env)
    assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr  # the grader is out of reach

    blank = _validate(released, env)
    out = blank.stdout + blank.stderr
    assert "Success! Your notebook passes all the tests." not in out
    assert "No nbgrader_config.py file found" not in out  # the bundle's config was read
    assert "CheckFailed: the visible checks of linear_neuron have not passed" in out
    assert "Traceback" not in out and "/work/" not in out and "site-packages" not in out, out[-3000:]

    done = build_submission(released, tmp_path / "done" / f"{LAB}.ipynb", solution_code(LAB))
    passed = _validate(done, env)
    assert "Success! Your notebook passes all the tests." in passed.stdout, passed.stdout[-3000:] + passed.stderr[-3000:]


def test_the_setup_keeps_validate_and_turns_the_instructor_tools_off(tmp_path):
    """Jupyter's own readers of the configuration, on a folder laid out as a venv's ``etc/jupyter``
    (where the setup writes by default): nbgrader's installed ``nbgrader.json`` turns every tool on,
    the setup's files turn the instructor tools off again."""
    from jupyter_server.extension.config import ExtensionConfigManager
    from jupyter_server.services.config.manager import ConfigManager

    venv_config = Path(sys.prefix) / "etc" / "jupyter"
    prefix = tmp_path / "etc" / "jupyter"
    (prefix / "jupyter_server_config.d").mkdir(parents=True)
    installed = venv_config / "jupyter_server_config.d" / "nbgrader.json"
    (prefix / "jupyter_server_config.d" / "nbgrader.json").write_bytes(installed.read_bytes())
    before = ExtensionConfigManager(read_config_path=[str(prefix)]).get_jpserver_extensions()
    assert before["nbgrader.server_extensions.formgrader"] is True  # what nbgrader's install enables
    (prefix / "labconfig").mkdir()
    (prefix / "labconfig" / "page_config.json").write_text('{"disabledExtensions": {"some-lab-plugin": true}}')

    jupyter_setup.install(prefix, None)
    extensions = ExtensionConfigManager(read_config_path=[str(prefix)]).get_jpserver_extensions()
    assert extensions["nbgrader.server_extensions.validate_assignment"] is True
    for name in ("formgrader", "assignment_list", "course_list"):
        assert extensions[f"nbgrader.server_extensions.{name}"] is False, name
    disabled = ConfigManager(read_config_path=[str(prefix / "labconfig")]).get("page_config")["disabledExtensions"]
    assert {p for p, off in disabled.items() if off} == set(jupyter_setup.LAB_PLUGINS_OFF) | {"some-lab-plugin"}
    assert not (venv_config / "jupyter_server_config.json").exists() or "formgrader" not in (
        venv_config / "jupyter_server_config.json").read_text()  # the course venv itself was not touched

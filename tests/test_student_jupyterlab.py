"""A student in JupyterLab, in a real browser: the student bundle's setup, a released notebook, Run all,
a visible check that fails and then passes, the Validate button.

JupyterLab runs from a scratch copy of the bundle (``dlcourse publish``) on 127.0.0.1 with a token,
configured by the bundle's own ``python -m labkit.jupyter_setup`` (into a scratch Jupyter
configuration folder), with the grader and the reference unimportable; Playwright drives the
distribution's Chromium (``/usr/bin/chromium``). Screenshots go to ``build/screenshots/``.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from autograder.course import REPO
from autograder.course.submissions import build_submission, solution_code
from autograder.workflows.publish import build_bundle

LAB = "lab01_neurons_losses"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = REPO / "build" / "screenshots"

# Imported first by every Python process of the server (PYTHONPATH): not on a student's laptop.
_NO_GRADER = "import sys\nsys.modules['autograder'] = None\nsys.modules['solutions'] = None\n"
# Every cell in the page, so that cells can be found by their position (JupyterLab renders only
# the visible ones by default). A setting of this test's browser, not of the bundle.
_LAB_SETTINGS = {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
                 "@jupyterlab/apputils-extension/notification.jupyterlab-settings": '{"fetchNews": "false"}'}


def _require_browser():
    """Skip (or, under CI, fail) with the reason when Playwright or Chromium is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        why = "playwright is not installed (it is pinned in requirements.txt: make venv)"
    else:
        why = None if CHROMIUM.is_file() else f"no Chromium at {CHROMIUM} (Debian/Ubuntu: apt install chromium)"
    if why:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"browser test: {why}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """``(base URL, token, bundle folder)`` of a JupyterLab server started for the test, stopped after it."""
    _require_browser()
    tmp = tmp_path_factory.mktemp("jlab")
    bundle, _ = build_bundle(tmp / "student-bundle", lab_ids=[LAB])
    done = bundle / "labs" / "filled-in" / f"{LAB}.ipynb"
    build_submission(bundle / "labs" / LAB / f"{LAB}.ipynb", done, solution_code(LAB))
    (tmp / "no-grader").mkdir()
    (tmp / "no-grader" / "sitecustomize.py").write_text(_NO_GRADER)
    settings = tmp / "lab-settings"
    for name, text in _LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(text)
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]), "HOME": str(tmp),
           "MPLBACKEND": "Agg", "PYTHONPATH": os.pathsep.join([str(tmp / "no-grader"), str(bundle)]),
           "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
           # The scratch configuration folder stands for the venv's: it must come before the course venv's own.
           "JUPYTER_PREFER_ENV_PATH": "0"}
    setup = subprocess.run([sys.executable, "-m", "labkit.jupyter_setup", "--config-dir", env["JUPYTER_CONFIG_DIR"]],
                           cwd=bundle, env=env, capture_output=True, text=True)
    assert setup.returncode == 0, setup.stderr
    assert "wrote" in setup.stdout and "nbgrader_config.py" in setup.stdout
    port, token = _free_port(), secrets.token_hex(16)
    log = open(tmp / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={bundle / 'labs'}",
         "--allow-root", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly"],
        cwd=bundle, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"JupyterLab did not start:\n{(tmp / 'jupyterlab.log').read_text()[-3000:]}")
                time.sleep(0.3)
        yield base, token, bundle
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _status(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def _set_cell(page, cell, code: str) -> None:
    """Replace the code of ``cell`` (a locator) as a student types it (inserted, so no auto-indent)."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)


def _run(page, cell) -> None:
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")


@pytest.mark.notebook
def test_a_student_runs_checks_and_validates_in_jupyterlab(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    base, token, bundle = jupyterlab
    # The instructor tools' server side is off; the Validate button's is on.
    # (formgrader: /formgrader; course_list: /formgraders; assignment_list: /assignments and /courses)
    for path in ("formgrader", "formgraders", "assignments", "courses"):
        assert _status(f"{base}/{path}?token={token}") == 404, path
    assert _status(f"{base}/nbgrader_version?version=0.9.6&token={token}") == 200

    SHOTS.mkdir(parents=True, exist_ok=True)
    outside, console_errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

        def only_loopback(route):
            if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_loopback)
        page.goto(f"{base}/lab/tree/{LAB}/{LAB}.ipynb?token={token}")
        notebook = page.locator(".jp-NotebookPanel:visible")
        cells = notebook.locator(".jp-Notebook .jp-Cell")

        def code_cell(text: str):
            return cells.filter(has=page.locator(".cm-content", has_text=text)).first

        solution = code_cell("def linear_neuron(")
        check = code_cell("expect_close(out, [1.5, 1.5, 9.0]")
        expect(solution).to_be_visible(timeout=60_000)
        expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=60_000)
        expect(notebook.locator(".validate-button")).to_be_visible()
        menus = page.locator("#jp-MainMenu .lm-MenuBar-itemLabel").all_inner_texts()
        assert "Run" in menus and "Kernel" in menus and "Nbgrader" not in menus, menus
        page.screenshot(path=str(SHOTS / "jupyterlab-1-opened.png"))

        # Run all stops at the first check cell, whose message names the stub's function.
        page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        expect(check.locator(".jp-OutputArea-output")).to_contain_text("`linear_neuron` is not written yet",
                                                                         timeout=60_000)
        assert "Traceback" not in check.locator(".jp-OutputArea").inner_text()
        check.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "jupyterlab-2-run-all-stops-at-the-stub.png"))

        # A wrong solution (no bias): the visible check fails with its message alone.
        _set_cell(page, solution, "def linear_neuron(X, w, b):\n    return X @ w\n")
        _run(page, solution)
        _run(page, check)
        out = check.locator(".jp-OutputArea")
        expect(out).to_contain_text("CheckFailed: linear_neuron(X, w=[3, -1], b=0.5) should be [1.5 1.5 9. ], "
                                    "got [1.  1.  8.5]", timeout=30_000)
        text = out.inner_text()
        assert "Traceback" not in text and "labkit" not in text and "/tmp/" not in text and "/work/" not in text, text
        page.screenshot(path=str(SHOTS / "jupyterlab-3-visible-check-fails.png"))

        # Fixed: the check passes.
        _set_cell(page, solution, "def linear_neuron(X, w, b):\n    return X @ w + b\n")
        _run(page, solution)
        _run(page, check)
        expect(out).to_contain_text("✓ linear_neuron passes the visible checks", timeout=30_000)
        page.screenshot(path=str(SHOTS / "jupyterlab-4-visible-check-passes.png"))

        # Validate: saves, runs the notebook in a fresh kernel; the other functions are still stubs.
        notebook.locator(".validate-button").click()
        dialog = page.locator(".jp-Dialog")
        expect(dialog).to_contain_text("visible checks of fit_least_squares have not passed", timeout=120_000)
        assert "visible checks of linear_neuron have not passed" not in dialog.inner_text()
        page.screenshot(path=str(SHOTS / "jupyterlab-5-validate-lists-what-fails.png"))
        dialog.locator("button.jp-mod-accept").click()

        # A filled-in notebook validates.
        page.goto(f"{base}/lab/tree/filled-in/{LAB}.ipynb?token={token}")
        notebook = page.locator(".jp-NotebookPanel:visible")
        expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=60_000)
        notebook.locator(".validate-button").click()
        expect(page.locator(".jp-Dialog")).to_contain_text("Success! Your notebook passes all the tests.",
                                                           timeout=120_000)
        page.screenshot(path=str(SHOTS / "jupyterlab-6-validate-passes.png"))
        browser.close()
    assert not outside, f"requests beyond the loopback address: {outside[:5]}"
    assert not console_errors, console_errors

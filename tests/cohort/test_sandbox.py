"""The grading kernel's sandbox (bubblewrap + rlimits): what the student's code can and cannot reach.

CI runs as root on Linux with Debian's bubblewrap installed (``.ci/run``); there these tests must
pass, not skip. They skip only where bubblewrap cannot work at all (not Linux).
"""
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.cohort.execute import execute_notebook
from autograder.cohort.limits import Limits
from autograder.cohort.sandbox import CLUSTER_ROW, SANDBOX_UID, SCORES_ROW, Sandbox, choose, describe
from autograder.course import REPO

pytestmark = [pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap needs Linux"),
              pytest.mark.xdist_group("sandbox")]

PROBE = r'''
import json, os, socket, resource
def can_read(path):
    try:
        open(path, "rb").read(1)
        return True
    except OSError:
        return False
def can_write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
        return True
    except OSError:
        return False
def connects():
    try:
        socket.create_connection(("1.1.1.1", 80), timeout=2).close()
        return True
    except OSError:
        return False
repo = REPO_PATH
print(json.dumps({
    "uid": os.getuid(),
    "solutions": os.path.exists(os.path.join(repo, "solutions")),
    "source": os.path.exists(os.path.join(repo, "source")),
    "gradebook": can_read(os.path.join(repo, "gradebook.db")),
    "autograder": sorted(n for n in os.listdir(os.path.join(repo, "autograder")) if n != "__pycache__"),
    "harness": can_read(os.path.join(repo, "autograder", "kernel", "harness.py")),
    "runners": can_read(os.path.join(repo, "autograder", "kernel", "runners", "__init__.py")),
    "write_labkit": can_write(os.path.join(repo, "labkit", "x.py")),
    "write_here": can_write("here.txt"),
    "network": connects(),
    "secret_env": "TA_SECRET" in os.environ,
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
    "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
    "core": resource.getrlimit(resource.RLIMIT_CORE)[0],
}))
'''


def _run(tmp_path, cells, limits=Limits(cell_timeout_s=10, wall_s=120, startup_s=60), env=None):
    work = tmp_path / "work"
    work.mkdir()
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, work / "n.ipynb")
    return execute_notebook(work / "n.ipynb", limits, env=env, sandbox=choose("require"))


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    nb, status, _ = _run(tmp_path_factory.mktemp("probe"), [PROBE.replace("REPO_PATH", repr(str(REPO)))],
                         env={**os.environ, "TA_SECRET": "x"})
    assert status["status"] == "ok", status
    texts = [o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream"]
    return json.loads("".join(texts))


def test_the_kernel_runs_as_the_unprivileged_user(probe):
    assert probe["uid"] == SANDBOX_UID


def test_reference_source_gradebook_and_grader_internals_are_absent(probe):
    assert (REPO / "solutions").is_dir()  # they exist outside the sandbox
    assert not probe["solutions"] and not probe["source"] and not probe["gradebook"]
    # of autograder/ only the entry point and the kernel side are there, read-only
    assert probe["autograder"] == ["__init__.py", "kernel"]
    assert probe["harness"] and probe["runners"]


def test_case_generators_judges_and_the_tolerance_policy_are_absent(probe):
    """The kernel reads this run's cases as data; how they are drawn and judged stays outside."""
    assert (REPO / "autograder" / "grading" / "cases").is_dir()
    assert "grading" not in probe["autograder"] and probe["autograder"] == ["__init__.py", "kernel"]


def test_only_the_working_copy_is_writable(probe):
    assert probe["write_here"] and not probe["write_labkit"]
    assert not (REPO / "labkit" / "x.py").exists()


def test_no_network_and_no_grader_environment(probe):
    assert not probe["network"]
    assert not probe["secret_env"]


def test_rlimits_are_set(probe):
    limits = Limits()
    assert probe["nproc"] != 256  # left to the watchdog (RLIMIT_NPROC counts the real user's processes)
    assert probe["fsize"] == limits.disk_mib * 1024 * 1024
    assert probe["core"] == 0


def test_a_cell_past_its_timeout_is_interrupted_and_the_next_cell_runs(tmp_path):
    nb, status, _ = _run(tmp_path, ["import time; time.sleep(60)", "print('after')"],
                         Limits(cell_timeout_s=3, wall_s=60, startup_s=60))
    assert status["status"] == "ok"
    assert any(o.get("ename") == "CellTimeoutError" for o in nb.cells[0].outputs)
    assert nb.cells[1].outputs[0]["text"] == "after\n"


def test_the_disk_quota_stops_a_notebook_that_fills_the_disk(tmp_path):
    cell = "f = open('fill', 'wb')\nwhile True:\n    f.write(b'0' * (1 << 20))"
    nb, status, _ = _run(tmp_path, [cell, "print('after')"], Limits(cell_timeout_s=30, wall_s=60, disk_mib=64))
    # the working copy is a tmpfs of the quota's size: the write fails, or the watchdog stops the
    # kernel first; either way the grader records that the quota was reached
    assert status["status"] == "disk" and "disk quota of 64 MiB" in status["reason"], status
    text = json.dumps(nb.cells[0].outputs)
    assert "No space left on device" in text or "disk quota" in text
    assert nb.cells[1].outputs[-1]["ename"] == "LimitExceeded"


def test_describe_says_what_is_active():
    from autograder.cohort import cgroups

    rows = describe(choose("require"), Limits())
    # the limits a cgroup enforces are active exactly where this host offers the controller
    by_cgroup = {"memory: resident, shared memory, tmpfs, memfd, deleted open files": "memory",
                 "processes and threads": "pids", "CPU share": "cpu"}
    for name, active, how in rows:
        if name in by_cgroup:
            assert active == cgroups.support().has(by_cgroup[name]), (name, how)
            assert ("cgroup" in how) if active else ("watchdog" in how or "not bounded" in how), how
        else:
            assert active, (name, how)
    rows = describe(choose("none"), Limits())
    off = {name for name, active, _ in rows if not active}
    assert "no network" in off and "solutions/, source/, gradebook, other students unreadable" in off
    # Without the sandbox the kernel can reach its worker: the table must not claim tamper-proof scores.
    assert SCORES_ROW in off
    assert "tampered" in dict((n, h) for n, _, h in rows)[SCORES_ROW]


def test_describe_says_whether_the_cluster_is_authenticated():
    from autograder.cohort.cluster import ClusterMode

    for kind, active in (("local", True), ("tls", True), ("insecure", False)):
        rows = {name: on for name, on, _ in describe(Sandbox("none"), Limits(), ClusterMode(kind))}
        assert rows[CLUSTER_ROW] is active, kind


def test_the_kernel_side_of_the_autograder_holds_no_graded_solution():
    """What the sandbox lets a kernel read must not implement what the kernel is graded on: no line of
    the kernel-side modules repeats a line of a graded function's reference or source solution
    (lab 13's robust accuracy is computed by the grader, which attacks the reported model itself)."""
    from autograder.cohort.sandbox import KERNEL_SIDE
    from autograder.course.leaks import code_lines, grading_side_lines

    solutions = {origin: lines for origin, (_, lines) in grading_side_lines().items()
                 if origin.startswith(("solutions.", "source/"))}
    found = []
    for name in KERNEL_SIDE:
        for path in sorted([REPO / "autograder" / name] if name.endswith(".py") else
                           (REPO / "autograder" / name).rglob("*.py")):
            rel = str(path.relative_to(REPO))
            lines = code_lines(path.read_text())
            for origin, forbidden in solutions.items():
                if lines & forbidden:
                    found.append(f"{rel} repeats {origin}: {sorted(lines & forbidden)[:1]}")
    assert not found, "\n".join(found)


def test_a_cell_that_ignores_the_interrupt_is_stopped_and_earlier_cells_keep_their_outputs(tmp_path):
    stubborn = "import time\nwhile True:\n    try:\n        time.sleep(100)\n    except KeyboardInterrupt:\n        pass"
    nb, status, _ = _run(tmp_path, ["print('first')", stubborn, "print('after')"],
                         Limits(cell_timeout_s=3, wall_s=90, startup_s=60))
    assert status["status"] == "timeout" and "ignored the interrupt" in status["reason"]
    assert nb.cells[0].outputs[0]["text"] == "first\n"
    assert nb.cells[2].outputs[-1]["ename"] == "LimitExceeded"


def test_a_swarm_of_small_processes_is_stopped(tmp_path):
    """The watchdog counts the kernel's own processes (no RLIMIT_NPROC: it would count all of a TA's
    processes, and it does not bind root)."""
    swarm = "import subprocess\nprocs = [subprocess.Popen(['sleep', '60']) for _ in range(400)]"
    nb, status, _ = _run(tmp_path, [swarm, "print('after')"], Limits(cell_timeout_s=30, wall_s=90, startup_s=60))
    assert status["status"] == "processes", status
    assert "more than 256 processes and threads" in status["reason"]

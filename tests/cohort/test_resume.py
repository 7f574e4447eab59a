"""Kill `dlcourse grade` halfway (SIGKILL to the driver), rerun it: nothing lost, nothing graded twice.

The cohort is eight clean lab 1 submissions (ada/ben/cam/dee and a copy of each under another
name). The reference is an uninterrupted `dlcourse grade` of the same eight (the cases of each
submission come from its run seed, so both runs draw the same ones).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from autograder.cohort.gradebook import cell_scores
from tests.cohort.cohort import CELL_TIMEOUT_S, LAB, clean_fills, make_course
from tests.scratch import SHARED_CANARY

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("bulk_resume")]
BIN = Path(sys.executable).parent


def _cohort():
    fills = clean_fills()
    return {**fills, **{f"{name}2": f for name, f in fills.items()}}


def _grade_cmd(root):
    return [str(BIN / "dlcourse"), "grade", LAB, "--course", str(root), "--workers", "2", "--no-progress",
            "--cell-timeout-s", str(CELL_TIMEOUT_S), "--canary-cache", str(SHARED_CANARY)]  # one canary, not one per course


def _journal(root):
    path = root / ".dlcourse" / f"{LAB}.journal.jsonl"
    return [json.loads(ln) for ln in path.read_text().splitlines()] if path.is_file() else []


def test_kill_and_resume_equals_an_uninterrupted_run(tmp_path):
    students = _cohort()
    env = dict(os.environ, COLUMNS="200")
    serial = make_course(tmp_path / "uninterrupted", students)
    done = subprocess.run(_grade_cmd(serial), env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    root = make_course(tmp_path / "killed", students)
    driver = subprocess.Popen(_grade_cmd(root), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while sum(e["event"] == "executed" for e in _journal(root)) < 3:
            assert driver.poll() is None, "the run finished before it could be killed"
            assert time.monotonic() < deadline, "no progress"
            time.sleep(0.05)
        driver.send_signal(signal.SIGKILL)  # the driver only: its workers are left to die on their own
        driver.wait()
        first = _journal(root)
        assert sum(e["event"] == "executed" for e in first) < len(students), "killed too late to test anything"

        rerun = subprocess.run(_grade_cmd(root), env=env, capture_output=True, text=True, timeout=900)
        assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    finally:
        try:
            os.killpg(driver.pid, signal.SIGKILL)  # whatever the killed driver left behind
        except ProcessLookupError:
            pass

    for student in students:
        assert cell_scores(root, LAB, student) == cell_scores(serial, LAB, student), student
    executed = Counter(e["student"] for e in _journal(root) if e["event"] == "executed")
    assert executed == Counter({s: 1 for s in students}), f"executed more than once: {executed}"
    state = json.loads((root / ".dlcourse" / f"{LAB}.json").read_text())
    assert sorted(state) == sorted(students)

    # A third run finds nothing to do; a changed submission is the only one graded again.
    ada = root / "submitted" / "ada" / LAB / "timestamp.txt"
    ada.write_text("2026-11-21 09:00:00.000000 UTC\n")
    third = subprocess.run(_grade_cmd(root), env=env, capture_output=True, text=True, timeout=600)
    assert third.returncode == 0, third.stderr[-2000:]
    assert f"unchanged: {len(students) - 1}" in third.stdout and "graded: 1" in third.stdout
    executed = Counter(e["student"] for e in _journal(root) if e["event"] == "executed")
    assert executed["ada"] == 2 and all(executed[s] == 1 for s in students if s != "ada")

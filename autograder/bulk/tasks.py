"""The Dask task: execute one submission's sanitised notebooks on whichever worker takes it.

The task carries the files (no shared file system needed), writes them to a private temporary folder
on the worker, and executes the notebooks there with :mod:`autograder.bulk.execute`: the student's
code runs in a kernel process of its own, so a kernel that crashes, hangs or eats memory never takes
the worker down. It returns the executed notebooks and a
status; it never touches the gradebook. A kernel that fails to start is retried
(``Limits.start_retries``): that is the machine's fault, not the student's. Nothing the student's code
does (errors, crashes, limits) is retried.

GPU: a task that claimed a ``GPU`` resource runs its kernel with the worker's
``CUDA_VISIBLE_DEVICES``; a task that did not gets ``CUDA_VISIBLE_DEVICES=""`` so it cannot touch a
GPU another task holds. With a GPU the kernel starts with TF32 off and deterministic algorithms on
(:func:`autograder.torch_grading.grading_defaults`).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.bulk.execute import START_FAILED_EXIT, execute_notebook
from autograder.bulk.limits import Limits


@dataclass
class Job:
    """One submission to execute. ``files``: path relative to the submission folder -> bytes."""

    lab: str
    student: str
    digest: str
    notebooks: list[str]
    files: dict[str, bytes]
    limits: Limits
    kernel_name: str = "python3"
    use_gpu: bool = False


@dataclass
class Outcome:
    """What came back: executed notebooks (name -> JSON text), per-notebook status, where and how long."""

    lab: str
    student: str
    digest: str
    executed: dict[str, str] = field(default_factory=dict)
    status: dict[str, dict] = field(default_factory=dict)
    worker: str = ""
    seconds: float = 0.0
    attempts: int = 1


def _kernel_env(use_gpu: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["NBGRADER_EXECUTION"] = "autograde"
    env["MPLBACKEND"] = "Agg"
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The venv's bin first: the kernel and anything it starts use the course's Python.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if use_gpu:
        env["DLCOURSE_GRADING_GPU"] = "1"
    else:
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def _run_one(folder: Path, name: str, job: Job, env: dict) -> tuple[str, dict, int]:
    """Execute one notebook of the job; retry only a kernel that failed to start."""
    attempts = 0
    while True:
        attempts += 1
        nb, status, code = execute_notebook(folder / name, job.limits, job.kernel_name, env)
        if code == START_FAILED_EXIT and attempts <= job.limits.start_retries:
            continue
        return nbformat.writes(nb), status, attempts


def execute_job(job: Job) -> Outcome:
    """Run on a worker: execute each notebook of ``job`` in a fresh temporary folder."""
    started = time.monotonic()
    outcome = Outcome(job.lab, job.student, job.digest)
    try:
        from distributed import get_worker

        outcome.worker = get_worker().address
    except (ImportError, ValueError):
        outcome.worker = "local"
    env = _kernel_env(job.use_gpu)
    folder = Path(tempfile.mkdtemp(prefix=f"dlcourse-{job.lab}-"))
    try:
        for rel, data in job.files.items():
            dest = folder / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        for name in job.notebooks:
            text, status, attempts = _run_one(folder, name, job, env)
            outcome.executed[name], outcome.status[name] = text, status
            outcome.attempts = max(outcome.attempts, attempts)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    outcome.seconds = round(time.monotonic() - started, 3)
    return outcome

"""The Dask task: execute one submission's sanitised notebooks on whichever worker takes it.

The task carries the files (no shared file system needed), writes them to a private temporary folder
on the worker (the working copy of that one submission), and executes the notebooks there with
:mod:`autograder.cohort.execute`: the student's code runs in a sandboxed kernel process of its own
(:mod:`autograder.cohort.sandbox`), so a kernel that crashes, hangs or eats memory never takes the
worker down. The worker then scores the test cells from the kernel's reports
(:mod:`autograder.grading.scoring`), outside the kernel. It returns the executed, scored notebooks and a
status; it never touches the gradebook. A kernel that fails to start is retried
(``Limits.start_retries``): that is the machine's fault, not the student's. Nothing the student's code
does (errors, crashes, limits) is retried.

GPU: a task that claimed a ``GPU`` resource runs its kernel with the worker's
``CUDA_VISIBLE_DEVICES``; a task that did not gets ``CUDA_VISIBLE_DEVICES=""`` so it cannot touch a
GPU another task holds. With a GPU the kernel starts with TF32 off and deterministic algorithms on
(:func:`autograder.kernel.torch_grading.grading_defaults`).
"""
from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.cohort.execute import START_FAILED_EXIT, execute_notebook
from autograder.cohort.limits import Limits
from autograder.cohort.sandbox import Sandbox, choose
from autograder.grading.cases import given_files
from autograder.kernel.runners import CASES_ENV, CASES_FILE, GIVEN_DIR
from autograder.grading.scoring import run_cases_file, score_notebook


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
    sandbox: str = "auto"
    run_seed: int = 0


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


def _run_one(folder: Path, name: str, job: Job, env: dict, sandbox: Sandbox) -> tuple[str, dict, int]:
    """Execute one notebook of the job, then score its test cells here, outside the kernel.

    The kernel reports its outputs on the cases in ``CASES_FILE``, drawn here from the job's run seed
    (:func:`autograder.grading.seeding.run_seed`, computed by the driver, which holds the salt); the kernel
    gets the cases, never the seed. :func:`autograder.grading.scoring.score_notebook` judges the outputs here.
    The cases file is written afresh before every start, so nothing the kernel wrote into it counts.
    Only a kernel that failed to start is retried.
    """
    attempts = 0
    seed = job.run_seed
    while True:
        attempts += 1
        (folder / CASES_FILE).parent.mkdir(parents=True, exist_ok=True)
        (folder / CASES_FILE).write_bytes(run_cases_file(job.lab, seed))
        nb, status, code = execute_notebook(folder / name, job.limits, job.kernel_name,
                                            {**env, CASES_ENV: CASES_FILE}, sandbox)
        if code == START_FAILED_EXIT and attempts <= job.limits.start_retries:
            continue
        score_notebook(nb, seed)
        status.update(run_seed=seed, sandbox=sandbox.kind)
        return nbformat.writes(nb), status, attempts


@functools.lru_cache(maxsize=None)
def _given(lab: str) -> dict[str, bytes]:
    """The lab's given files (``Spec.given``) under ``GIVEN_DIR``, built once per worker process."""
    return {f"{GIVEN_DIR}/{name}": data for name, data in given_files(lab).items()}


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
    sandbox = choose(job.sandbox)
    folder = Path(tempfile.mkdtemp(prefix=f"dlcourse-{job.lab}-"))
    try:
        for rel, data in {**job.files, **_given(job.lab)}.items():
            dest = folder / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        for name in job.notebooks:
            text, status, attempts = _run_one(folder, name, job, env, sandbox)
            outcome.executed[name], outcome.status[name] = text, status
            outcome.attempts = max(outcome.attempts, attempts)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    outcome.seconds = round(time.monotonic() - started, 3)
    return outcome

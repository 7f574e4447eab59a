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

What goes back to the driver is data, never an object: :func:`execute_job` returns the outcome as
JSON text (scores are in the executed notebooks' outputs, which are text too), the driver reads it
with msgpack only (:data:`autograder.cohort.cluster.RESULT_DESERIALIZERS`) and checks its shape
(:func:`outcome_from_json`) before anything of it is saved. The task never raises: a failure on the
worker comes back as a status, so no pickled exception of the worker's making is read either.
:func:`worker_environment` is the worker's half of the canary (:mod:`autograder.cohort.canary`).

GPU: a task that claimed a ``GPU`` resource runs its kernel with the worker's
``CUDA_VISIBLE_DEVICES``; a task that did not gets ``CUDA_VISIBLE_DEVICES=""`` so it cannot touch a
GPU another task holds. With a GPU the kernel starts with TF32 off and deterministic algorithms on
(:func:`autograder.kernel.torch_grading.grading_defaults`).
"""
from __future__ import annotations

import functools
import hashlib
import json
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
    error: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


#: Bounds on what a worker may send back (a notebook with capped outputs is far below them).
MAX_OUTCOME_BYTES = 256 << 20
_STATUS_FIELDS = {"status": str, "reason": str, "seconds": (int, float), "run_seed": int, "sandbox": str,
                  # what the executor saw (execute.GuardedExecute.status_details): cell labels, output total
                  "timed_out": list, "capped": list, "output_bytes": int}
_LIST_ITEMS = (str, int)  # the items of a list field: cell labels or indices, nothing nested


class BadOutcome(ValueError):
    """A worker's answer that is not an outcome of the job it was given."""


def outcome_from_json(text, job: Job) -> Outcome:
    """The :class:`Outcome` in ``text`` (what a worker returned for ``job``), checked field by field.

    Raises :class:`BadOutcome` unless it is JSON text of an outcome of this very job: the same lab,
    student and digest, exactly the job's notebooks, each a readable notebook, a status per
    notebook of the known fields and types, and nothing else.
    """
    if not isinstance(text, str):
        raise BadOutcome(f"the worker returned a {type(text).__name__}, not JSON text")
    if len(text) > MAX_OUTCOME_BYTES:
        raise BadOutcome(f"the worker returned {len(text)} bytes (at most {MAX_OUTCOME_BYTES})")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadOutcome(f"the worker returned no JSON: {exc}") from None
    fields = set(Outcome.__dataclass_fields__)
    if not isinstance(data, dict) or set(data) != fields:
        raise BadOutcome(f"the worker's outcome has the fields {sorted(data) if isinstance(data, dict) else data!r}")
    for name, want in (("lab", job.lab), ("student", job.student), ("digest", job.digest)):
        if data[name] != want:
            raise BadOutcome(f"the worker's outcome is for {name} {data[name]!r}, the job was {want!r}")
    if not isinstance(data["worker"], str) or not isinstance(data["error"], str) or \
            not isinstance(data["attempts"], int) or not isinstance(data["seconds"], (int, float)):
        raise BadOutcome("the worker's outcome has fields of the wrong types")
    if data["error"]:
        return Outcome(**data)
    if sorted(data["executed"]) != sorted(job.notebooks) or sorted(data["status"]) != sorted(job.notebooks):
        raise BadOutcome(f"the worker returned notebooks {sorted(data['executed'])}, the job has {job.notebooks}")
    for name in job.notebooks:
        status = data["status"][name]
        if not isinstance(status, dict) or not set(status) <= set(_STATUS_FIELDS) or "status" not in status or \
                any(not isinstance(v, _STATUS_FIELDS[k]) for k, v in status.items()) or \
                any(not isinstance(item, _LIST_ITEMS) for v in status.values() if isinstance(v, list) for item in v):
            raise BadOutcome(f"the worker's status of {name} is not a status: {str(status)[:200]}")
        if status.get("run_seed", job.run_seed) != job.run_seed:
            raise BadOutcome(f"the worker graded {name} with another run seed than the job's")
        try:
            nbformat.reads(data["executed"][name], as_version=4)
        except Exception as exc:  # noqa: BLE001 - any unreadable notebook is a bad outcome
            raise BadOutcome(f"the worker's {name} is not a notebook ({type(exc).__name__})") from None
    return Outcome(**data)


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


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def run_job(job: Job) -> Outcome:
    """Execute each notebook of ``job`` in a fresh temporary folder (raises on a worker-side failure)."""
    started = time.monotonic()
    outcome = Outcome(job.lab, job.student, job.digest, worker=_worker_address())
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


def execute_job(job: Job) -> str:
    """The Dask task: :func:`run_job` on a worker, its outcome as JSON text; never raises."""
    try:
        return run_job(job).to_json()
    except BaseException as exc:  # noqa: BLE001 - reported as data; a raised exception would travel pickled
        return Outcome(job.lab, job.student, job.digest, worker=_worker_address(),
                       error=f"{type(exc).__name__}: {exc}"[:2000]).to_json()


# --------------------------------------------------------------------------- the worker's environment

#: Modules whose functions, as loaded in the worker, the canary's cache key covers: a function of
#: them replaced in a running worker (a hook, a plugin) changes the key, so the canary runs again.
LIVE_MODULES = ("autograder", "autograder.cohort.tasks", "autograder.cohort.execute", "autograder.cohort.sandbox",
                "autograder.cohort.limits", "autograder.grading.scoring", "autograder.grading.judging",
                "autograder.grading.compare", "autograder.grading.cases", "autograder.grading.seeding",
                "autograder.kernel.reports", "autograder.kernel.runners", "autograder.kernel.harness")


def _code_object_bytes(code) -> bytes:
    """What a code object does: its (unspecialised) bytecode, names and constants, nested code included.

    Not ``marshal.dumps``: marshal marks an object as shared by its reference count, so its bytes
    change as the process runs (a function's digest changed after its first call)."""
    parts = [code.co_code, repr((code.co_name, code.co_names, code.co_varnames, code.co_freevars,
                                 code.co_cellvars)).encode()]
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            parts.append(_code_object_bytes(const))
        elif isinstance(const, frozenset):  # `x in {"a", "b"}`: its order follows the process's hash seed
            parts.append(repr(sorted(map(repr, const))).encode())
        else:
            parts.append(repr(const).encode())
    return b"\0".join(parts)


def _code_bytes(obj) -> bytes:
    code = getattr(obj, "__code__", None)
    if code is not None:
        return _code_object_bytes(code)
    if isinstance(obj, type):
        return b"".join(k.encode() + _code_bytes(v) for k, v in sorted(vars(obj).items()) if callable(v))
    return repr(type(obj)).encode()


def live_code_digest() -> str:
    """SHA-256 of the code of every function and class of :data:`LIVE_MODULES` as this process holds them."""
    import importlib

    h = hashlib.sha256()
    for name in LIVE_MODULES:
        module = importlib.import_module(name)
        for attr, value in sorted(vars(module).items()):
            if callable(value):
                h.update(f"{name}.{attr}:{getattr(value, '__module__', None)}".encode() + _code_bytes(value))
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages pinned in ``requirements.txt`` (``"missing"`` when absent)."""
    import re
    from importlib import metadata

    from autograder.course import REPO

    versions = {}
    path = REPO / "requirements.txt"
    for line in path.read_text().splitlines() if path.is_file() else []:
        found = re.match(r"^([A-Za-z0-9_.-]+)==", line.strip())
        if found:
            try:
                versions[found.group(1).lower()] = metadata.version(found.group(1))
            except metadata.PackageNotFoundError:
                versions[found.group(1).lower()] = "missing"
    return versions


def environment(sandbox_mode: str) -> dict:
    """What grades on this machine: Python, package versions, the grader's code (on disk and as
    loaded), the sandbox it gets for ``sandbox_mode``, the worker's plugins, the host."""
    import platform
    import socket

    from autograder.cohort.state import grader_code_digest

    try:
        box = choose(sandbox_mode)
        sandbox = box.kind + (f" ({box.why})" if box.why else "")
    except RuntimeError as exc:
        sandbox = f"unavailable ({exc})"
    try:
        from distributed import get_worker

        plugins = sorted(str(p) for p in get_worker().plugins)
    except (ImportError, ValueError):
        plugins = []
    return {"python": platform.python_version(), "executable": sys.executable, "packages": package_versions(),
            "grader_code": grader_code_digest(), "live_code": live_code_digest(), "sandbox": sandbox,
            "plugins": plugins, "host": socket.gethostname()}


def worker_environment(sandbox_mode: str) -> str:
    """The Dask task of the canary's first step: :func:`environment` as JSON text; never raises."""
    try:
        return json.dumps(environment(sandbox_mode))
    except BaseException as exc:  # noqa: BLE001 - reported as data
        return json.dumps({"error": f"{type(exc).__name__}: {exc}"[:2000]})

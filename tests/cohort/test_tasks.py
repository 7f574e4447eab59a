"""The worker's task on small notebooks: kernel environment (GPU claim or not), limits, retries."""
from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.cohort.execute import execute_notebook
from autograder.cohort.limits import Limits
from autograder.cohort.tasks import Job, execute_job, outcome_from_json

pytestmark = pytest.mark.xdist_group("bulk_tasks")
FAST = Limits(cell_timeout_s=10, wall_s=60, memory_mib=1024, output_bytes=5000, startup_s=20, start_retries=1)


def _job(cells, use_gpu=False, extra_files=None, limits=FAST):
    nb = new_notebook(cells=[new_code_cell(c) for c in cells],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    files = {"n.ipynb": nbformat.writes(nb).encode(), **(extra_files or {})}
    return Job("labX", "stu", "d" * 64, ["n.ipynb"], files, limits, use_gpu=use_gpu)


def _execute(job):
    """The task as Dask runs it: JSON text back, read and checked as the driver reads it."""
    text = execute_job(job)
    assert isinstance(text, str)
    return outcome_from_json(text, job)


def _outputs(outcome):
    nb = nbformat.reads(outcome.executed["n.ipynb"], as_version=4)
    return [[o.get("text", "") or f"{o.get('ename')}: {o.get('evalue')}" for o in c.outputs] for c in nb.cells]


def test_a_task_without_a_gpu_cannot_see_one_and_runs_as_autograde():
    out = _execute(_job(["import os\nprint(repr(os.environ.get('CUDA_VISIBLE_DEVICES')), os.environ.get('NBGRADER_EXECUTION'))"]))
    assert _outputs(out)[0] == ["'' autograde\n"]
    assert out.status["n.ipynb"]["status"] == "ok"


def test_a_task_that_claims_a_gpu_starts_torch_deterministic_without_tf32():
    out = _execute(_job(["import torch\nprint(torch.are_deterministic_algorithms_enabled(), torch.backends.cuda.matmul.allow_tf32,"
                            " torch.backends.cudnn.allow_tf32)"], use_gpu=True))
    assert _outputs(out)[0] == ["True False False\n"]


def test_dead_kernel_keeps_earlier_outputs_and_marks_the_rest():
    out = _execute(_job(["print('before')", "import os\nos._exit(1)", "print('after')"]))
    outputs = _outputs(out)
    assert outputs[0] == ["before\n"]
    assert outputs[1][-1].startswith("KernelDied") and outputs[2][-1].startswith("KernelDied")
    assert out.status["n.ipynb"]["status"] == "kernel_died" and out.attempts == 1  # the student's fault: no retry


def test_output_is_capped_per_cell():
    out = _execute(_job(["for i in range(5000): print('x' * 100)", "print('next cell runs')"]))
    outputs = _outputs(out)
    assert sum(len(t) for t in outputs[0]) < 2 * FAST.output_bytes
    assert "output over" in outputs[0][-1]
    assert outputs[1] == ["next cell runs\n"]


def test_a_kernel_that_never_starts_is_retried_then_reported(tmp_path):
    limits = Limits(cell_timeout_s=10, wall_s=60, startup_s=4, start_retries=1)
    out = _execute(_job(["print(1)"], extra_files={"ipykernel_launcher.py": b"import time\ntime.sleep(600)\n"}, limits=limits))
    assert out.attempts == 2
    assert out.status["n.ipynb"]["status"] == "start_failed"
    assert _outputs(out)[0][-1].startswith("KernelNotStarted")


def test_wall_clock_limit_stops_a_notebook_whose_cells_each_stay_under_the_cell_timeout(tmp_path):
    limits = Limits(cell_timeout_s=10, wall_s=6, startup_s=20)
    out = _execute(_job(["import time\ntime.sleep(4)"] * 4, limits=limits))
    assert out.status["n.ipynb"]["status"] == "wall_clock"
    outputs = _outputs(out)
    assert outputs[0] == [] and any("LimitExceeded" in t for t in outputs[-1])


def test_the_command_line_runner_writes_notebook_and_status(tmp_path):
    from autograder.cohort.execute import main

    nb = new_notebook(cells=[new_code_cell("print(6 * 7)")],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, tmp_path / "a.ipynb")
    assert main([str(tmp_path / "a.ipynb"), str(tmp_path / "out.ipynb"), str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text())["status"] == "ok"
    assert nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[0].outputs[0].text == "42\n"
    assert main([str(tmp_path / "missing.ipynb"), str(tmp_path / "o"), str(tmp_path / "s")]) == 2


def test_two_notebooks_graded_at_once_on_an_in_process_worker_each_get_their_own_event_loop():
    """CI of 7 Dec: the demo's canary failed, "the kernel failed to start: This event loop is already
    running". jupyter_core keeps its loop in a ContextVar and Dask runs a task in a copy of the
    submitter's context, so both task threads of the local (in-process) worker ran on the loop of a
    driver that had executed a notebook before. Here the driver has, and two notebooks overlap."""
    import contextvars

    from jupyter_core.utils import run_sync

    from autograder.cohort.cluster import ClusterMode, connect

    async def nothing():
        return None

    def grade_two():
        run_sync(nothing)()  # what any notebook executed in the driver's thread leaves behind
        jobs = [_job(["import time\ntime.sleep(3)\nprint('ran')"]) for _ in range(2)]
        client, cluster = connect(ClusterMode("local"), 2)  # the local cluster of `dlcourse grade --workers 2`
        try:
            texts = client.gather(client.map(execute_job, jobs, pure=False))
        finally:
            client.close()
            cluster.close()
        return [outcome_from_json(t, j) for t, j in zip(texts, jobs)]

    outcomes = contextvars.copy_context().run(grade_two)  # this test's thread keeps its own context
    for out in outcomes:
        assert out.status["n.ipynb"]["status"] == "ok", out.status["n.ipynb"]
        assert _outputs(out)[0] == ["ran\n"] and out.attempts == 1

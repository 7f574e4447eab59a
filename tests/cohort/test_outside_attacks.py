"""Every attack from outside a notebook (tests/cohort/outside_attacks.py) fails, on loopback, here.

The cluster attacks run against the session's TLS cluster (scheduler and two workers on 127.0.0.1,
started with `dlcourse cluster init`'s certificates, tests/cohort/conftest.py); the local-cluster
hijack against a LocalCluster started as `dlcourse grade` starts it; intake against a scratch course.
"""
from __future__ import annotations

import pytest

from tests.cohort.outside_attacks import ATTACKS, Setting

pytestmark = [pytest.mark.xdist_group("bulk_cluster")]


@pytest.fixture(scope="module")
def setting(tls_cluster, tmp_path_factory):
    return Setting(tls_cluster, tmp_path_factory.mktemp("outside"))


def test_the_outside_corpus_covers_the_issue():
    where = {a.where for a in ATTACKS}
    assert where == {"cluster", "local cluster", "intake"}
    assert len({a.name for a in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_the_attack_fails(setting, attack):
    said = attack.run(setting)  # raises AttackWorked when it got through
    assert said


def test_a_worker_that_cannot_import_the_course_modules_stops_the_run(setting, tmp_path):
    """A broken grading environment must not look like a cohort of zeros: the canary's reference scores 0
    on a worker whose kernels cannot import labkit, so the run stops, says why, and writes nothing."""
    import json

    from distributed import Client, LocalCluster

    from autograder.cohort.canary import CanaryFailed
    from autograder.cohort.cluster import RESULT_DESERIALIZERS
    from autograder.cohort.grade import grade_labs
    from tests.cohort.cohort import LAB, add_submission, clean_fills
    from tests.cohort.outside_attacks import _gradebook_rows

    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "labkit.py").write_text("raise ModuleNotFoundError(\"No module named 'labkit'\", name='labkit')\n")
    root = setting.course()
    students = {"broken-ada": clean_fills()["ada"], "broken-ben": {}}
    for student, fills in students.items():
        add_submission(root, student, fills)
    # The kernels of this worker (unsandboxed, so they inherit its environment) find the shadow first.
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, memory_limit=0, dashboard_address=None,
                      silence_logs=50, security=True, host="127.0.0.1", scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                      env={"PYTHONPATH": str(shadow)}) as cluster, \
            Client(cluster, deserializers=RESULT_DESERIALIZERS) as client:
        with pytest.raises(CanaryFailed) as stopped:
            grade_labs(root, [LAB], client=client, students=list(students), sandbox="none", progress=False,
                       limit_overrides={"cell_timeout_s": 20})
    message = str(stopped.value)
    print(message)
    assert "stopped before anything was written to the gradebook" in message
    assert "the reference solution scored 0/28 (must be 28/28)" in message
    assert "ModuleNotFoundError: No module named 'labkit'" in message and "missing modules" in message
    assert _gradebook_rows(root, LAB, students) == 0
    assert not (root / ".dlcourse" / f"{LAB}.json").exists()
    assert not any((root / "autograded" / s).exists() for s in students)
    failed = json.loads((root / ".dlcourse" / "canary.json").read_text())["failed"]
    assert any("labkit" in " ".join(v["problems"]) for v in failed.values())


def test_grades_table_prints_ids_reasons_and_workers_literally():
    """`dlcourse grade`'s final table: a student id, a reason (a file name from the submission) and a
    worker's address that are Rich markup print as they are, and do not break the table."""
    import io

    from rich.console import Console

    from autograder.cohort.grade import Result
    from autograder.cohort.progress import print_results

    tricky = ["s[1]", "notebook [red]renamed[/red].ipynb [/b] :smile:", "tls://[::1]:8786"]
    console = Console(file=io.StringIO(), width=400)
    rows = [Result(tricky[0], "zero", 0, 28, [tricky[1]], worker=tricky[2]),
            Result("ada", "graded", 28, 28, [], worker="tls://10.0.0.7:40001")]  # two workers: the column shows
    print_results("lab01_neurons_losses", rows, None, console=console)
    out = console.file.getvalue()
    assert all(text in out for text in tricky), out

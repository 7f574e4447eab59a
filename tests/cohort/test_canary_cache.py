"""The canary's cache of passes is shared by runs that grade on the same workers (the test suite's
parallel workers share one file): no run may lose a pass or a failure another run wrote."""
from __future__ import annotations

import json
import multiprocessing

from autograder.cohort.canary import Canary
from autograder.cohort.limits import Limits


def _canary(path):
    return Canary(path.parent, Limits(), "none", config=None, cache=path)


def test_two_runs_that_read_the_cache_before_either_wrote_keep_both_passes(tmp_path):
    path = tmp_path / "canary.json"
    first, second = _canary(path), _canary(path)  # both read the (absent) file before either writes
    first._record("key-a", "passed", {"lab": "lab01"})
    first._save()
    second._record("key-b", "passed", {"lab": "lab02"})
    second._save()
    on_disk = json.loads(path.read_text())
    assert set(on_disk["passed"]) == {"key-a", "key-b"}
    assert second.cache == on_disk  # the run sees the merged file from then on


def test_a_later_failure_of_a_key_replaces_its_pass_and_leaves_the_others(tmp_path):
    path = tmp_path / "canary.json"
    first, second = _canary(path), _canary(path)
    first._record("key-a", "passed", {"lab": "lab01"})
    first._record("key-b", "passed", {"lab": "lab02"})
    first._save()
    second._record("key-a", "failed", {"lab": "lab01", "problems": ["the blank scored 3/28"]})
    second._save()
    on_disk = json.loads(path.read_text())
    assert set(on_disk["passed"]) == {"key-b"} and set(on_disk["failed"]) == {"key-a"}


def _save_keys(path, worker, n):
    canary = _canary(path)
    for i in range(n):
        canary._record(f"{worker}-{i}", "passed", {"lab": f"lab{i:02d}"})
        canary._save()


def test_many_processes_saving_at_once_lose_nothing(tmp_path):
    path = tmp_path / "canary.json"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_save_keys, args=(path, w, 10)) for w in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    assert len(json.loads(path.read_text())["passed"]) == 60

"""The grading cluster's credentials (`dlcourse cluster init`), the addresses `dlcourse grade` accepts,
and the canary's cache (one run per worker environment).

The attacks on a running cluster are in tests/cohort/test_outside_attacks.py.
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cohort.cluster import (CA_FILE, CA_KEY, ROLES, ClusterError, ClusterMode, cert_paths, cluster_mode,
                                       connect, course_security, init_credentials)

BIN = Path(sys.executable).parent


def _load(path: Path):
    from cryptography import x509

    return x509.load_pem_x509_certificate(path.read_bytes())


def test_cluster_init_makes_a_ca_and_one_certificate_per_role_with_private_keys(tmp_path):
    """`dlcourse cluster init`: keys 0600 in a 0700 folder, certificates 0644, each signed by the course CA
    (checked with the CA's public key, as TLS checks it), and it never overwrites credentials silently."""
    from cryptography.hazmat.primitives.asymmetric import ec

    out = tmp_path / "creds"
    proc = subprocess.run([str(BIN / "dlcourse"), "cluster", "init", "--out", str(out), "--host", "10.0.0.5",
                           "--course", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    ca = _load(out / CA_FILE)
    assert stat.S_IMODE((out / CA_KEY).stat().st_mode) == 0o600
    for role in ROLES:
        cert_path, key_path = cert_paths(out, role)
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600, role
        assert stat.S_IMODE(cert_path.stat().st_mode) == 0o644, role
        cert = _load(cert_path)
        assert cert.issuer == ca.subject
        ca.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    assert "dask scheduler --protocol tls" in proc.stdout and "--dashboard-address 127.0.0.1" in proc.stdout
    assert "10.0.0.5" in str(_load(cert_paths(out, "scheduler")[0]).extensions)

    before = (out / CA_FILE).read_bytes()
    again = subprocess.run([str(BIN / "dlcourse"), "cluster", "init", "--out", str(out), "--course", str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "already has credentials" in again.stderr and "Traceback" not in again.stderr
    assert (out / CA_FILE).read_bytes() == before


def test_credentials_readable_by_others_or_missing_are_refused(tmp_path):
    init_credentials(tmp_path / "c")
    security = course_security(tmp_path / "c", "client")
    assert security.require_encryption and security.tls_client_cert.endswith("client.pem")
    os.chmod(tmp_path / "c" / "client-key.pem", 0o644)
    with pytest.raises(ClusterError, match="client-key.pem .*can be read by other users"):
        course_security(tmp_path / "c", "client")
    with pytest.raises(ClusterError, match="run `dlcourse cluster init`"):
        course_security(tmp_path / "nothing", "client")


@pytest.mark.parametrize("address, insecure, kind, refused", [
    (None, False, "local", ""),
    ("tls://10.0.0.5:8786", False, "tls", ""),
    ("tcp://10.0.0.5:8786", False, "", "is plain TCP"),
    ("10.0.0.5:8786", False, "", "is plain TCP"),
    ("tcp://10.0.0.5:8786", True, "", "loopback experiments only"),
    ("tcp://127.0.0.1:8786", True, "insecure", ""),
    ("tcp://localhost:8786", True, "insecure", ""),
    ("ws://127.0.0.1:8786", True, "", "only tls://"),
])
def test_grade_refuses_a_plain_scheduler_unless_insecure_on_loopback(address, insecure, kind, refused):
    if refused:
        with pytest.raises(ClusterError, match=refused):
            cluster_mode(address, insecure)
    else:
        assert cluster_mode(address, insecure).kind == kind


def test_grade_cli_refuses_plain_tcp_before_anything_runs(tmp_path):
    proc = subprocess.run([str(BIN / "dlcourse"), "grade", "lab01_neurons_losses", "--scheduler", "tcp://10.0.0.5:8786",
                           "--course", str(tmp_path), "--no-progress"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "is plain TCP" in proc.stderr and "Traceback" not in proc.stderr


def _honest_rewrap():
    """Replace the worker's scoring function with an honest wrapper: the code as loaded has changed."""
    import autograder.cohort.tasks as tasks

    honest = tasks.score_notebook

    def score_notebook(nb, seed):
        return honest(nb, seed)
    tasks.score_notebook = score_notebook
    return "replaced"


def test_the_canary_runs_once_per_worker_environment(tmp_path):
    """First run: the reference and the blank are graded on the worker (2 notebooks) and pass. A second
    run on the same environment reuses the pass (0 notebooks, same key), unless told to check again. When the worker's code as
    loaded changes, the canary runs again (a new key), and is reused after that."""
    from autograder.cohort.canary import Canary
    from autograder.cohort.limits import Limits
    from autograder.cohort.pipeline import load_config
    from tests.cohort.cohort import LAB
    from tests.cohort.outside_attacks import Setting

    import autograder.cohort.tasks as tasks

    root = Setting(None, tmp_path).course()
    limits, config = Limits(cell_timeout_s=30), load_config(root)
    client, cluster = connect(ClusterMode("local"), 1)
    original = tasks.score_notebook  # the local worker runs in this process: its rewrap is ours to undo
    try:
        workers = sorted(client.scheduler_info(n_workers=-1)["workers"])

        def check(recheck=False):
            canary = Canary(root, limits, "none", config, recheck)
            return canary.check(client, workers, [LAB]), canary.ran

        keys, ran = check()
        assert ran == 2 and set(keys) == set(workers)
        assert check() == (keys, 0)
        assert check(recheck=True) == (keys, 2)  # dlcourse grade --recheck-workers: the cache is ignored
        assert set(client.run(_honest_rewrap).values()) == {"replaced"}
        changed, ran = check()
        assert ran == 2 and changed != keys
        assert check() == (changed, 0)
    finally:
        tasks.score_notebook = original
        client.close()
        cluster.close()


def test_the_live_code_digest_is_stable_and_sees_a_replaced_function(monkeypatch):
    """The canary's key covers the grader's code as loaded: the same in two processes with other hash
    seeds (so a restarted worker keeps its pass), different once a scoring function is replaced."""
    import autograder.cohort.tasks as tasks

    here = tasks.live_code_digest()
    there = subprocess.run([sys.executable, "-c", "from autograder.cohort.tasks import live_code_digest as d; print(d())"],
                           capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, PYTHONHASHSEED="4242" if os.environ.get("PYTHONHASHSEED") != "4242"
                                    else "17")).stdout.strip()
    assert there == here
    monkeypatch.setattr(tasks, "score_notebook", lambda nb, seed: None)
    assert tasks.live_code_digest() != here


class _NoNotebooks:
    """A client that must not be asked to run a canary notebook (the environment check comes first)."""

    def submit(self, *args, **kwargs):
        raise AssertionError("a canary notebook was submitted to a worker whose environment was refused")


def test_a_worker_with_other_versions_or_grader_code_stops_the_run_before_any_notebook(tmp_path, monkeypatch):
    """The canary's first step: a worker reporting other package versions or other grader code than this
    checkout fails at once, with a message naming the worker, the difference and what to do."""
    import json

    from autograder.cohort.canary import Canary, CanaryFailed
    from autograder.cohort.limits import Limits
    from autograder.cohort.state import grader_code_digest
    from autograder.cohort.tasks import environment

    here = environment("none")
    assert here["grader_code"] == grader_code_digest()
    numpy_elsewhere = dict(here, host="lab-pc-07", packages=dict(here["packages"], numpy="1.0.0"))
    old_checkout = dict(here, host="lab-pc-08", grader_code="0" * 64)
    workers = {"tls://10.0.0.7:40000": numpy_elsewhere, "tls://10.0.0.8:40000": old_checkout}
    (tmp_path / ".dlcourse").mkdir()
    canary = Canary(tmp_path, Limits(), "none", config=None)
    monkeypatch.setattr(canary, "_environments", lambda client, names: {w: workers[w] for w in names})
    monkeypatch.setattr("autograder.cohort.canary.canary_notebooks", lambda lab, config: {})
    with pytest.raises(CanaryFailed) as stopped:
        canary.check(_NoNotebooks(), sorted(workers), ["lab01_neurons_losses"])
    message = str(stopped.value)
    assert "stopped before anything was written to the gradebook: 2 canary check(s) failed" in message
    assert "worker tls://10.0.0.7:40000 (host lab-pc-07)" in message
    assert f"package versions differ: numpy 1.0.0 there, {here['packages']['numpy']} here" in message
    assert "worker tls://10.0.0.8:40000 (host lab-pc-08)" in message and "other grader code than this checkout" in message
    assert message.count("-> wrong versions") == 2
    assert not json.loads((tmp_path / ".dlcourse" / "canary.json").read_text())["passed"]


def test_grade_passes_recheck_workers_and_the_cell_limit_through(monkeypatch, tmp_path):
    """``dlcourse grade --recheck-workers --cell-timeout-s 7`` reaches ``run_grade`` as asked; without the
    flag the canary's cache is used, the course's own unless ``--canary-cache`` names another."""
    import autograder.cohort.grade as grade
    from autograder.cli import main

    calls = []
    monkeypatch.setattr(grade, "run_grade", lambda root, labs, **kw: calls.append((labs, kw)) or {})
    assert main(["grade", "lab01_neurons_losses", "--course", str(tmp_path), "--recheck-workers",
                 "--cell-timeout-s", "7"]) == 0
    assert main(["grade", "lab01_neurons_losses", "--course", str(tmp_path),
                 "--canary-cache", str(tmp_path / "shared.json")]) == 0
    (labs, first), (_, second) = calls
    assert labs == ["lab01_neurons_losses"] and first["recheck_workers"] is True and second["recheck_workers"] is False
    assert first["canary_cache"] is None and second["canary_cache"] == tmp_path / "shared.json"
    assert first["limit_overrides"] == {"cell_timeout_s": 7} and second["limit_overrides"] == {}

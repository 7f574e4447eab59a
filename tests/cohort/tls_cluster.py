"""A real Dask cluster on 127.0.0.1 with the course's certificates, for the tests (and tools/attack_table.py).

:class:`TLSCluster` runs ``dask scheduler`` and ``dask worker`` as separate processes (as the README's
recipe does, dashboards off), each started with the credentials of ``dlcourse cluster init``.
:meth:`TLSCluster.start_worker` starts another worker with any certificate, to see who gets in.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from autograder.cohort.cluster import CA_FILE, cert_paths, course_security, init_credentials

BIN = Path(sys.executable).parent


def _env() -> dict:
    """The cluster's processes can import ``tests`` (the tests send functions of their own modules)."""
    from autograder.course import REPO

    path = os.pathsep.join([str(REPO)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
    return dict(os.environ, OMP_NUM_THREADS="1", PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", PYTHONPATH=path)


class TLSCluster:
    """A scheduler and ``workers`` workers, each its own process, on 127.0.0.1, with mutual TLS."""

    def __init__(self, folder: Path, workers: int = 2):
        self.folder = Path(folder)
        self.credentials = self.folder / "credentials"
        init_credentials(self.credentials)
        self.procs: list[subprocess.Popen] = []
        sched_file = self.folder / "scheduler.json"
        cert, key = cert_paths(self.credentials, "scheduler")
        self.procs.append(self._spawn([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                       "--port", "0", "--protocol", "tls", "--no-dashboard",
                                       "--scheduler-file", str(sched_file),
                                       "--tls-ca-file", str(self.credentials / CA_FILE), "--tls-cert", str(cert),
                                       "--tls-key", str(key)], "scheduler"))
        deadline = time.monotonic() + 60
        while not sched_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(sched_file.read_text())["address"]
        assert self.address.startswith("tls://127.0.0.1:"), self.address
        worker_cert, worker_key = cert_paths(self.credentials, "worker")
        for i in range(workers):
            self.start_worker(f"w{i + 1}", self.credentials / CA_FILE, worker_cert, worker_key)
        with self.client() as client:
            client.wait_for_workers(workers, timeout=90)
            self.workers = sorted(client.scheduler_info(n_workers=-1)["workers"])

    def _spawn(self, cmd: list[str], name: str, env: dict | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")
        return subprocess.Popen(cmd, cwd=self.folder, env=env or _env(), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start_worker(self, name: str, ca: Path | None, cert: Path | None, key: Path | None,
                     env: dict | None = None) -> subprocess.Popen:
        """A ``dask worker`` named ``name`` joining this scheduler with the given TLS files (None: left out)."""
        cmd = [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads", "1", "--nworkers", "1",
               "--memory-limit", "0", "--no-dashboard", "--name", name, "--death-timeout", "60"]
        for flag, path in (("--tls-ca-file", ca), ("--tls-cert", cert), ("--tls-key", key)):
            if path is not None:
                cmd += [flag, str(path)]
        proc = self._spawn(cmd, name, env)
        self.procs.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def client(self, **kwargs):
        from distributed import Client

        from autograder.cohort.cluster import RESULT_DESERIALIZERS

        return Client(self.address, security=course_security(self.credentials, "client"), timeout="30s",
                      deserializers=RESULT_DESERIALIZERS, **kwargs)

    def stop(self, proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def close(self) -> None:
        for proc in self.procs:
            self.stop(proc)

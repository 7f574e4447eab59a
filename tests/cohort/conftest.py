"""Fixtures shared by the cohort tests: one TLS cluster per test session (xdist group ``bulk_cluster``)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tls_cluster(tmp_path_factory):
    """A scheduler and two workers on 127.0.0.1 with the course's certificates (tests/cohort/tls_cluster.py)."""
    from tests.cohort.tls_cluster import TLSCluster

    cluster = TLSCluster(tmp_path_factory.mktemp("tls-cluster"))
    yield cluster
    cluster.close()

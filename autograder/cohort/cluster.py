"""The grading cluster's credentials and how ``dlcourse grade`` reaches it: Dask's own mutual TLS.

``dlcourse cluster init`` (:func:`init_credentials`) makes the course's certificate authority and one
certificate per Dask role, with the ``cryptography`` package that Dask's TLS already uses::

    ca.pem                      the course CA's certificate (public: every party checks peers with it)
    ca-key.pem                  the CA's private key (0600; only needed to issue certificates again)
    client.pem, client-key.pem  the TA's `dlcourse grade` (0600 key; stays on the TA's machine)
    scheduler.pem, scheduler-key.pem
    worker.pem, worker-key.pem  copied to each lab machine or Slurm account that runs `dask worker`

Every connection of the cluster is then TLS with certificates checked both ways
(:class:`distributed.security.Security`, ``require_encryption=True``, ``tls://`` addresses): a client,
scheduler or worker whose certificate the course CA did not sign cannot connect, so it cannot
``Client.run`` code on the workers, register a plugin, or join as a worker and receive submissions.
Dask does not tell roles apart (any course certificate can act as any role, and a peer holding one is
trusted by Dask's protocol itself), so a key file is as sensitive as the TA's account: keys are
written readable by their owner only.

Without ``--scheduler``, ``dlcourse grade`` starts a ``LocalCluster`` with Dask's temporary in-memory
credentials (``security=True``): the same TLS, with a key that exists only in this process and the
workers it starts, so another account on a shared lab machine that finds the port cannot connect.
A plain ``tcp://`` scheduler is refused unless ``--insecure-cluster`` is given, and then only on a
loopback address (experiments on one's own machine).
"""
from __future__ import annotations

import datetime
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROLES = ("client", "scheduler", "worker")
CA_FILE, CA_KEY = "ca.pem", "ca-key.pem"
#: How long certificates are valid by default (a term and some).
DAYS = 200


def cert_paths(folder: Path, role: str) -> tuple[Path, Path]:
    """``(certificate, private key)`` of ``role`` in the credentials ``folder``."""
    return Path(folder) / f"{role}.pem", Path(folder) / f"{role}-key.pem"


def default_folder(root: Path) -> Path:
    """Where ``dlcourse cluster init`` writes by default: ``<course root>/.dlcourse/cluster``
    (outside everything a sandboxed kernel can see)."""
    return Path(root) / ".dlcourse" / "cluster"


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable and writable by its owner only (created that way: no window)."""
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def _write_public(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    os.chmod(path, 0o644)


def _name(common_name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dlcourse grading cluster"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _alt_names(hosts: list[str]):
    from cryptography import x509

    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def init_credentials(folder: Path, hosts: list[str] | None = None, days: int = DAYS, force: bool = False) -> list[Path]:
    """Make the course CA and the client, scheduler and worker certificates in ``folder``; the files written.

    ``hosts``: names and addresses put in the scheduler's and workers' certificates (Dask checks the
    CA signature, not the host name, so these are for people reading the certificate). Refuses to
    overwrite existing credentials unless ``force`` (every machine of the cluster must then get the new ones).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    folder = Path(folder)
    if (folder / CA_FILE).exists() and not force:
        raise FileExistsError(f"{folder / CA_FILE} exists: the cluster already has credentials "
                              "(--force makes new ones; every scheduler and worker then needs them)")
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    hosts = sorted(set((hosts or []) + ["localhost", "127.0.0.1", socket.gethostname()]))
    now = datetime.datetime.now(datetime.timezone.utc)
    until = now + datetime.timedelta(days=days)

    def pem_key(key) -> bytes:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("dlcourse course CA")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    written = [folder / CA_FILE, folder / CA_KEY]
    _write_public(folder / CA_FILE, ca.public_bytes(serialization.Encoding.PEM))
    _write_private(folder / CA_KEY, pem_key(ca_key))
    for role in ROLES:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(_name(f"dlcourse {role}")).issuer_name(ca_name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(until)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                         ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False))
        if role != "client":
            builder = builder.add_extension(_alt_names(hosts), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        cert_path, key_path = cert_paths(folder, role)
        _write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        _write_private(key_path, pem_key(key))
        written += [cert_path, key_path]
    return written


def course_security(folder: Path, role: str = "client"):
    """Dask's :class:`~distributed.security.Security` for ``role`` from the credentials in ``folder``."""
    from distributed.security import Security

    folder = Path(folder)
    cert, key = cert_paths(folder, role)
    missing = [p for p in (folder / CA_FILE, cert, key) if not p.is_file()]
    if missing:
        raise ClusterError(f"no cluster credentials for the {role} in {folder} (missing {', '.join(p.name for p in missing)}): "
                           "run `dlcourse cluster init` and copy the folder's ca.pem, worker.pem and worker-key.pem "
                           "to the workers")
    loose = [p.name for p in (key, folder / CA_KEY) if p.is_file() and p.stat().st_mode & 0o077]
    if loose:
        raise ClusterError(f"{', '.join(loose)} in {folder} can be read by other users: chmod 600 them "
                           "(anyone who can read a key can join the cluster)")
    return Security(require_encryption=True, tls_ca_file=str(folder / CA_FILE),
                    **{f"tls_{role}_cert": str(cert), f"tls_{role}_key": str(key)})


class ClusterError(RuntimeError):
    """The cluster cannot be reached safely; the message says what to do."""


def is_loopback(address: str) -> bool:
    """Whether the host of ``address`` (``tcp://host:port``) is a loopback address."""
    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ClusterMode:
    """How this run talks to its cluster, for the protections table: ``kind`` is ``local`` (temporary
    TLS credentials), ``tls`` (the course's certificates) or ``insecure`` (plain TCP on loopback)."""

    kind: str
    address: str = ""

    @property
    def authenticated(self) -> bool:
        return self.kind in ("local", "tls")


def cluster_mode(scheduler: str | None, insecure: bool = False) -> ClusterMode:
    """Check a ``--scheduler`` address before anything connects; raise :class:`ClusterError` if unsafe."""
    if not scheduler:
        return ClusterMode("local")
    scheme = scheduler.split("://", 1)[0] if "://" in scheduler else "tcp"
    if scheme == "tls":
        return ClusterMode("tls", scheduler)
    if scheme != "tcp":
        raise ClusterError(f"--scheduler {scheduler}: only tls:// (or tcp:// with --insecure-cluster) is supported")
    if not insecure:
        raise ClusterError(f"--scheduler {scheduler} is plain TCP: anyone who reaches it can run code on the workers and "
                           "change grades. Start the scheduler and workers with the course's certificates "
                           "(`dlcourse cluster init`, README) and pass tls://…; --insecure-cluster allows tcp:// "
                           "on a loopback address, for experiments")
    if not is_loopback(scheduler):
        raise ClusterError(f"--insecure-cluster is for loopback experiments only; {scheduler} is not a loopback address")
    return ClusterMode("insecure", scheduler)


#: The client reads the results of grading tasks with msgpack only: a worker's result that Dask would
#: unpickle (anything but plain data) is refused with a TypeError instead (see docs/tamper-proof-grading.md).
RESULT_DESERIALIZERS = ["msgpack"]


def connect(mode: ClusterMode, workers: int, credentials: Path | None = None):
    """``(client, local cluster or None)`` for ``mode``; in local mode an in-process ``LocalCluster``
    (one worker of ``workers`` threads, TLS with temporary credentials on 127.0.0.1)."""
    from distributed import Client, LocalCluster

    if mode.kind == "local":
        import dask

        # Everything on 127.0.0.1; Dask's HTTP servers (plain HTTP, not covered by TLS) serve only /health,
        # so no other account reads task names (students' ids) or worker addresses from them.
        with dask.config.set({"distributed.scheduler.http.routes": ["distributed.http.health"],
                              "distributed.worker.http.routes": ["distributed.http.health"]}):
            # One in-process worker with a thread per notebook at a time: no worker processes to start,
            # nothing pickled between processes; each student's code still runs in a kernel process (and
            # sandbox) of its own, so a thread only waits on it and then judges.
            cluster = LocalCluster(n_workers=1, threads_per_worker=workers, processes=False, memory_limit=0,
                                   dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                   silence_logs=50, security=True, host="127.0.0.1")
        return Client(cluster, deserializers=RESULT_DESERIALIZERS), cluster
    security = course_security(credentials, "client") if mode.kind == "tls" else None
    try:
        kwargs = {"security": security} if security is not None else {}
        return Client(mode.address, timeout="20s", deserializers=RESULT_DESERIALIZERS, **kwargs), None
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {mode.address}: {exc}") from None

"""Attacks from outside a student's notebook: on the grading cluster, on a local cluster, on intake.

:mod:`tests.cohort.attacks` is the corpus of submissions that attack grading from a solution cell.
These attack the rest of the path, as someone on the same network, another account on a shared lab
machine, a rogue or lying worker, or a hostile upload would. Each is a function of a
:class:`Setting` (a TLS cluster on 127.0.0.1, scratch folders) that returns what stopped it, or raises
:class:`AttackWorked`. ``tests/cohort/test_outside_attacks.py`` runs every one of them;
``tools/attack_table.py`` runs them again for docs/attacks.md. Everything stays on loopback and on
processes these functions start.
"""
from __future__ import annotations

import io
import json
import os
import socket
import ssl
import subprocess
import sys
import textwrap
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from autograder.cohort.cluster import CA_FILE, cert_paths, init_credentials


class AttackWorked(AssertionError):
    """The attack got through; the message says how."""


@dataclass
class Setting:
    """What the attacks run against: the session's TLS cluster and a scratch folder."""

    tls: "object"  # tests.cohort.tls_cluster.TLSCluster
    work: Path
    _made: dict = field(default_factory=dict)

    def folder(self, name: str) -> Path:
        path = self.work / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def course(self) -> Path:
        """One scratch course with lab 1 released and a roster (s001 Ada Lovelace, s002 Ben Okafor), made once."""
        if "course" not in self._made:
            from autograder.cohort.roster import import_roster
            from autograder.course import scratch_course
            from autograder.workflows.release import regenerate_release

            root = scratch_course(self.folder("course"))
            regenerate_release(["lab01_neurons_losses"], root=root, quiet=True, refresh_viva=False)
            (root / "students.csv").write_text("id,first_name,last_name\ns001,Ada,Lovelace\ns002,Ben,Okafor\n")
            import_roster(root, root / "students.csv")
            self._made["course"] = root
        return self._made["course"]

    def rogue_credentials(self) -> Path:
        """Certificates of the same shape as the course's, signed by another CA (what an outsider can make)."""
        if "rogue" not in self._made:
            folder = self.folder("rogue-ca")
            init_credentials(folder)
            self._made["rogue"] = folder
        return self._made["rogue"]


@dataclass(frozen=True)
class OutsideAttack:
    name: str
    title: str
    what_it_tries: str
    where: str
    run: Callable[[Setting], str]


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def _refused(attempt: Callable[[], object], what: str) -> str:
    """``what`` was refused: the error it raised (or :class:`AttackWorked` when it succeeded)."""
    try:
        result = attempt()
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the expected outcome
        return f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0][:140] if str(exc) else ''}"
    close = getattr(result, "close", None)
    if close:
        close()
    raise AttackWorked(f"{what}: connected")


# --------------------------------------------------------------------------- the TLS cluster

def client_plain_tcp(s: Setting) -> str:
    """A Dask client speaking plain TCP to the TLS scheduler."""
    from distributed import Client

    address = s.tls.address.replace("tls://", "tcp://")
    return _refused(lambda: Client(address, timeout="3s"), "plain TCP client")


def client_no_certificate(s: Setting) -> str:
    """A TLS client that trusts the course CA (public) but has no certificate of its own."""
    ctx = ssl.create_default_context(cafile=str(s.tls.credentials / CA_FILE))
    ctx.check_hostname = False

    def handshake():
        with socket.create_connection(("127.0.0.1", _port(s.tls.address)), timeout=3) as raw:
            with ctx.wrap_socket(raw) as tls:
                tls.sendall(b"\0" * 8)
                if not tls.recv(1):  # TLS 1.3: the server's refusal arrives with the first read
                    raise ConnectionResetError("closed by the scheduler")
                return None
    return _refused(handshake, "TLS client without a certificate")


def client_rogue_certificate(s: Setting) -> str:
    """A Dask client with a certificate signed by another CA, which then would run code on every worker."""
    from distributed import Client
    from distributed.security import Security

    rogue = s.rogue_credentials()
    cert, key = cert_paths(rogue, "client")
    security = Security(require_encryption=True, tls_ca_file=str(s.tls.credentials / CA_FILE),
                        tls_client_cert=str(cert), tls_client_key=str(key))

    def hijack():
        client = Client(s.tls.address, security=security, timeout="3s")
        client.run(lambda: "HIJACKED")
        return client
    said = [_refused(hijack, "client with a certificate of another CA"),
            _refused(lambda: Client(s.tls.address, security=Security.temporary(), timeout="3s"),
                     "client with Dask's self-signed temporary certificate")]
    return "; ".join(said)


def rogue_worker(s: Setting) -> str:
    """Workers with a self-signed certificate, one of another CA, and none, try to join; then students are graded."""
    from distributed.security import Security

    tmp = s.folder("rogue-self-signed")
    self_signed = Security.temporary()
    (tmp / "cert.pem").write_text(self_signed.tls_worker_cert)
    (tmp / "key.pem").write_text(self_signed.tls_worker_key)
    os.chmod(tmp / "key.pem", 0o600)
    rogue = s.rogue_credentials()
    course_ca = s.tls.credentials / CA_FILE
    cert, key = cert_paths(rogue, "worker")
    procs = {"rogue-self-signed": s.tls.start_worker("rogue-self-signed", course_ca, tmp / "cert.pem", tmp / "key.pem"),
             "rogue-other-ca": s.tls.start_worker("rogue-other-ca", course_ca, cert, key),
             "rogue-plain": s.tls.start_worker("rogue-plain", None, None, None)}
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(
                any(w in s.tls.log(n) for w in ("SSL", "ssl", "certificate", "Timed out", "TLS", "closed", "Error"))
                for n in procs):
            time.sleep(0.5)
        with s.tls.client() as client:
            workers = sorted(client.scheduler_info(n_workers=-1)["workers"])
            names = {w.get("name") for w in client.scheduler_info(n_workers=-1)["workers"].values()}
            ran_on = set(client.gather([client.submit(_where, i, pure=False) for i in range(6)]))
        joined = sorted(n for n in procs if n in names)
        if joined or not ran_on <= set(s.tls.workers):
            raise AttackWorked(f"rogue workers joined: {joined}; tasks ran on {sorted(ran_on)}")
        return (f"none of {', '.join(procs)} joined ({len(workers)} workers, the course's); 6 tasks ran on the "
                "course's workers only")
    finally:
        for proc in procs.values():
            s.tls.stop(proc)


def _where(_i):
    from distributed import get_worker

    return get_worker().address


class _Unpickled:
    """What a lying worker might send: an object whose unpickling writes a file (code of the worker's choosing)."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _pickled_answer(marker: str):
    """A task result already serialised with pickle (as a worker that ignores the client's msgpack would send)."""
    from distributed.protocol.serialize import Serialized, serialize

    return Serialized(*serialize(_Unpickled(marker), serializers=["pickle"]))


def _forged_outcome(job_json: str) -> str:
    data = json.loads(job_json)
    return json.dumps({"lab": data["lab"], "student": "someone_else", "digest": data["digest"], "executed": {},
                       "status": {}, "worker": "x", "seconds": 0.0, "attempts": 1, "error": ""})


def worker_pickled_result(s: Setting) -> str:
    """A worker (with a course certificate) answers with a pickle, and with an outcome for another student."""
    from autograder.cohort.limits import Limits
    from autograder.cohort.tasks import BadOutcome, Job, outcome_from_json

    marker = s.folder("pickle") / "unpickled-in-the-ta-process"
    with s.tls.client() as client:
        said = _refused(lambda: client.submit(_pickled_answer, str(marker), pure=False).result(),
                        "pickled result")
    if marker.exists():
        raise AttackWorked("the TA's process unpickled the worker's object")
    job = Job("lab01_neurons_losses", "ada", "d" * 64, ["lab01_neurons_losses.ipynb"], {}, Limits())
    try:
        outcome_from_json(_forged_outcome(json.dumps({"lab": job.lab, "digest": job.digest})), job)
    except BadOutcome as exc:
        return f"{said}; forged outcome: BadOutcome: {exc}"
    raise AttackWorked("an outcome for another student was accepted")


# --------------------------------------------------------------------------- a local cluster

HIJACKER = textwrap.dedent('''
    import json, sys
    from distributed import Client
    from distributed.comm import connect
    from distributed.security import Security
    from distributed.utils import sync
    from tornado.ioloop import IOLoop

    ports = [int(p) for p in sys.argv[1:]]
    seen = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(name).read().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN, readable by every account
                seen.add(int(fields[1].split(":")[1], 16))
    out = {"found": sorted(p for p in ports if p in seen), "results": []}
    for port in ports:
        for scheme, security in (("tcp", None), ("tls", Security.temporary())):
            try:
                kwargs = {"security": security} if security else {}
                client = Client(f"{scheme}://127.0.0.1:{port}", timeout="3s", **kwargs)
                client.run(lambda: None)
                out["results"].append(f"HIJACKED {scheme}://127.0.0.1:{port}")
                client.close()
            except Exception as exc:
                out["results"].append(f"{scheme}:{port} {type(exc).__name__}")
    print(json.dumps(out))
''')


def _other_uid_works() -> bool:
    try:
        return subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_become_nobody, timeout=30,
                              capture_output=True).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _become_nobody():
    os.setgid(65534)
    os.setuid(65534)


def local_cluster_hijack(s: Setting) -> str:
    """Another process on this machine, without the credentials, finds the local cluster's ports in
    /proc/net/tcp and connects with plain TCP and with a TLS certificate of its own, to run code."""
    from autograder.cohort.cluster import ClusterMode, connect

    client, cluster = connect(ClusterMode("local"), 1)
    try:
        addresses = [cluster.scheduler_address] + sorted(client.scheduler_info(n_workers=-1)["workers"])
        ports = [str(_port(a)) for a in addresses]
        as_other = os.getuid() == 0 and _other_uid_works()
        proc = subprocess.run([sys.executable, "-c", HIJACKER, *ports], capture_output=True, text=True, timeout=120,
                              preexec_fn=_become_nobody if as_other else None, cwd="/",
                              env=dict(os.environ, HOME="/tmp"))
        if proc.returncode != 0:
            raise RuntimeError(f"the hijacker failed to run: {proc.stderr[-800:]}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        worked = [r for r in out["results"] if r.startswith("HIJACKED")]
        if worked:
            raise AttackWorked("; ".join(worked))
        if not out["found"]:
            raise RuntimeError("the hijacker did not see the ports it should have found")
        who = "another account (uid 65534)" if as_other else "a process of this account without the credentials"
        return (f"{who} found {len(out['found'])} of {len(ports)} cluster ports in /proc/net/tcp; every connection "
                f"refused ({', '.join(out['results'][:4])}, ...)")
    finally:
        client.close()
        cluster.close()


# --------------------------------------------------------------------------- a lying worker and the canary

def lying_worker(s: Setting) -> str:
    """A worker (with a course certificate) whose scoring was replaced by a plugin: every cell full points.

    The issue's hook (a blank notebook scored 28/28). The canary's blank submission scores full on it, so
    the run stops before the gradebook is written.
    """
    from distributed.diagnostics.plugin import WorkerPlugin

    from distributed import Client, LocalCluster

    from autograder.cohort.canary import CanaryFailed
    from autograder.cohort.cluster import RESULT_DESERIALIZERS
    from autograder.cohort.grade import grade_labs
    from tests.cohort.cohort import LAB, add_submission, clean_fills

    class FullMarks(WorkerPlugin):
        name = "full-marks"

        def setup(self, worker):
            import nbformat

            import autograder.cohort.tasks as tasks

            honest = tasks.score_notebook

            def full(nb, seed):
                honest(nb, seed)
                for cell in nb.cells:
                    meta = cell.get("metadata", {}).get("nbgrader", {})
                    if meta.get("grade") and not meta.get("solution"):
                        cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": repr(meta["points"])},
                                                               execution_count=1)]
            tasks.score_notebook = full

    root = s.course()
    students = {"lying-ada": clean_fills()["ada"], "lying-ben": {}}
    for student, fills in students.items():
        add_submission(root, student, fills)
    # Its own worker process (not connect()'s local mode, which may run its worker in this process):
    # the hook must not stay in the test's own process.
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, memory_limit=0, dashboard_address=None,
                           silence_logs=50, security=True, host="127.0.0.1",
                           scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    client = Client(cluster, deserializers=RESULT_DESERIALIZERS)
    try:
        client.register_plugin(FullMarks())
        grade_labs(root, [LAB], client=client, progress=False, limit_overrides={"cell_timeout_s": 20},
                   students=list(students))
    except CanaryFailed as exc:
        message = str(exc)
        if (root / ".dlcourse" / f"{LAB}.json").exists() or _gradebook_rows(root, LAB, students):
            raise AttackWorked("the canary failed but grades were written") from None
        return "canary: " + " ".join(message.split())[:300]
    finally:
        client.close()
        cluster.close()
    raise AttackWorked("graded on a worker that scores everything full")


def _gradebook_rows(root: Path, lab: str, students) -> int:
    """How many of ``students`` have a submission of ``lab`` in the gradebook."""
    from nbgrader.api import Gradebook

    from autograder.cohort.gradebook import db_url

    with Gradebook(db_url(root)) as gb:
        return sum(1 for sub in gb.assignment_submissions(lab) if sub.student.id in set(students))


# --------------------------------------------------------------------------- intake

def zip_bytes(members: list[tuple[str, bytes, int]]) -> bytes:
    """A zip of ``(name, data, unix mode)`` members (mode 0o120777: a symbolic link to ``data``)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 10, 0, 0))
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def bomb(mib: int) -> bytes:
    """A zip of one member of ``mib`` MiB of zeros (about 1000 times smaller than what it inflates to)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        info = zipfile.ZipInfo("big.bin", date_time=(2026, 11, 20, 10, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as out:
            block = bytes(1 << 20)
            for _ in range(mib):
                out.write(block)
    return buf.getvalue()


def _collect_one(s: Setting, name: str, uploads: list[tuple[str, bytes, int]], pattern: str | None = None):
    """Collect an LMS zip of Ben's real notebook plus ``uploads`` (Ada's); the rows and the course."""
    from autograder.cohort.collect import collect
    from autograder.course.submissions import build_submission

    root = s.course()
    lab = "lab01_neurons_losses"
    nb = build_submission(root / "release" / lab / f"{lab}.ipynb", s.folder(name) / "ben.ipynb", {}).read_bytes()
    archive = s.folder(name) / "lms.zip"
    ben = f"Ben Okafor - {lab}.ipynb" if pattern == "classroom" else f"Ben Okafor_102_assignsubmission_file_/{lab}.ipynb"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo(ben, date_time=(2026, 11, 20, 8, 0, 0)), nb)
        for upload, data, mode in uploads:
            info = zipfile.ZipInfo(upload, date_time=(2026, 11, 21, 23, 0, 0))
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    rows = collect(root, lab, archive, pattern=pattern)
    if (root / "submitted" / "s002" / lab / f"{lab}.ipynb").read_bytes() != nb:
        raise AttackWorked("Ben's real upload was not imported")
    return rows, root


def _check_modes(root: Path) -> None:
    import stat

    for p in (root / "downloaded").rglob("*"):
        mode = p.lstat().st_mode
        if stat.S_ISLNK(mode) or mode & (stat.S_ISUID | stat.S_ISGID) or stat.S_IMODE(mode) not in (0o644, 0o755):
            raise AttackWorked(f"{p} was written with mode {oct(mode)}")


ADA = "Ada Lovelace_101_assignsubmission_file_/"


def intake_setuid(s: Setting) -> str:
    rows, root = _collect_one(s, "setuid", [(ADA + "tool.zip", zip_bytes([("tool", b"\x7fELF", 0o104755)]), 0o100644)])
    _check_modes(root)
    return "; ".join(f"{r.file}: {r.outcome}" for r in rows if "tool" in r.file) + " (written 0644)"


def intake_bomb(s: Setting) -> str:
    rows, root = _collect_one(s, "bomb", [(ADA + "bomb.zip", bomb(256), 0o100644)])
    big = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and p.stat().st_size > 64 << 20]
    if big:
        raise AttackWorked(f"{big[0]} holds {big[0].stat().st_size} bytes")
    return "; ".join(f"{r.file}: {r.outcome}" for r in rows if "bomb" in r.file)


def intake_hostile_archive(s: Setting) -> str:
    import secrets

    token = secrets.token_hex(4)
    escape = "../" * 12 + f"tmp/dlcourse-escape-{token}"
    rows, root = _collect_one(s, "hostile", [
        (ADA + "escape.zip", zip_bytes([(escape, b"x", 0o100644)]), 0o100644),
        (ADA + "link.zip", zip_bytes([("etc", b"/etc/passwd", 0o120777)]), 0o100644),
        (ADA + "fake.zip", b"not a zip", 0o100644), (ADA + "bad.gz", b"\x1f\x8bnope", 0o100644),
        (escape, b"x", 0o100644)])
    _check_modes(root)
    if Path(f"/tmp/dlcourse-escape-{token}").exists():
        raise AttackWorked("a file was written outside the course")
    return "; ".join(f"{r.file.rsplit('/', 1)[-1]}: {r.outcome.replace('kept aside: refused at extraction: ', '')}"
                     for r in rows if not r.outcome.startswith("imported"))[:400]


def intake_impersonation(s: Setting) -> str:
    lab = "lab01_neurons_losses"
    forged = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    rows, root = _collect_one(s, "impersonation", [
        ("Ada Lovelace - work.zip", zip_bytes([(f"Ben Okafor - {lab}.ipynb", forged, 0o100644)]), 0o100644)],
        pattern="classroom")
    inner = [r for r in rows if r.file.startswith("Ada Lovelace - work.zip/")]
    if not inner or inner[0].student != "s001":
        raise AttackWorked(f"the file in Ada's zip went to {inner[0].student if inner else 'nobody'}")
    if not (root / "submitted" / "s002" / lab / "timestamp.txt").read_text().startswith("2026-11-20 08:00"):
        raise AttackWorked("Ben's time is not his upload's")
    return f"{inner[0].file}: {inner[0].student} (Ada), {inner[0].outcome}; Ben keeps his own upload and its time"


def intake_markup(s: Setting) -> str:
    from rich.console import Console

    from autograder.cohort.collect import Row
    from autograder.cohort.progress import literal_table

    name = ADA + "[red]x[/red] [/b] :smile:.ipynb"
    rows, _ = _collect_one(s, "markup", [(name, b"{}", 0o100644)])
    console = Console(file=io.StringIO(), width=400)
    console.print(literal_table("t", ["file", "student", "outcome"], [(r.file, r.student, r.outcome) for r in rows]))
    if "[red]x[/red] [/b] :smile:.ipynb" not in console.file.getvalue():
        raise AttackWorked("the name was not printed literally")
    assert isinstance(rows[0], Row)
    return "printed literally: [red]x[/red] [/b] :smile:.ipynb"


ATTACKS = [
    OutsideAttack("out_client_plain", "plain-TCP client on the TLS scheduler", "connects with plain TCP to run code",
                  "cluster", client_plain_tcp),
    OutsideAttack("out_client_no_cert", "client without a certificate",
                  "TLS to the scheduler trusting the course CA, with no certificate of its own", "cluster",
                  client_no_certificate),
    OutsideAttack("out_client_rogue", "client with a certificate the course CA did not sign",
                  "another CA's certificate, and Dask's self-signed one; then Client.run on every worker", "cluster",
                  client_rogue_certificate),
    OutsideAttack("out_rogue_worker", "rogue worker",
                  "workers with a self-signed certificate, another CA's, and none join the scheduler to get jobs",
                  "cluster", rogue_worker),
    OutsideAttack("out_pickled_result", "a worker's answer that would run code in the TA's process",
                  "a result pickled by the worker (unpickling writes a file); an outcome for another student",
                  "cluster", worker_pickled_result),
    OutsideAttack("out_lying_worker", "a worker hooked to give full marks",
                  "a plugin replaces the worker's scoring (every cell full points), as the issue's attacker did",
                  "cluster", lying_worker),
    OutsideAttack("out_local_hijack", "local cluster hijack by another process",
                  "finds the local cluster's ports in /proc/net/tcp, connects with plain TCP and with its own TLS "
                  "certificate, runs code", "local cluster", local_cluster_hijack),
    OutsideAttack("out_intake_setuid", "setuid binary in an upload", "a zip holding a 04755 file", "intake",
                  intake_setuid),
    OutsideAttack("out_intake_bomb", "zip bomb", "a ~1 MB upload that inflates to 256 MiB", "intake", intake_bomb),
    OutsideAttack("out_intake_hostile", "hostile archives",
                  "a member with ../ out to /tmp, a symbolic link, a non-zip named .zip, a bad .gz, an LMS entry with ../",
                  "intake", intake_hostile_archive),
    OutsideAttack("out_intake_impersonation", "classroom impersonation",
                  "Ada's zip holds a newer notebook named like Ben's upload", "intake", intake_impersonation),
    OutsideAttack("out_intake_markup", "Rich markup in file names", "a file named [red]x[/red] [/b] :smile:.ipynb",
                  "intake", intake_markup),
]

"""Safe extraction of LMS downloads and of the archives students upload: no file outside the target,
no link, no mode bit from the archive, and limits on size, compression ratio and entries.

An LMS zip and everything inside it is untrusted: a student's upload may be a zip holding a setuid
binary, a member named ``../../x``, a symlink, a 1 MB zip that inflates to 1 GiB, or a file that only
claims to be an archive. Everything here is written by :func:`write_stream`:

* the path is checked first (:func:`safe_parts`): relative, no ``..``, no drive, no NUL, no empty
  component; the file is created afresh (``O_EXCL | O_NOFOLLOW``) inside the target, whose real path
  is checked again, so no link of any kind is created or followed;
* every file is mode 0644 and every folder 0755, whatever the archive says (never setuid, setgid,
  sticky or executable);
* the bytes actually written are counted against a :class:`Budget` (per upload and per LMS zip) and
  against the compression ratio of the member: extraction stops at the limit, the partial file is
  removed and :class:`IntakeRefused` says why.

Archives students upload (``.zip``, ``.tar``, ``.tar.gz``/``.tgz``, ``.gz``) are extracted one level
deep; tar links, devices and FIFOs, and zip symlinks or encrypted members, refuse the whole upload.

:class:`SafeExtractorPlugin` is the nbgrader plugin (an ``ExtractorPlugin``) that carries the limits
as traitlets, set in ``nbgrader_config.py`` (``c.SafeExtractorPlugin.upload_max_mib = ...``), so
``dlcourse collect`` and plain ``nbgrader zip_collect`` extract the same safe way.
"""
from __future__ import annotations

import gzip
import os
import shutil
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nbgrader.plugins.zipcollect import ExtractorPlugin
from traitlets import Float, Integer

FILE_MODE, DIR_MODE = 0o644, 0o755
CHUNK = 1 << 20
#: Extensions of the archives a student's upload may be (extracted one level deep).
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".gz")
#: Errors that a broken or hostile archive raises while it is read.
ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile,
                  OSError, ValueError, NotImplementedError, RuntimeError, UnicodeDecodeError)


class IntakeRefused(ValueError):
    """An archive or member that is not extracted; the message is the reason shown to the TA."""


def safe_parts(name: str) -> tuple[str, ...]:
    """The components of a member name if it is a safe relative path, else :class:`IntakeRefused`."""
    if "\0" in name:
        raise IntakeRefused("a file name holds a NUL byte")
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise IntakeRefused(f"an absolute path ({name!r})")
    parts = tuple(p for p in PurePosixPath(text).parts if p not in ("", "."))
    if not parts:
        raise IntakeRefused(f"an empty file name ({name!r})")
    if ".." in parts:
        raise IntakeRefused(f"a path out of its folder ({name!r})")
    return parts


def printable_name(name: str) -> str:
    """A name to set a refused member aside under: unsafe components replaced, never out of its folder."""
    parts = [p for p in name.replace("\\", "/").replace("\0", "_").split("/") if p not in ("", ".")]
    return "/".join("_" if p == ".." else p for p in parts) or "_"


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


@dataclass
class Limits:
    """What one upload, and one LMS zip, may inflate to (see :class:`SafeExtractorPlugin`)."""

    upload_bytes: int = 64 << 20
    upload_entries: int = 1000
    archive_bytes: int = 4 << 30
    archive_entries: int = 20000
    max_ratio: float = 200.0
    ratio_after_bytes: int = 1 << 20


class Budget:
    """Bytes and entries left to one archive; ``parent``: the enclosing archive's budget, charged too."""

    def __init__(self, max_bytes: int, max_entries: int, what: str, parent: "Budget | None" = None):
        self.max_bytes, self.max_entries, self.what, self.parent = max_bytes, max_entries, what, parent
        self.bytes = self.entries = 0

    def entry(self) -> None:
        self.entries += 1
        if self.entries > self.max_entries:
            raise IntakeRefused(f"{self.what} holds more than {self.max_entries} entries")
        if self.parent:
            self.parent.entry()

    def add(self, n: int) -> None:
        self.bytes += n
        if self.bytes > self.max_bytes:
            raise IntakeRefused(f"{self.what} inflates to more than {self.max_bytes / 2**20:g} MiB")
        if self.parent:
            self.parent.add(n)


def _ensure_dir(root: Path, parts: tuple[str, ...]) -> Path:
    """``root/parts`` as real folders (0755) inside ``root``; refuses a component that is not a folder."""
    here = root
    for part in parts:
        here = here / part
        if here.is_symlink() or (here.exists() and not here.is_dir()):
            raise IntakeRefused(f"{'/'.join(parts)} collides with a file of the same name")
        if not here.exists():
            here.mkdir(mode=DIR_MODE)
            os.chmod(here, DIR_MODE)
    return here


def write_stream(stream, root: Path, parts: tuple[str, ...], budget: Budget, compressed: int | None,
                 limits: Limits) -> Path:
    """Copy ``stream`` to ``root/parts`` (mode 0644, a new file), counting against ``budget`` and the ratio."""
    root = Path(root)
    folder = _ensure_dir(root, parts[:-1])
    dest = folder / parts[-1]
    real_root = os.path.realpath(root)
    if os.path.commonpath([os.path.realpath(folder), real_root]) != real_root:
        raise IntakeRefused(f"a path out of its folder ({'/'.join(parts)!r})")
    budget.entry()
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                budget.add(len(chunk))
                if compressed is not None and written > limits.ratio_after_bytes and \
                        written > limits.max_ratio * max(compressed, 1):
                    raise IntakeRefused(f"{'/'.join(parts)} inflates more than {limits.max_ratio:g} times "
                                        "(a zip bomb?)")
                out.write(chunk)
        os.chmod(dest, FILE_MODE)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return dest


def write_bytes(data: bytes, root: Path, rel: str) -> Path:
    """``data`` to ``root/rel`` (a safe version of ``rel``, a new name if taken), mode 0644, no limits."""
    import io

    Path(root).mkdir(parents=True, exist_ok=True)  # the course's own folder (set_aside/<reason>)
    parts = tuple(printable_name(rel).split("/"))
    target = Path(root).joinpath(*parts)
    n = 1
    while target.exists() or target.is_symlink():
        n += 1
        parts = parts[:-1] + (f"{parts[-1]}.{n}",)
        target = Path(root).joinpath(*parts)
    return write_stream(io.BytesIO(data), Path(root), parts, Budget(1 << 62, 1 << 30, "a file"), None, Limits())


def zip_member_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    if info.is_dir():
        return "dir"
    if mode and stat.S_ISLNK(mode):
        return "link"
    if mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
        return "special"
    if info.flag_bits & 0x1:
        return "encrypted"
    return "file"


def extract_zip(source, target: Path, budget: Budget, limits: Limits) -> list[str]:
    """Members of the zip ``source`` (path or file) written under ``target``; their relative names."""
    out = []
    with zipfile.ZipFile(source) as zf:
        infos = zf.infolist()
        if len(infos) > budget.max_entries:
            raise IntakeRefused(f"{budget.what} holds more than {budget.max_entries} entries")
        for info in infos:
            parts = safe_parts(info.filename)
            kind = zip_member_kind(info)
            if kind == "dir":
                _ensure_dir(target, parts)
                continue
            if kind != "file":
                raise IntakeRefused(f"{budget.what} holds a {'symbolic link' if kind == 'link' else kind} member "
                                    f"({info.filename!r})")
            with zf.open(info) as stream:
                write_stream(stream, target, parts, budget, info.compress_size, limits)
            out.append("/".join(parts))
    return out


def extract_tar(path: Path, target: Path, budget: Budget, limits: Limits) -> list[str]:
    out = []
    compressed = path.stat().st_size
    with tarfile.open(path, mode="r:*") as tar:
        for member in tar:
            parts = safe_parts(member.name)
            if member.isdir():
                _ensure_dir(target, parts)
                continue
            if not member.isfile():
                what = "link" if member.issym() or member.islnk() else "device or FIFO"
                raise IntakeRefused(f"{budget.what} holds a {what} ({member.name!r})")
            stream = tar.extractfile(member)
            write_stream(stream, target, parts, budget, compressed, limits)
            out.append("/".join(parts))
    return out


def extract_gz(path: Path, target: Path, budget: Budget, limits: Limits) -> list[str]:
    name = path.name[:-3] or "file"
    with gzip.open(path, "rb") as stream:
        write_stream(stream, target, safe_parts(name), budget, path.stat().st_size, limits)
    return [name]


def extract_archive(path: Path, target: Path, limits: Limits, what: str, parent: Budget | None = None) -> list[str]:
    """Extract the archive at ``path`` into the new folder ``target``; the relative names written.

    On any refusal or error nothing of it stays (``target`` is removed) and :class:`IntakeRefused`
    says why.
    """
    budget = Budget(limits.upload_bytes, limits.upload_entries, what, parent)
    lower = path.name.lower()
    target.mkdir(mode=DIR_MODE, parents=True, exist_ok=False)
    os.chmod(target, DIR_MODE)
    try:
        if lower.endswith(".zip"):
            if not zipfile.is_zipfile(path):
                raise IntakeRefused(f"{what} is named .zip but is not a zip file")
            return extract_zip(path, target, budget, limits)
        if lower.endswith((".tar", ".tar.gz", ".tgz")):
            return extract_tar(path, target, budget, limits)
        return extract_gz(path, target, budget, limits)
    except IntakeRefused:
        shutil.rmtree(target, ignore_errors=True)
        raise
    except ARCHIVE_ERRORS as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise IntakeRefused(f"{what} cannot be read as an archive ({type(exc).__name__}: {str(exc)[:120]})") from None


class SafeExtractorPlugin(ExtractorPlugin):
    """nbgrader's archive extractor, safe for untrusted uploads (module docstring); the limits are options."""

    upload_max_mib = Float(64.0, help="what one student's upload (an archive) may inflate to, in MiB; "
                                      "an upload over it is set aside, not extracted").tag(config=True)
    upload_max_entries = Integer(1000, help="files and folders one upload may hold").tag(config=True)
    archive_max_mib = Float(4096.0, help="what a whole LMS zip may inflate to, in MiB; entries past it "
                                         "are set aside").tag(config=True)
    archive_max_entries = Integer(20000, help="entries a whole LMS zip may hold; entries past it are set "
                                              "aside").tag(config=True)
    max_ratio = Float(200.0, help="the largest compression ratio of a member (a notebook compresses about "
                                  "5-10 times; a zip bomb 1000 times and more)").tag(config=True)

    def limits(self) -> Limits:
        return Limits(upload_bytes=int(self.upload_max_mib * 2**20), upload_entries=self.upload_max_entries,
                      archive_bytes=int(self.archive_max_mib * 2**20), archive_entries=self.archive_max_entries,
                      max_ratio=self.max_ratio)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        """nbgrader's interface: every archive under ``archive_path`` into its own folder under
        ``extracted_path`` (other files copied), safely; a refused archive is logged and skipped."""
        limits = self.limits()
        base, out = Path(archive_path), Path(extracted_path)
        out.mkdir(parents=True, exist_ok=True)
        for path in sorted(p for p in base.rglob("*") if p.is_file() and not p.is_symlink()):
            rel = path.relative_to(base)
            try:
                if is_archive(path.name):
                    stem = path.name[: -len(next(s for s in ARCHIVE_SUFFIXES if path.name.lower().endswith(s)))]
                    extract_archive(path, out.joinpath(*rel.parts[:-1], stem), limits, f"archive {rel}")
                else:
                    with open(path, "rb") as fh:
                        write_stream(fh, out, rel.parts, Budget(limits.upload_bytes, 1, f"file {rel}"), None, limits)
            except (IntakeRefused, FileExistsError) as exc:
                self.log.warning("not extracted: %s: %s", rel, exc)

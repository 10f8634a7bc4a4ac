"""What an arXiv source is, from its bytes: sniffing, safe unpacking, bulk tars read in place.

    root, skipped = unpack_source(Path("2308.13418.gz"), Path(tmp) / "src")
    for m in bulk_members(Path("arXiv_src_2308_001.tar")): ...   # one BulkMember per paper

A source is what arXiv distributes: a (gzipped) tar of a folder, a gzipped single ``.tex``
(often a file without any extension), a plain ``.tex``, or a directory.  The kind is found
from the bytes (:func:`sniff`), never from the name.  PDF-only and PostScript-only
submissions are refused with a reason code.  arXiv's bulk data packs many sources into one
uncompressed ``arXiv_src_YYMM_NNN.tar`` (members ``YYMM/<id>.gz``, or ``YYMM/<id>.pdf`` for a
PDF-only submission); :func:`bulk_members` lists such a tar by its headers only and
:func:`read_member` reads one member's bytes by offset, so nothing is unpacked to disk
except the one paper being converted.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import re
import shutil
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional

from nougat_align.errors import InputError
from nougat_align.records import Record

# Short, stable reason codes (report.reason) for counting drops in a batch.
REASON_NOT_FOUND = "source not found"
REASON_PDF_ONLY = "pdf-only submission"
REASON_PS_ONLY = "postscript-only submission"
REASON_NOT_LATEX = "not latex"
REASON_BAD_ARCHIVE = "corrupt archive"
REASON_TOO_LARGE = "source too large"
REASON_NO_MAIN = "no main file"
SOURCE_REASONS = (REASON_NOT_FOUND, REASON_PDF_ONLY, REASON_PS_ONLY, REASON_NOT_LATEX,
                  REASON_BAD_ARCHIVE, REASON_TOO_LARGE, REASON_NO_MAIN)

MAX_UNPACKED_BYTES = 2 * 1024**3  # a decompression bomb stops here
TEX_SUFFIXES = (".tex", ".ltx", ".latex")


class SourceProblem(InputError):
    """A source that cannot be converted; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, " ".join(detail.split())


def sniff(head: bytes) -> str:
    """The kind of a file from its first bytes (at least 512 of them when available)."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head[257:262] == b"ustar":
        return "tar"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"%!PS") or head.startswith(b"\xc5\xd0\xd3\xc6"):
        return "postscript"
    return "data"


COMPRESSED = ("gzip", "bzip2", "xz")


def sniff_file(path: Path) -> str:
    """:func:`sniff` of a file's first bytes."""
    return sniff(_head(path))


def _looks_like_text(sample: bytes) -> bool:
    if not sample:
        return False
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls <= len(sample) * 0.01


def safe_name(name: str, default: str = "main") -> str:
    for ext in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".gz", ".bz2", ".xz", ".zip"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
            break
    name = re.sub(r"[^A-Za-z0-9._+-]", "_", name).strip("._") or default
    return name


def safe_relpath(name: str) -> Optional[PurePosixPath]:
    """A member name as a relative path inside the archive, or None when it would escape."""
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or name.startswith("/"):
        return None
    parts = [part for part in p.parts if part not in ("", ".")]
    if not parts or any(part == ".." for part in parts):
        return None
    return PurePosixPath(*parts)


def _inside(root: Path, rel: PurePosixPath) -> Optional[Path]:
    target = (root / rel).resolve()
    try:
        target.relative_to(root.resolve())
    except ValueError:
        return None
    return target


def _copy_limited(reader, dest: Path, budget: list[int]) -> None:
    """Copy a binary stream into ``dest``, charging its size to ``budget[0]``."""
    with open(dest, "wb") as f:
        while True:
            chunk = reader.read(1 << 20)
            if not chunk:
                break
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise SourceProblem(REASON_TOO_LARGE,
                                     f"unpacks to more than {MAX_UNPACKED_BYTES >> 20} MiB")
            f.write(chunk)


def _extract_tar(archive: Path, root: Path, budget: list[int]) -> list[str]:
    skipped: list[str] = []
    links: list[tuple[PurePosixPath, PurePosixPath]] = []
    try:
        with tarfile.open(archive, "r:*") as tf:
            for m in tf:
                rel = safe_relpath(m.name)
                target = _inside(root, rel) if rel is not None else None
                if target is None:
                    skipped.append(m.name)
                    continue
                if m.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                elif m.isfile():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if target.is_dir():
                        skipped.append(m.name)
                        continue
                    reader = tf.extractfile(m)
                    if reader is None:
                        skipped.append(m.name)
                        continue
                    _copy_limited(reader, target, budget)
                elif m.issym() or m.islnk():
                    # Resolved after extraction, as a copy, only when it points inside.
                    base = rel.parent if m.issym() else PurePosixPath()
                    link = safe_relpath(str(base / m.linkname)) if m.linkname else None
                    if link is None:
                        skipped.append(m.name)
                    else:
                        links.append((rel, link))
                else:  # devices, fifos
                    skipped.append(m.name)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise SourceProblem(REASON_BAD_ARCHIVE, f"cannot read the tar archive ({e})") from e
    for rel, link in links:
        dst, src = _inside(root, rel), _inside(root, link)
        if dst is None or src is None or not src.is_file() or dst.exists():
            skipped.append(str(rel))
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return skipped


def _extract_zip(archive: Path, root: Path, budget: list[int]) -> list[str]:
    skipped: list[str] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                rel = safe_relpath(info.filename)
                target = _inside(root, rel) if rel is not None else None
                if target is None or (info.external_attr >> 16) & 0o170000 == 0o120000:
                    skipped.append(info.filename)  # escaping name or a symlink
                    continue
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as reader:
                    _copy_limited(reader, target, budget)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as e:
        raise SourceProblem(REASON_BAD_ARCHIVE, f"cannot read the zip archive ({e})") from e
    return skipped


_DECOMPRESSORS = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}


def unpack_source(src: Path, dest: Path) -> tuple[Path, list[str]]:
    """Lay ``src`` out as plain files under the empty folder ``dest``.

    Returns the source's root folder (``dest`` itself, or the single folder a tarball of a
    folder holds) and the archive members skipped for safety (absolute paths, ``..``,
    links leaving the tree, devices).  Raises ``InputError`` for PDF/PostScript-only
    submissions, data that is not LaTeX, and corrupt or oversized archives.
    """
    src, dest = Path(src), Path(dest)
    if not src.exists():
        raise SourceProblem(REASON_NOT_FOUND, f"{src} does not exist")
    dest.mkdir(parents=True, exist_ok=True)
    budget = [MAX_UNPACKED_BYTES]
    skipped: list[str] = []
    if src.is_dir():
        shutil.copytree(src, dest, dirs_exist_ok=True, ignore_dangling_symlinks=True,
                        ignore=shutil.ignore_patterns(".git", ".svn", ".hg"))
        return _descend(dest), skipped

    name = safe_name(src.name)
    payload = dest.parent / f".{dest.name}.payload"
    try:
        kind = sniff(_head(src))
        if kind in _DECOMPRESSORS:
            try:
                with _DECOMPRESSORS[kind](src, "rb") as reader:
                    _copy_limited(reader, payload, budget)
            except (OSError, EOFError, lzma.LZMAError, zlib.error) as e:
                raise SourceProblem(REASON_BAD_ARCHIVE, f"cannot decompress {kind} data ({e})") from e
            kind = sniff(_head(payload))
        else:
            payload = src
        if kind == "data" and not _looks_like_text(_head(payload, 65536)) and tarfile.is_tarfile(payload):
            kind = "tar"  # an old tar without the ustar magic
        if kind == "tar":
            skipped = _extract_tar(payload, dest, budget)
        elif kind == "zip":
            skipped = _extract_zip(payload, dest, budget)
        elif kind == "pdf":
            raise SourceProblem(REASON_PDF_ONLY, "the source is a PDF, there is no LaTeX to convert")
        elif kind == "postscript":
            raise SourceProblem(REASON_PS_ONLY, "the source is PostScript, there is no LaTeX to convert")
        elif kind in _DECOMPRESSORS:
            raise SourceProblem(REASON_NOT_LATEX, f"{kind} data inside compressed data")
        elif _looks_like_text(_head(payload, 65536)):
            if not name.lower().endswith(TEX_SUFFIXES):
                name += ".tex"
            shutil.copyfile(payload, dest / name)
        else:
            raise SourceProblem(REASON_NOT_LATEX, "binary data that is neither an archive nor TeX")
    finally:
        if payload != src:
            payload.unlink(missing_ok=True)
    return _descend(dest), skipped


def _head(path: Path, size: int = 1024) -> bytes:
    with open(path, "rb") as f:
        return f.read(size)


def _descend(root: Path) -> Path:
    """A tarball of a folder unpacks to that one folder: the source root is inside it."""
    while True:
        entries = [e for e in root.iterdir() if not ignored(e.name)]
        if len(entries) == 1 and entries[0].is_dir():
            root = entries[0]
        else:
            return root


def ignored(name: str) -> bool:
    return name in ("__MACOSX", ".DS_Store") or name.startswith("._")


# ------------------------------------------------------------------ bulk tars -------------


@dataclass(frozen=True)
class BulkMember(Record):
    """One file inside an arXiv bulk tar: ``name`` is the member (``2308/2308.13418.gz``),
    ``offset``/``size`` locate its bytes in an uncompressed tar (``offset`` -1: look it up)."""

    archive: str
    name: str
    offset: int = -1
    size: int = -1

    @property
    def stem(self) -> str:
        """The member's file name without ``.gz``/``.pdf``: the paper id (and version)."""
        base = PurePosixPath(self.name).name
        for ext in (".gz", ".pdf", ".tar.gz", ".tgz"):
            if base.lower().endswith(ext):
                return base[: -len(ext)]
        return base


def bulk_members(archive: Path, suffixes: tuple[str, ...] = (".gz", ".pdf")) -> Iterator[BulkMember]:
    """The regular files of a tar whose names end in ``suffixes``, read header by header
    (memory stays flat on archives with many members).  A corrupt archive raises
    ``SourceProblem`` after the members read so far."""
    plain = sniff_file(archive) not in COMPRESSED
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            while True:
                info = tar.next()
                if info is None:
                    return
                tar.members = []
                if info.isfile() and info.name.lower().endswith(suffixes):
                    yield BulkMember(str(archive), info.name,
                                     info.offset_data if plain and not info.sparse else -1, info.size)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise SourceProblem(REASON_BAD_ARCHIVE, f"{archive}: unreadable tar archive ({e})") from e


def is_bulk_tar(path: Path, probe: int = 20) -> bool:
    """An arXiv bulk tar of sources: a tar whose first files are all ``DIR/NAME.gz`` or
    ``DIR/NAME.pdf`` (one paper each), some of them ``.gz`` or the tar named
    ``arXiv_src_*`` (a tar of PDFs only is the PDF side), not a submission packed as a tar."""
    try:
        if not tarfile.is_tarfile(path):
            return False
        names = []
        for m in bulk_members(Path(path), suffixes=("",)):
            names.append(m.name.lower())
            if len(names) >= probe:
                break
    except (SourceProblem, OSError):
        return False
    if not names or any(len(PurePosixPath(n).parts) != 2 or not n.endswith((".gz", ".pdf")) for n in names):
        return False
    return any(n.endswith(".gz") for n in names) or Path(path).name.startswith("arXiv_src_")


def read_member(member: BulkMember) -> bytes:
    """The bytes of one member, by offset when known, else by name."""
    try:
        with open(member.archive, "rb") as f:
            if member.offset >= 0:
                f.seek(member.offset)
                data = f.read(member.size)
            else:
                with tarfile.open(fileobj=f, mode="r:*") as tar:
                    reader = tar.extractfile(member.name)
                    data = reader.read() if reader else b""
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise SourceProblem(REASON_BAD_ARCHIVE, f"{member.archive}:{member.name}: {e}") from e
    if len(data) != member.size:
        raise SourceProblem(REASON_BAD_ARCHIVE, f"{member.archive}:{member.name}: truncated archive member")
    return data

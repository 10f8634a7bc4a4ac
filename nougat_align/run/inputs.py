"""Where the papers of a run are: one small :class:`PaperJob` per paper, streamed.

    dump = Dump(html=Path("html"), pdfs=Path("pdfs"))      # or Dump(input=Path("dump"))
    for job in dump.jobs(): ...

:class:`Dump` walks the folders and yields one job per PDF (a file, or a member of an arXiv
bulk tar read in place), matched by paper id (:func:`parse_id`: ``2308.13418v2.pdf`` pairs
with ``2308.13418.html``, ``hep-th/9901001`` is stored as ``hep-th9901001``).  Only the
HTML/figures/source names are held in memory; PDFs are streamed folder by folder.  Sources
are files or folders, or members of arXiv bulk source tars (``arXiv_src_YYMM_NNN.tar``,
members ``YYMM/<id>.gz``) listed by their headers.  A PDF without HTML (and without a LaTeX
source to convert) and an HTML without PDF become jobs with a ``problem`` ("no html",
"no pdf"); a PDF whose bulk source member is a PDF is a "pdf-only submission".
"""
from __future__ import annotations

import hashlib
import itertools
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

from nougat_align.errors import InputError
from nougat_align.records import Record
from nougat_align.source.archive import REASON_PDF_ONLY, BulkMember, SourceProblem, bulk_members, is_bulk_tar

log = logging.getLogger("nougat_align.run.batch")

NO_HTML, NO_PDF = "no html", "no pdf"
GENERIC_STEMS = {"paper", "main", "index", "document", "article", "ms", "manuscript",
                 "figures", "pdffigures", "source", "src"}


# ------------------------------------------------------------------------- paper ids ------

_NEW_ID = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5})(?:v(\d+))?$", re.IGNORECASE)
_OLD_ID = re.compile(r"^(?:arxiv:)?([a-z]+(?:-[a-z]+)*(?:\.[a-z-]+)?)/?(\d{7})(?:v(\d+))?$",
                     re.IGNORECASE)


def parse_id(name: str) -> tuple[str, int]:
    """``(normalized id, version)`` of an arXiv id or file stem; version 0 when absent.

    ``2308.13418v2`` -> ``("2308.13418", 2)``; ``hep-th/9901001`` and ``hep-th9901001`` ->
    ``("hep-th9901001", 0)``.  Other names are kept (a ``/`` becomes ``_``) with version 0.
    The normalized id is the paper's output folder name.
    """
    m = _NEW_ID.match(name)
    if m:
        return m[1], int(m[2] or 0)
    m = _OLD_ID.match(name)
    if m:
        return m[1] + m[2], int(m[3] or 0)
    return name.replace("/", "_").lstrip("."), 0


def normalize_id(name: str) -> str:
    return parse_id(name)[0]


def shard_of(paper: str, n: int) -> int:
    """The shard (0..n-1) a paper id belongs to: a hash, so independent of listing order."""
    return int.from_bytes(hashlib.sha1(paper.encode("utf-8")).digest()[:8], "big") % n


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` (0 <= I < N) -> ``(I, N)``."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or not 0 <= int(m[1]) < int(m[2]):
        raise InputError(f"--shard {text!r}: expected I/N with 0 <= I < N, e.g. 0/4")
    return int(m[1]), int(m[2])


# ----------------------------------------------------------------------- discovery ------


@dataclass(frozen=True)
class PaperJob(Record):
    """One paper to process: small, picklable, JSON-ready.

    ``pdf`` is a file, or the bulk tar holding ``pdf_member``; ``source`` likewise a file or
    folder, or the bulk tar holding ``source_member`` (set only when there is no ``html``).
    A job with a ``problem`` is not run.
    """

    paper: str
    pdf: str = ""
    pdf_member: Optional[BulkMember] = None
    html: str = ""
    source: str = ""
    source_member: Optional[BulkMember] = None
    figures: str = ""
    problem: str = ""

    @property
    def pdf_name(self) -> str:
        return f"{self.pdf}:{self.pdf_member.name}" if self.pdf_member else self.pdf

    @property
    def source_name(self) -> str:
        return f"{self.source}:{self.source_member.name}" if self.source_member else self.source


# suffix -> role of a file (first match wins; None: never an input)
_SUFFIXES = ((".latexml.json", None), (".tar.gz", "source"), (".tgz", "source"),
             (".tar", "archive"), (".pdf", "pdf"), (".html", "html"), (".htm", "html"),
             (".xhtml", "html"), (".json", "figures"), (".gz", "source"), (".zip", "source"),
             (".tex", "source"))


def _role(name: str) -> tuple[Optional[str], str]:
    low = name.lower()
    for suffix, role in _SUFFIXES:
        if low.endswith(suffix):
            return role, name[: -len(suffix)]
    return None, name


def _walk(root: Path) -> Iterator[tuple[Path, list[os.DirEntry]]]:
    """Every folder under ``root`` (depth first, names sorted) with its files; hidden skipped."""
    stack = [Path(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError as e:
            log.warning("cannot list %s: %s", folder, e.strerror or e)
            continue
        yield folder, [e for e in entries if not e.is_dir()]
        stack.extend(Path(e.path) for e in reversed(entries) if e.is_dir())


def _file_id(stem: str, folder: Path) -> tuple[str, int]:
    """A file's paper id: its stem, or its folder's name for ``paper.pdf``-like stems."""
    return parse_id(folder.name if stem.lower() in GENERIC_STEMS else stem)


def _inputs(root: Path, roles: set[str]) -> Iterator[tuple[str, int, str, "Source"]]:
    """``(id, version, role, path)`` of the html/figures/source files under ``root``, and
    the members of arXiv bulk tars of sources when sources are asked for.

    A ``.tex`` named like its folder (``basic/paper.tex``) stands for the whole folder, so
    a multi-file source converts with its includes.
    """
    for folder, files in _walk(root):
        for entry in files:
            role, stem = _role(entry.name)
            if role == "archive" and "source" in roles and is_bulk_tar(Path(entry.path)):
                yield from _bulk_sources(Path(entry.path))
            if role not in roles:
                continue
            pid, version = _file_id(stem, folder)
            path = entry.path
            if (role == "source" and entry.name.lower().endswith(".tex") and folder != Path(root)
                    and pid == normalize_id(folder.name)):
                path = str(folder)
            yield pid, version, role, path


Source = Union[str, BulkMember]


def _source_entries(root: Path) -> Iterator[tuple[str, int, str, Source]]:
    """A ``--sources`` folder: every top-level entry is one paper's source (arXiv's own
    names: ``2308.13418.gz``, ``2308.13418.tar.gz``, an extension-less gzip, or a folder),
    or an arXiv bulk tar of sources whose members are read in place (``root`` may be one)."""
    if Path(root).is_file():
        yield from _bulk_sources(Path(root))
        return
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        role, stem = (None, entry.name) if entry.is_dir() else _role(entry.name)
        if role == "archive" and is_bulk_tar(Path(entry.path)):
            yield from _bulk_sources(Path(entry.path))
        elif role in (None, "source"):
            pid, version = parse_id(stem)
            yield pid, version, "source", entry.path


def _bulk_sources(archive: Path) -> Iterator[tuple[str, int, str, Source]]:
    try:
        for member in bulk_members(archive):
            pid, version = parse_id(member.stem)
            yield pid, version, "source", member
    except SourceProblem as e:
        log.warning("%s; papers read so far are kept", e)


def _pdfs(root: Path) -> Iterator[tuple[str, PaperJob]]:
    """``(id, job with pdf fields)`` of the PDFs under ``root``: files and tar members,
    the newest version of each id within a folder or archive, in name order.  A folder
    that holds its own paper (``2308.13418/paper.pdf``, ``2308.13418/2308.13418.pdf``) is
    that one paper: its other PDFs and subfolders are figures, not papers."""
    if Path(root).is_file():  # one bulk tar
        yield from _tar_pdfs(Path(root))
        return
    paper_dirs: list[Path] = []  # one paper's folder: its other PDFs are figures
    for folder, files in _walk(root):
        if any(folder.is_relative_to(d) for d in paper_dirs):
            continue
        own = normalize_id(folder.name)
        pdfs = [(e, *_role(e.name)) for e in files if _role(e.name)[0] == "pdf"]
        if folder != Path(root) and any(_file_id(stem, folder)[0] == own for _, _, stem in pdfs):
            paper_dirs.append(folder)
            pdfs = [p for p in pdfs if _file_id(p[2], folder)[0] == own]
        group: dict[str, tuple[int, PaperJob]] = {}
        for entry in files:
            if _role(entry.name)[0] == "archive":
                yield from _tar_pdfs(Path(entry.path))
        for entry, _, stem in pdfs:
            pid, version = _file_id(stem, folder)
            if pid not in group or version > group[pid][0]:
                group[pid] = (version, PaperJob(paper=pid, pdf=entry.path))
        for pid, (_, job) in group.items():
            yield pid, job


def _tar_pdfs(archive: Path) -> Iterator[tuple[str, PaperJob]]:
    """The PDFs inside an arXiv bulk tar (``arXiv_pdf_2308_001.tar``), read in place."""
    group: dict[str, tuple[int, PaperJob]] = {}
    try:
        for member in bulk_members(archive, suffixes=(".pdf",)):
            pid, version = parse_id(member.stem)
            if pid not in group or version > group[pid][0]:
                group[pid] = (version, PaperJob(paper=pid, pdf=str(archive), pdf_member=member))
    except SourceProblem as e:
        log.warning("%s; papers read so far are kept", e)
    for pid, (_, job) in group.items():
        yield pid, job


def _by_role(items: Iterable[tuple[str, int, str, Source]],
             keep: Callable[[str], bool]) -> dict[str, dict[str, Source]]:
    """``{role: {id: path or bulk member}}``, the newest version of each, for the ids ``keep`` accepts."""
    best: dict[tuple[str, str], tuple[int, Source]] = {}
    for pid, version, role, path in items:
        if keep(pid) and ((role, pid) not in best or version > best[role, pid][0]):
            best[role, pid] = (version, path)
    found: dict[str, dict[str, Source]] = {"html": {}, "figures": {}, "source": {}}
    for (role, pid), (_, path) in best.items():
        found[role][pid] = path
    return found


@dataclass(frozen=True)
class Dump:
    """Where the papers are: separate folders matched by id, or one ``input`` folder with
    per-paper files (``2308.13418v2.pdf``, ``2308.13418.html``, ``2308.13418.json``) or
    per-paper subfolders (``2308.13418/paper.pdf``, ``paper.html``).  Folders are searched
    recursively; ``*.tar`` files among the PDFs are arXiv bulk archives of PDFs.
    ``figures`` holds pdffigures2 JSON (``<id>.json``); ``sources`` arXiv sources converted
    with LaTeXML for papers that have no HTML.  ``shard=(i, n)`` keeps 1/n of the papers."""

    html: Optional[Path] = None
    pdfs: Optional[Path] = None
    figures: Optional[Path] = None
    sources: Optional[Path] = None
    input: Optional[Path] = None
    shard: Optional[tuple[int, int]] = None

    def __post_init__(self):
        if (self.input is None) == (self.pdfs is None):
            raise InputError("give either one input folder, or a PDF folder (with HTML and/or sources)")
        if self.pdfs is not None and self.html is None and self.sources is None:
            raise InputError("with a PDF folder, give an HTML folder and/or a sources folder")
        for name in ("html", "pdfs", "figures", "sources", "input"):
            path = getattr(self, name)
            if path is None or Path(path).is_dir():
                continue
            if name == "sources" and Path(path).is_file() and is_bulk_tar(Path(path)):
                continue  # one arXiv bulk tar of sources
            if name == "pdfs" and Path(path).is_file() and _role(Path(path).name)[0] == "archive":
                continue  # one arXiv bulk tar of PDFs
            tar = " or an arXiv bulk tar" if name in ("sources", "pdfs") else ""
            raise InputError(f"{path}: not a folder{tar} (--{name})")

    def _keep(self, pid: str) -> bool:
        return self.shard is None or shard_of(pid, self.shard[1]) == self.shard[0]

    def _pdf_root(self) -> Path:
        return Path(self.input if self.input is not None else self.pdfs)

    def jobs(self) -> Iterator[PaperJob]:
        """Stream one job per paper: PDFs in folder order, then HTML files without a PDF."""
        if self.input is not None:
            found = _by_role(_inputs(self.input, {"html", "figures", "source"}), self._keep)
        else:
            found = _by_role(itertools.chain(
                _inputs(self.html, {"html"}) if self.html else (),
                _inputs(self.figures, {"figures"}) if self.figures else (),
                _source_entries(self.sources) if self.sources else ()), self._keep)
        html, figures, sources = found["html"], found["figures"], found["source"]
        seen: set[str] = set()
        for pid, job in _pdfs(self._pdf_root()):
            if not self._keep(pid):
                continue
            if pid in seen:
                log.info("%s: another PDF of this paper was found first; %s ignored", pid, job.pdf_name)
                continue
            seen.add(pid)
            h = html.get(pid, "")
            s = "" if h else sources.get(pid, "")
            member = s if isinstance(s, BulkMember) else None
            problem = "" if h or s else NO_HTML
            if member is not None and member.name.lower().endswith(".pdf"):
                problem = REASON_PDF_ONLY  # arXiv stores a PDF-only submission as YYMM/<id>.pdf
            yield PaperJob(paper=pid, pdf=job.pdf, pdf_member=job.pdf_member, html=h,
                           source=member.archive if member else s, source_member=member,
                           figures=figures.get(pid, ""), problem=problem)
        for pid in sorted(html.keys() - seen):
            yield PaperJob(paper=pid, html=html[pid], problem=NO_PDF)

    def count(self) -> int:
        """About how many papers :meth:`jobs` yields (PDFs only; for the progress bar)."""
        return sum(1 for pid, _ in _pdfs(self._pdf_root()) if self._keep(pid))


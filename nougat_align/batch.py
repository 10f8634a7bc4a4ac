"""The dataset builder: a dump of papers -> ``OUT/<paper>/NN.mmd, NN.png, meta.json``.

    dump = Dump(html=Path("html"), pdfs=Path("pdfs"))            # or Dump(input=Path("dump"))
    stats = run_batch(dump, Settings(out="out"), workers=8)      # OUT/manifest.jsonl, stats.json

Read it top to bottom, in the order data flows:

1. **Discovery** (:class:`Dump`) walks the folders and streams one small :class:`PaperJob`
   per PDF (a file, or a member of an arXiv bulk tar read in place), matched by paper id
   (:func:`parse_id`: ``2308.13418v2.pdf`` pairs with ``2308.13418.html``, ``hep-th/9901001``
   is stored as ``hep-th9901001``).  Only the HTML/figures/source names are held in memory;
   PDFs are streamed folder by folder.  A PDF without HTML (and without a LaTeX source to
   convert) and an HTML without PDF become jobs with a ``problem`` ("no html", "no pdf").
2. **Jobs** -> :func:`run_job`, the per-paper function (top level, picklable): it converts a
   source with LaTeXML when there is no HTML, extracts a tar member to a temp file, calls
   :func:`nougat_align.pipeline.process_paper` (which writes the paper folder atomically) and
   turns every exception into a :class:`PaperRecord`; it never raises.
3. **Executors** run ``run_job`` with at most ``2 x workers`` papers in flight, so memory
   stays flat however long the stream:

   - local (default): a Pebble ``ProcessPool``.  Pebble kills a worker whose task runs past
     its timeout (counted from the moment the task starts) and reports a worker that died
     (segfault, OOM kill) as ``ProcessExpired``; either way only that paper is lost and the
     pool starts a fresh worker.  ``concurrent.futures.ProcessPoolExecutor`` cannot stop a
     running task and breaks the whole pool when one worker dies, hence Pebble.
   - Dask (``dask="tcp://..."`` or ``"local"`` for a LocalCluster): the same ``run_job`` runs
     in a helper child process that each Dask worker thread keeps (:class:`_Helper`).  Dask
     cannot stop a running task (a thread), and Dask worker processes are daemonic so they
     may not start ``multiprocessing`` children (Pebble); a plain ``subprocess`` helper may.
     The task waits for the helper's answer at most ``timeout`` seconds, then kills it: a
     stuck paper is really stopped, recorded as ``timeout``, and the Dask worker stays
     healthy.  A helper that crashes loses only its paper.  Input and output paths must be
     on a filesystem every Dask worker sees.
4. **Manifest**: every paper's :class:`PaperRecord` is appended to ``OUT/manifest.jsonl``
   (one JSON line per paper per run attempt, flushed per paper), counted for
   ``OUT/stats.json`` and the summary table, and logged to ``OUT/logs/run-<time>.log``.

Resume: a paper folder with ``meta.json`` is complete (it appears by one rename), so a rerun
skips it (``recompute=True`` redoes it).  A paper whose last attempt failed on its inputs or
timed out is skipped too (``retry_failed=True`` retries it); papers lost to a worker crash
or an interrupted run are retried.  Stale ``.PAPER.*.tmp`` folders of a killed run are
removed at start.  Ctrl-C (or SIGTERM) stops submitting, stops the workers, writes
``stats.json`` and re-raises ``KeyboardInterrupt``; the next run resumes.  ``shard=(i, n)``
takes the papers whose id hashes to ``i`` modulo ``n`` (Slurm job arrays); each shard keeps
its own manifest, stats and lock, so shards can share one OUT.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import heapq
import itertools
import json
import logging
import os
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Iterator, Optional, Union

from nougat_align import pipeline
from nougat_align.errors import InputError, NougatAlignError
from nougat_align.records import Record
from nougat_align.render import DEFAULT_DPI
from nougat_align.split import DEFAULT_MIN_SCORE
from nougat_align.style import DEFAULT_STYLE, check_style
from nougat_align.write import check_folder, write_text_atomic

log = logging.getLogger("nougat_align.batch")

DEFAULT_TIMEOUT = 300.0
STATUSES = ("ok", "partial", "failed", "timeout", "skipped")
NO_HTML, NO_PDF = "no html", "no pdf"
CRASHED, TIMED_OUT = "worker crashed", "timeout"
# Failures that may go away by themselves: retried by the next run without retry_failed.
RETRIED_REASONS = {NO_HTML, NO_PDF, CRASHED}
MAX_TASKS_PER_WORKER = 200  # a local worker is replaced after this many papers (leaks stay bounded)
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

    ``pdf`` is a file, or (with ``member``) a tar archive holding the PDF; ``offset``/
    ``size`` locate the member's bytes in an uncompressed tar (-1: look it up by name).
    ``source`` is set only when there is no ``html``.  A job with a ``problem`` is not run.
    """

    paper: str
    pdf: str = ""
    member: str = ""
    offset: int = -1
    size: int = -1
    html: str = ""
    source: str = ""
    figures: str = ""
    problem: str = ""

    @property
    def pdf_name(self) -> str:
        return f"{self.pdf}:{self.member}" if self.member else self.pdf


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


def _inputs(root: Path, roles: set[str]) -> Iterator[tuple[str, int, str, str]]:
    """``(id, version, role, path)`` of the html/figures/source files under ``root``.

    A ``.tex`` named like its folder (``basic/paper.tex``) stands for the whole folder, so
    a multi-file source converts with its includes.
    """
    for folder, files in _walk(root):
        for entry in files:
            role, stem = _role(entry.name)
            if role not in roles:
                continue
            pid, version = _file_id(stem, folder)
            path = entry.path
            if (role == "source" and entry.name.lower().endswith(".tex") and folder != Path(root)
                    and pid == normalize_id(folder.name)):
                path = str(folder)
            yield pid, version, role, path


def _source_entries(root: Path) -> Iterator[tuple[str, int, str, str]]:
    """A ``--sources`` folder: every top-level entry is one paper's source (arXiv's own
    names: ``2308.13418.gz``, ``2308.13418.tar.gz``, an extension-less gzip, or a folder)."""
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        role, stem = (None, entry.name) if entry.is_dir() else _role(entry.name)
        if role in (None, "source"):
            pid, version = parse_id(stem)
            yield pid, version, "source", entry.path


def _pdfs(root: Path) -> Iterator[tuple[str, PaperJob]]:
    """``(id, job with pdf fields)`` of the PDFs under ``root``: files and tar members,
    the newest version of each id within a folder or archive, in name order.  A folder
    that holds its own paper (``2308.13418/paper.pdf``, ``2308.13418/2308.13418.pdf``) is
    that one paper: its other PDFs and subfolders are figures, not papers."""
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
        with open(archive, "rb") as f:
            plain = not f.read(6).startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ"))  # gzip, bzip2, xz
        with tarfile.open(archive, mode="r:*") as tar:
            while True:
                info = tar.next()
                if info is None:
                    break
                tar.members = []  # keep memory flat on archives with many members
                if not info.isfile() or not info.name.lower().endswith(".pdf"):
                    continue
                pid, version = parse_id(PurePosixPath(info.name).name[:-4])
                job = PaperJob(paper=pid, pdf=str(archive), member=info.name,
                               offset=info.offset_data if plain and not info.sparse else -1,
                               size=info.size)
                if pid not in group or version > group[pid][0]:
                    group[pid] = (version, job)
    except (tarfile.TarError, OSError, EOFError) as e:
        log.warning("%s: unreadable tar archive (%s); papers read so far are kept", archive, e)
    for pid, (_, job) in group.items():
        yield pid, job


def _by_role(items: Iterable[tuple[str, int, str, str]], keep: Callable[[str], bool]) -> dict[str, dict[str, str]]:
    """``{role: {id: path}}``, the newest version of each, for the ids ``keep`` accepts."""
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for pid, version, role, path in items:
        if keep(pid) and ((role, pid) not in best or version > best[role, pid][0]):
            best[role, pid] = (version, path)
    found: dict[str, dict[str, str]] = {"html": {}, "figures": {}, "source": {}}
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
            if path is not None and not Path(path).is_dir():
                raise InputError(f"{path}: not a folder (--{name})")

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
            yield PaperJob(paper=pid, pdf=job.pdf, member=job.member, offset=job.offset,
                           size=job.size, html=h, source=s, figures=figures.get(pid, ""),
                           problem="" if h or s else NO_HTML)
        for pid in sorted(html.keys() - seen):
            yield PaperJob(paper=pid, html=html[pid], problem=NO_PDF)

    def count(self) -> int:
        """About how many papers :meth:`jobs` yields (PDFs only; for the progress bar)."""
        return sum(1 for pid, _ in _pdfs(self._pdf_root()) if self._keep(pid))


# ---------------------------------------------------------------- the per-paper work ------


@dataclass(frozen=True)
class Settings(Record):
    """How every paper is processed (the same for all papers of a run)."""

    out: str
    figures: str = "detect"  # papers without a pdffigures2 JSON: "detect" | "none"
    min_score: float = DEFAULT_MIN_SCORE
    dpi: int = DEFAULT_DPI
    images: bool = True
    cache: str = ""  # LaTeXML HTML cache ("": OUT/.cache/html)
    latexml_timeout: float = 600.0
    latexml_memory_mb: int = 4096
    style: str = DEFAULT_STYLE  # page markdown: unicode | nougat (nougat_align.style)


@dataclass(frozen=True)
class PaperRecord(Record):
    """One manifest line: what happened to one paper in one run.

    ``status``: ok | partial | failed | timeout | skipped.  ``reason`` is a short cause for
    counting (``no html``, ``not a readable PDF (FileDataError)``, ``timeout``, ``done``, ...)
    and ``error`` the full one-line message.  ``drops`` counts dropped pages by reason.
    """

    paper: str
    status: str
    reason: str = ""
    error: str = ""
    pages: int = 0
    kept: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    relabeled: int = 0
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    pdf: str = ""
    html: str = ""
    run: str = ""

    def to_json(self) -> str:
        """One manifest line; fields at their default are left out (``from_dict`` restores them)."""
        defaults = PaperRecord(paper="", status="").to_dict()
        data = {k: v for k, v in self.to_dict().items() if k in ("paper", "status") or v != defaults[k]}
        return json.dumps(data, ensure_ascii=False)


def _failure(job: PaperJob, status: str, reason: str, error: str = "", seconds: float = 0.0) -> PaperRecord:
    return PaperRecord(paper=job.paper, status=status, reason=reason, error=error,
                       seconds=round(seconds, 3), pdf=job.pdf_name, html=job.html or job.source)


def _reason(error: BaseException) -> str:
    """A short, countable cause: LaTeXML's reason code, else the message without the file
    name in front (``x.pdf: not a PDF`` -> ``not a PDF``), else the exception type."""
    code = getattr(error, "reason", "") or getattr(getattr(error, "report", None), "reason", "")
    if code:
        return str(code)
    if isinstance(error, NougatAlignError):
        text = str(error)
        head, sep, rest = text.partition(": ")
        return rest if sep and (os.sep in head or "." in head) else text
    return type(error).__name__


@contextlib.contextmanager
def _pdf_path(job: PaperJob) -> Iterator[Path]:
    """The job's PDF as a path; a tar member goes to a temp file under its own name (so
    meta.json says ``2308.13418v2.pdf`` whichever way the PDF was stored)."""
    if not job.member:
        yield Path(job.pdf)
        return
    with tempfile.TemporaryDirectory(prefix="nougat-align-") as tmp:
        with open(job.pdf, "rb") as f:
            if job.offset >= 0:
                f.seek(job.offset)
                data = f.read(job.size)
            else:
                with tarfile.open(fileobj=f, mode="r:*") as tar:
                    member = tar.extractfile(job.member)
                    data = member.read() if member else b""
        if len(data) != job.size:
            raise InputError(f"{job.pdf_name}: truncated archive member")
        path = Path(tmp) / PurePosixPath(job.member).name
        path.write_bytes(data)
        yield path


def run_job(job: PaperJob, settings: Settings) -> PaperRecord:
    """Process one paper and say what happened; never raises (except on interrupt)."""
    t0 = time.perf_counter()
    out = Path(settings.out)
    try:
        html = job.html
        if not html:
            from nougat_align.latexml import ensure_html

            cache = Path(settings.cache) if settings.cache else out / ".cache" / "html"
            html, _ = ensure_html(Path(job.source), cache, timeout=settings.latexml_timeout,
                                  memory_mb=settings.latexml_memory_mb)
        with _pdf_path(job) as pdf:
            result = pipeline.process_paper(
                Path(html), pdf, out / job.paper, figures=job.figures or settings.figures,
                min_score=settings.min_score, dpi=settings.dpi, images=settings.images,
                paper_id=job.paper, style=settings.style)
    except Exception as e:  # noqa: BLE001 - one bad paper must never stop the run
        message = str(e) if isinstance(e, NougatAlignError) else f"{type(e).__name__}: {e}"
        return _failure(job, "failed", _reason(e), " ".join(message.split())[:500],
                        time.perf_counter() - t0)
    reason = ""
    if result.status == "failed":
        top = max(result.reasons.items(), key=lambda kv: kv[1])[0] if result.reasons else ""
        reason = f"no page kept ({top})" if top else "no page kept"
    return PaperRecord(paper=job.paper, status=result.status, reason=reason, pages=result.num_pages,
                       kept=result.kept, drops=dict(result.reasons), relabeled=result.relabeled,
                       warnings=tuple(result.warnings),
                       seconds=round(time.perf_counter() - t0, 3), timings=dict(result.timings),
                       pdf=job.pdf_name, html=job.html or job.source)


def _job_timeout(job: PaperJob, timeout: Optional[float], settings: Settings) -> Optional[float]:
    """The paper's time budget; a LaTeXML conversion gets its own on top (LaTeXML stops
    itself first, so its process group is never orphaned by a killed worker)."""
    if not timeout or timeout <= 0:
        return None
    return timeout + (settings.latexml_timeout + 30 if job.source and not job.html else 0)


def _remove_partial(out: Path, paper: str) -> None:
    """Remove the temp folders a killed worker left for ``paper``."""
    pattern = re.sub(r"([*?\[])", r"[\1]", paper)
    for tmp in out.glob(f".{pattern}.*.tmp"):
        if "." not in tmp.name[len(paper) + 2:-4]:
            shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------------- executors ------


def _run_local(jobs: Iterable[PaperJob], settings: Settings, workers: int,
               timeout: Optional[float]) -> Iterator[PaperRecord]:
    """Pebble process pool, ``2 x workers`` papers in flight."""
    from pebble import ProcessExpired, ProcessPool

    pool = ProcessPool(max_workers=workers, max_tasks=MAX_TASKS_PER_WORKER)
    pending: dict[concurrent.futures.Future, PaperJob] = {}

    def finished() -> Iterator[PaperRecord]:
        done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
            job = pending.pop(future)
            try:
                yield future.result()
            except concurrent.futures.TimeoutError:
                _remove_partial(Path(settings.out), job.paper)
                limit = _job_timeout(job, timeout, settings)
                yield _failure(job, "timeout", TIMED_OUT, f"stopped after {limit:g} s", limit or 0)
            except ProcessExpired as e:
                _remove_partial(Path(settings.out), job.paper)
                yield _failure(job, "failed", CRASHED, _exit_text(e.exitcode))
            except Exception as e:  # noqa: BLE001 - e.g. a job that cannot be pickled
                yield _failure(job, "failed", type(e).__name__, f"{type(e).__name__}: {e}")

    try:
        for job in jobs:
            future = pool.schedule(run_job, args=(job, settings), timeout=_job_timeout(job, timeout, settings))
            pending[future] = job
            while len(pending) >= 2 * workers:
                yield from finished()
        while pending:
            yield from finished()
    finally:
        if pending:  # interrupted: kill the workers now, tidy what they were writing
            pool.stop()
            pool.join()
            for job in pending.values():
                _remove_partial(Path(settings.out), job.paper)
        else:
            pool.close()
            pool.join()


def _exit_text(code: Optional[int]) -> str:
    if code is not None and code < 0:
        try:
            return f"worker died from {signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"worker exited with code {code}"


class _Helper:
    """A child process that runs :func:`run_job` for one Dask worker thread, so a stuck
    paper can be killed and a crash loses one paper (see the module docstring)."""

    def __init__(self):
        self.proc: Optional[subprocess.Popen] = None

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from nougat_align.batch import _serve; _serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        if self.proc.stdout.readline() != b"ready\n":  # imports done: the clock may start
            raise RuntimeError(f"batch helper did not start ({_exit_text(self.kill())})")

    def kill(self) -> Optional[int]:
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        return proc.wait()

    def run(self, job: PaperJob, settings: Settings, timeout: Optional[float]) -> PaperRecord:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        t0 = time.perf_counter()
        try:
            self.proc.stdin.write((json.dumps({"job": job.to_dict(), "settings": settings.to_dict()})
                                   + "\n").encode())
            self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            line = self.proc.stdout.readline() if ready else None
        except OSError:
            line = b""
        if line is None:
            self.kill()
            _remove_partial(Path(settings.out), job.paper)
            return _failure(job, "timeout", TIMED_OUT, f"stopped after {timeout:g} s", timeout or 0)
        if not line.endswith(b"\n"):
            code = self.kill()
            _remove_partial(Path(settings.out), job.paper)
            return _failure(job, "failed", CRASHED, _exit_text(code), time.perf_counter() - t0)
        return PaperRecord.from_dict(json.loads(line))


_helpers = threading.local()
_all_helpers: list[_Helper] = []


def _dask_task(job: PaperJob, settings: Settings, timeout: Optional[float]) -> PaperRecord:
    """What a Dask worker runs: ``run_job`` in this thread's helper process."""
    helper = getattr(_helpers, "helper", None)
    if helper is None:
        helper = _helpers.helper = _Helper()
        if not _all_helpers:
            import atexit

            atexit.register(lambda: [h.kill() for h in _all_helpers])
        _all_helpers.append(helper)
    return helper.run(job, settings, timeout)


def _serve() -> None:
    """The helper's main loop: one JSON job per stdin line, one JSON record per answer."""
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # stray prints of libraries must not corrupt the answers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):  # Linux: die with the Dask worker thread that owns us
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    answers.write("ready\n")
    for line in sys.stdin:
        msg = json.loads(line)
        record = run_job(PaperJob.from_dict(msg["job"]), Settings.from_dict(msg["settings"]))
        answers.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")


def _run_dask(jobs: Iterable[PaperJob], settings: Settings, address: str, workers: int,
              timeout: Optional[float]) -> Iterator[PaperRecord]:
    """The same papers on a Dask cluster, ``2 x threads`` papers in flight."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster if cluster is not None else address)
    pending: dict = {}  # future -> job
    futures = as_completed()
    limit = max(2, 2 * sum(client.nthreads().values()))
    jobs = iter(jobs)

    def fill() -> None:
        for job in jobs:
            future = client.submit(_dask_task, job, settings, _job_timeout(job, timeout, settings),
                                   key=f"nougat-align-{job.paper}-{os.urandom(4).hex()}", pure=False)
            pending[future] = job
            futures.add(future)
            if len(pending) >= limit:
                return

    try:
        fill()
        for future in futures:
            job = pending.pop(future)
            try:
                record = future.result()
            except Exception as e:  # noqa: BLE001 - e.g. KilledWorker
                record = _failure(job, "failed", type(e).__name__, f"{type(e).__name__}: {e}")
            future.release()
            yield record
            fill()
    finally:
        if pending:  # interrupted: queued papers are cancelled; running ones end atomically
            client.cancel(list(pending))
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------- manifest and stats ------


def _read_failures(out: Path, keep: Callable[[str], bool]) -> dict[str, str]:
    """Papers whose last recorded attempt failed for a lasting reason -> that reason."""
    failed: dict[str, str] = {}
    for manifest in sorted(out.glob("manifest*.jsonl")):
        with manifest.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                    paper, status = rec["paper"], rec["status"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut by a kill
                if status in ("failed", "timeout") and rec.get("reason") not in RETRIED_REASONS \
                        and keep(paper) and not (out / paper / "meta.json").exists():
                    failed[paper] = rec.get("reason", status)
                elif status in ("ok", "partial") or status == "failed" and rec.get("reason") in RETRIED_REASONS:
                    failed.pop(paper, None)
    return failed


def _is_run_output(names: list[str]) -> bool:
    """A folder an earlier run wrote: it has a run's lock file or manifest."""
    return any(n.startswith((".lock", "manifest")) for n in names)


def _clean_stale(out: Path, keep: Callable[[str], bool]) -> int:
    """Remove ``.PAPER.*.tmp`` / ``.PAPER.old`` folders a killed run left (this shard's only)."""
    removed = 0
    with os.scandir(out) as it:
        for entry in it:
            name = entry.name
            if not name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                continue
            if name.endswith(".tmp") and "." in name[1:-4]:
                paper = name[1:-4].rsplit(".", 1)[0]
            elif name.endswith(".old"):
                paper = name[1:-4]
            else:
                continue
            if keep(paper):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed += 1
    return removed


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        with open("/proc/self/statm") as f:
            current = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        current = peak
    return round(current, 1), round(peak, 1)


class _Tally:
    """Running totals of a run: everything ``stats.json`` and the summary show."""

    def __init__(self):
        self.status: Counter = Counter()
        self.pages = self.kept = self.worked = self.relabeled = 0
        self.drops: Counter = Counter()
        self.failures: Counter = Counter()
        self.skips: Counter = Counter()
        self.stages: Counter = Counter()
        self.slowest: list[tuple[float, str]] = []
        self.work_seconds = 0.0

    def add(self, rec: PaperRecord) -> None:
        self.status[rec.status] += 1
        if rec.status in ("failed", "timeout"):
            self.failures[rec.reason or rec.status] += 1
        if rec.status == "skipped":
            self.skips[rec.reason] += 1
        if rec.status == "skipped" or rec.reason in (NO_HTML, NO_PDF):
            return  # not worked on
        self.worked += 1
        self.pages += rec.pages
        self.kept += rec.kept
        self.relabeled += rec.relabeled
        self.drops.update(rec.drops)
        self.stages.update({k: v for k, v in rec.timings.items() if k != "total"})
        self.work_seconds += rec.seconds
        heapq.heappush(self.slowest, (rec.seconds, rec.paper))
        if len(self.slowest) > 10:
            heapq.heappop(self.slowest)

    @property
    def kept_pct(self) -> float:
        return round(100 * self.kept / self.pages, 1) if self.pages else 0.0


def _stats(tally: _Tally, run_id: str, wall: float, executor: str, workers: int,
           shard: Optional[tuple[int, int]], interrupted: bool, rss: dict) -> dict:
    minutes = wall / 60 if wall > 0 else 0
    return {
        "run": run_id,
        "executor": executor,
        "workers": workers,
        "shard": f"{shard[0]}/{shard[1]}" if shard else None,
        "interrupted": interrupted,
        "seconds": round(wall, 2),
        "papers": {s: tally.status.get(s, 0) for s in STATUSES},
        "papers_seen": sum(tally.status.values()),
        "papers_processed": tally.worked,
        "pages": {"total": tally.pages, "kept": tally.kept, "kept_pct": tally.kept_pct},
        "labels_relabeled": tally.relabeled,
        "papers_per_minute": round(tally.worked / minutes, 2) if minutes else 0.0,
        "pages_per_second": round(tally.pages / wall, 2) if wall > 0 else 0.0,
        "page_drop_reasons": dict(tally.drops.most_common()),
        "paper_failure_reasons": dict(tally.failures.most_common()),
        "skip_reasons": dict(tally.skips.most_common()),
        "worker_seconds": round(tally.work_seconds, 2),
        "stage_seconds": {k: round(v, 3) for k, v in tally.stages.most_common()},
        "slowest": [{"paper": p, "seconds": s} for s, p in sorted(tally.slowest, reverse=True)],
        "parent_rss_mb": rss,
    }


class _Progress:
    """A rich progress bar on stderr (or nothing), plus a progress line in the log every
    minute so runs without a terminal (Slurm) can be followed with ``tail -f``."""

    def __init__(self, enabled: bool, total: Optional[int] = None):
        self.enabled, self.total = enabled, total
        self.done = 0
        self.t0 = self.last_log = time.monotonic()
        self.bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("papers"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                                console=Console(stderr=True), transient=False)
            self.task = self.bar.add_task("papers", total=total, info="")
            self.bar.start()

    def set_total(self, total: int) -> None:
        self.total = total
        if self.bar is not None:
            self.bar.update(self.task, total=max(total, self.done))

    def info(self, tally: _Tally) -> str:
        elapsed = time.monotonic() - self.t0
        rate = tally.worked / elapsed if elapsed > 0 else 0.0
        eta = ""
        if self.total and rate > 0 and tally.worked:
            left = max(self.total - self.done, 0) / rate
            eta = f" · ETA {int(left // 3600)}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}"
        return f"pages kept {tally.kept_pct:.1f}% · {rate:.2f} papers/s{eta}"

    def advance(self, tally: _Tally) -> None:
        self.done += 1
        now = time.monotonic()
        if self.bar is not None:
            total = max(self.total or 0, self.done) if self.total else None
            self.bar.update(self.task, completed=self.done, total=total, info=self.info(tally))
        if now - self.last_log >= 60:
            self.last_log = now
            log.info("progress: %d%s papers, %s", self.done, f"/{self.total}" if self.total else "",
                     self.info(tally))

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def summary_table(stats: dict):
    """The final summary as a rich Table."""
    from rich.table import Table

    table = Table(title="nougat-align run", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    papers = stats["papers"]
    table.add_row("papers", ", ".join(f"{k} {v}" for k, v in papers.items() if v) or "none")
    pages = stats["pages"]
    table.add_row("pages kept", f"{pages['kept']}/{pages['total']} ({pages['kept_pct']}%)")
    table.add_row("labels as printed", f"{stats.get('labels_relabeled', 0)} rewritten")
    table.add_row("speed", f"{stats['papers_per_minute']} papers/min, {stats['pages_per_second']} pages/s, "
                           f"{stats['seconds']} s")
    for title, key in (("page drops", "page_drop_reasons"), ("paper failures", "paper_failure_reasons"),
                       ("skipped", "skip_reasons")):
        top = list(stats[key].items())[:5]
        if top:
            table.add_row(title, "\n".join(f"{n} × {r}" for r, n in top))
    slow = stats["slowest"][:5]
    if slow:
        table.add_row("slowest", "\n".join(f"{s['paper']} {s['seconds']:.2f} s" for s in slow))
    if stats["interrupted"]:
        table.add_row("interrupted", "yes: run again to resume")
    return table


def summary_line(stats: dict) -> str:
    papers = ", ".join(f"{k} {v}" for k, v in stats["papers"].items() if v) or "no papers"
    pages = stats["pages"]
    return (f"{papers}; pages kept {pages['kept']}/{pages['total']} ({pages['kept_pct']}%); "
            f"{stats['papers_per_minute']} papers/min in {stats['seconds']} s")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (rich's progress bar redirects it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


@contextlib.contextmanager
def _run_logging(log_path: Path):
    """One log file per run (INFO), warnings on stderr; restored afterwards."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root_level = logging.getLogger().getEffectiveLevel()
    old = (log.level, log.propagate, list(log.handlers))
    log.setLevel(min(logging.INFO, root_level))
    log.propagate = False
    log.addHandler(handler)
    err = _StderrHandler()
    err.setLevel(root_level)
    err.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(err)
    try:
        yield
    finally:
        handler.close()
        log.setLevel(old[0])
        log.propagate = old[1]
        log.handlers[:] = old[2]


@contextlib.contextmanager
def _lock(path: Path):
    import fcntl

    f = open(path, "a")
    try:
        deadline = time.monotonic() + 5  # a killed run's workers may take a moment to die
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise InputError(f"{path.parent}: another nougat-align run is writing here "
                                     f"(lock {path.name})") from None
                time.sleep(0.1)
        yield
    finally:
        f.close()


@contextlib.contextmanager
def _sigterm_interrupts():
    """SIGTERM (Slurm's preemption) stops the run like Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


# -------------------------------------------------------------------------------- run ------


def run_batch(papers: Union[Dump, Iterable[PaperJob]], settings: Settings, *,
              workers: Optional[int] = None, timeout: Optional[float] = DEFAULT_TIMEOUT,
              dask: Optional[str] = None, recompute: bool = False, retry_failed: bool = False,
              limit: Optional[int] = None, progress: Optional[bool] = None,
              summary: Optional[bool] = None, shard: Optional[tuple[int, int]] = None) -> dict:
    """Process every paper of ``papers`` into ``settings.out``; return the run's stats.

    ``workers``: processes (local) or LocalCluster workers (``dask="local"``); default CPU
    count.  ``timeout``: seconds per paper (None or 0: none).  ``progress``/``summary``:
    the rich bar and the final table on stderr (default: when stderr is a terminal).
    ``shard`` names this run's manifest/stats/lock; with a :class:`Dump` it defaults to the
    dump's shard.  Ctrl-C writes the stats and re-raises ``KeyboardInterrupt``.
    """
    check_style(settings.style)  # a style this install cannot write fails here, not once per paper
    out = check_folder(Path(settings.out).resolve(), ours=_is_run_output, what="run's output")
    settings = Settings.from_dict({**settings.to_dict(), "out": str(out)})
    out.mkdir(parents=True, exist_ok=True)
    workers = max(1, workers or os.cpu_count() or 1)
    if isinstance(papers, Dump):
        shard = shard or papers.shard
    tty = sys.stderr.isatty()
    progress = tty if progress is None else progress
    summary = tty if summary is None else summary
    suffix = f"-{shard[0]}-of-{shard[1]}" if shard else ""
    keep = (lambda pid: True) if shard is None else (lambda pid: shard_of(pid, shard[1]) == shard[0])
    now = time.time_ns()  # to the microsecond: two runs never share an id (their log file)
    run_id = time.strftime("%Y%m%d-%H%M%S", time.localtime(now // 10**9)) + f".{now // 1000 % 10**6:06d}{suffix}"
    executor = f"dask {dask}" if dask else "local"

    with _lock(out / f".lock{suffix}"), _run_logging(out / "logs" / f"run-{run_id}.log"):
        removed = _clean_stale(out, keep)
        failed_before = {} if (recompute or retry_failed) else _read_failures(out, keep)
        log.info("run %s: %s -> %s, %s, %d workers, timeout %s s; %d stale temp folders removed",
                 run_id, papers if isinstance(papers, Dump) else "jobs", out, executor, workers,
                 timeout, removed)
        tally = _Tally()
        bar = _Progress(progress)
        rss_start = _rss_mb()
        t0 = time.perf_counter()
        interrupted = False
        manifest = open(out / f"manifest{suffix}.jsonl", "a", encoding="utf-8")

        def record(rec: PaperRecord) -> None:
            rec = dataclasses.replace(rec, run=run_id)
            manifest.write(rec.to_json() + "\n")
            manifest.flush()
            tally.add(rec)
            if rec.status in ("failed", "timeout"):
                log.info("%s: %s: %s%s", rec.paper, rec.status, rec.reason,
                         f" ({rec.error})" if rec.error and rec.error != rec.reason else "")
            else:
                log.debug("%s: %s, kept %d/%d pages", rec.paper, rec.status, rec.kept, rec.pages)
            bar.advance(tally)

        def runnable(jobs: Iterable[PaperJob]) -> Iterator[PaperJob]:
            for n, job in enumerate(jobs):
                if limit is not None and n >= limit:
                    return
                if job.problem:
                    record(_failure(job, "failed", job.problem))
                elif not recompute and (out / job.paper / "meta.json").exists():
                    record(PaperRecord(paper=job.paper, status="skipped", reason="done"))
                elif job.paper in failed_before:
                    record(PaperRecord(paper=job.paper, status="skipped", reason="failed before",
                                       error=failed_before[job.paper]))
                else:
                    yield job

        if isinstance(papers, Dump) and progress:
            dump = papers
            threading.Thread(target=lambda: bar.set_total(min(dump.count(), limit or sys.maxsize)),
                             daemon=True).start()
        jobs = papers.jobs() if isinstance(papers, Dump) else iter(papers)
        results = (_run_dask(runnable(jobs), settings, dask, workers, timeout) if dask
                   else _run_local(runnable(jobs), settings, workers, timeout))
        try:
            with _sigterm_interrupts():
                for rec in results:
                    record(rec)
        except KeyboardInterrupt:
            interrupted = True
            log.warning("interrupted: stopping workers; run again to resume")
        finally:
            results.close()
            manifest.close()
            bar.stop()
        wall = time.perf_counter() - t0
        cur, peak = _rss_mb()
        stats = _stats(tally, run_id, wall, executor, workers, shard, interrupted,
                       {"start": rss_start[0], "end": cur, "peak_start": rss_start[1], "peak_end": peak})
        stats["settings"] = {**settings.to_dict(), "timeout": timeout}
        write_text_atomic(out / f"stats{suffix}.json", json.dumps(stats, indent=1, ensure_ascii=False) + "\n")
        log.info("done: %s", summary_line(stats))
        if summary:
            from rich.console import Console

            Console(stderr=True).print(summary_table(stats))
    if interrupted:
        raise KeyboardInterrupt
    return stats


__all__ = ["Dump", "PaperJob", "PaperRecord", "Settings", "normalize_id", "parse_id",
           "parse_shard", "run_batch", "run_job", "shard_of", "summary_line", "summary_table"]

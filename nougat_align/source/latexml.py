"""From an arXiv source to LaTeXML HTML, the way arXiv runs LaTeXML; a health report.

    report = latexml_to_html(Path("2308.13418.tar.gz"), Path("out/2308.13418.html"))
    html, report = ensure_html(Path("src/2308.13418"), Path("cache/html"))   # batch use

The source is unpacked into a private temporary folder (:mod:`nougat_align.source.archive`; LaTeXML
writes beside its input, and a source folder must never be modified), its main file is
chosen (:mod:`nougat_align.source.mainfile`), and Debian's ``latexmlc`` runs there in its own
process group (:mod:`nougat_align.source.procs`, so a timeout stops the whole tree) under an
address-space limit.

The bibliography is taken as the PDF printed it.  arXiv runs no BibTeX, so a submission
carries its ``.bbl``; ``--preload=[nobibtex]latexml.sty`` makes LaTeXML read that ``.bbl``
(as arXiv's own HTML pipeline does) instead of re-rendering the ``.bib`` in its own style
(other order, other numbers).  A source with a ``.bib`` but no ``.bbl`` (not an arXiv
submission, but a repository's) gets one: a ``pdflatex -draftmode`` pass writes the
``.aux`` and ``bibtex`` the ``.bbl``, so the labels' references are the PDF's; only when that
fails does LaTeXML render the ``.bib`` itself.  ``report.bibliography_source`` says which:
``bbl``, ``bibtex``, ``latexml``, ``inline`` (a ``thebibliography`` in the TeX) or ``none``.

Options that only change output the markdown never reads are off (``--noparse``: MathML
from an unparsed formula, while the markdown reads each ``<math>``'s TeX ``alttext``;
``--nographicimages``/``--nopictureimages``: no image conversion, the markdown keeps no
images); docs/benchmarks.md has the measurement.  ``--timestamp=0`` keeps the HTML
reproducible.  The time limit grows with the source's TeX size (:func:`time_limit`).

Pictures: TikZ/pgf drawings cost LaTeXML minutes of TeX emulation, and the markdown never
reads what it makes of them (the figure image comes from the PDF, the caption is outside
the picture, the converter drops ``<svg>``).  So a source is first converted FAST, with our
picture stubs (``bindings/pictures/``, see ``nougat-pictures.sty.ltxml``) first on the search
path: pictures are read raw and skipped, pgfmath arithmetic used in the text is evaluated.
When the fast result is worse than a full one would be (:func:`health.fallback_reason`: a
stub said it could not do something, a pgf/TikZ macro was undefined, or the fast run failed
while a stub was loaded) the FULL conversion runs: without the stubs, so the document's real
pgf/TikZ packages load and define what its text uses, but with the picture bodies still
skipped from ``\\begin{document}`` on (``bindings/nougat-skip-pictures.sty.ltxml``: digesting
them is the slow path, and the markdown never reads them), with a larger limit
(``FULL_LIMIT_SCALE``); if that fails while the fast one made a document, the fast HTML is
kept and the report says so.  ``report.latexml_mode`` is ``fast`` or ``full``;
``latexml_to_html(fast=False)`` runs the complete conversion, pictures digested (the
benchmark's reference).

Health goes into a :class:`ConversionReport` (:mod:`nougat_align.source.health`), written as a JSON sidecar ``PAPER.latexml.json``
beside ``PAPER.html`` for successes and failures alike.  A failure raises ``InputError``
(bad source) or ``ToolError`` (LaTeXML failed, timed out, ran out of memory) with a one-line
message; the exception carries the report as ``.report`` and the short reason code is also
in ``report.reason`` (see ``REASONS``) so a batch can count drops by reason.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from nougat_align.errors import InputError, ToolError
from nougat_align.source.health import (MODE_FAST, MODE_FULL, PICTURES_DIRNAME, REASON_FATAL,
                                        REASON_MEMORY, REASON_NO_DOCUMENT, REASON_TIMEOUT, REASONS,
                                        SIDECAR_SUFFIX, ConversionReport, count_ltx_errors,
                                        fallback_reason, parse_log, read_report, sidecar_path)
from nougat_align.source.mainfile import MainFile, find_bibliography, find_main_file, strip_comments
from nougat_align.source.procs import GroupRun, run_group
from nougat_align.source.archive import (REASON_BAD_ARCHIVE, REASON_NO_MAIN, REASON_NOT_FOUND,
                                  REASON_NOT_LATEX, REASON_PDF_ONLY, REASON_PS_ONLY,
                                  REASON_TOO_LARGE, SOURCE_REASONS, TEX_SUFFIXES, SourceProblem,
                                  bulk_members, read_member, safe_name, unpack_source)
from nougat_align.write import write_bytes_atomic, write_text_atomic

LATEXMLC = "latexmlc"
# Bump when the latexmlc options or the report change, so cached HTML is rebuilt (the
# bindings' own bytes are part of the cache key already).
CACHE_VERSION = 7
# nougat-align's own LaTeXML bindings (package data), first on latexmlc's search path: they
# take precedence over the bindings Debian's LaTeXML installs.
BINDINGS = Path(__file__).resolve().parent / "bindings"
# The picture stubs, before BINDINGS on the path of the fast conversion only.
PICTURES = BINDINGS / PICTURES_DIRNAME
LATEXMLC_OPTIONS = ("--format=html5", "--nodefaultresources", "--timestamp=0",
                    "--noparse", "--nographicimages", "--nopictureimages")
NOBIBTEX = "--preload=[nobibtex]latexml.sty"
# bindings/nougat.sty.ltxml: LaTeXML's limit of 100 errors raised to 1000, and the kernel's
# \NewDocumentCommand & co. (from our xparse binding) for papers that use them without xparse
PRELOAD = "--preload=nougat.sty"
# bindings/nougat-skip-pictures.sty.ltxml: the fallback's real packages, picture bodies skipped
SKIP_PICTURES = "--preload=nougat-skip-pictures.sty"

BIB_BBL, BIB_BIBTEX, BIB_LATEXML, BIB_INLINE, BIB_NONE = "bbl", "bibtex", "latexml", "inline", "none"
BIBTEX_TIMEOUT = 120.0  # each of the pdflatex and bibtex runs that make a missing .bbl
# The time limit is the base limit for up to this much TeX (+ .bbl), and grows in proportion
# beyond it, up to MAX_LIMIT_SCALE times the base.
TEX_BYTES_PER_BASE_LIMIT = 150_000
MAX_LIMIT_SCALE = 4.0
# The full conversion after a fast one digests every picture (the known slow path): its
# limit is this many times the fast one's.
FULL_LIMIT_SCALE = 2.0

# Failures that a larger limit might cure: a cached one is retried when the limit grows.
_LIMIT_REASONS = {REASON_TIMEOUT: "timeout", REASON_MEMORY: "memory_mb"}


# ------------------------------------------------------------------ the tool --------------


def _find_latexmlc() -> str:
    exe = shutil.which(LATEXMLC)
    if exe is None:
        raise ToolError("latexmlc not found on PATH; install Debian's LaTeXML "
                        "(apt-get install latexml)")
    return exe


@functools.lru_cache(maxsize=None)
def _version_of(exe: str) -> str:
    try:
        out = subprocess.run([exe, "--VERSION"], capture_output=True, text=True, timeout=120,
                             errors="replace", stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolError(f"latexmlc --VERSION failed: {e}") from e
    m = re.search(r"version\s+([0-9][\w.\-]*)", out.stdout + out.stderr)
    return m.group(1) if m else "unknown"


def latexml_version() -> str:
    """The installed LaTeXML's version, e.g. ``"0.8.7"`` (ToolError when it is missing)."""
    return _version_of(_find_latexmlc())


# ------------------------------------------------------------------ conversion -------------


def source_digest(src: Path) -> str:
    """sha256 of a source file's bytes, or of a folder's sorted relative paths and bytes."""
    src = Path(src)
    h = hashlib.sha256()
    if src.is_dir():
        for path in sorted(p for p in src.rglob("*") if p.is_file()):
            rel = path.relative_to(src).as_posix()
            if any(part in (".git", ".svn", ".hg") for part in path.relative_to(src).parts):
                continue
            h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            h.update(_file_digest(path) + b"\0")
        return h.hexdigest()
    return _file_digest(src).hex()


@functools.lru_cache(maxsize=1)
def bindings_digest() -> str:
    """sha256 of our bindings: a change to one of them rebuilds the cached HTML."""
    return source_digest(BINDINGS)


def _file_digest(path: Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def time_limit(timeout: float, root: Path) -> float:
    """The limit for a source under ``root``: ``timeout`` for up to
    ``TEX_BYTES_PER_BASE_LIMIT`` bytes of TeX and .bbl, in proportion beyond (at most
    ``MAX_LIMIT_SCALE`` times), so a book is not cut off by a limit meant for a paper."""
    size = sum(p.stat().st_size for p in Path(root).rglob("*")
               if p.is_file() and p.suffix.lower() in TEX_SUFFIXES + (".bbl",))
    return round(timeout * min(MAX_LIMIT_SCALE, max(1.0, size / TEX_BYTES_PER_BASE_LIMIT)), 1)


def _make_bbl(main: Path, timeout: float) -> bool:
    """``MAIN.bbl`` from the ``.bib``: one ``pdflatex -draftmode`` pass for the ``.aux``,
    then ``bibtex``; True when a ``.bbl`` with entries was written."""
    pdflatex, bibtex = shutil.which("pdflatex"), shutil.which("bibtex")
    if not pdflatex or not bibtex:
        return False
    folder, stem = main.parent, main.stem
    logs = folder / ".nougat-bibtex.log"
    run_group([pdflatex, "-draftmode", "-interaction=batchmode", "-no-shell-escape", main.name],
              folder, logs, timeout)
    if not (folder / f"{stem}.aux").is_file():
        return False
    run_group([bibtex, stem], folder, logs, timeout)
    bbl = folder / f"{stem}.bbl"
    return bbl.is_file() and "\\bibitem" in bbl.read_text(encoding="utf-8", errors="replace")


# natbib's apalike form ``\bibitem[Jones et al., 1990]{key}``: LaTeXML 0.8.7 keeps the ", "
# in the author part (its natbib.sty.ltxml strips the year digits only), so citations read
# "(Jones et al.,, 1990)".  natbib reads ``[Jones et al.(1990)]`` as the same label.
_APALIKE_LABEL_RE = re.compile(r"(\\bibitem\s*\[)([^\[\]()]*?),\s*(\d{4}[a-z]?)\]")


def _natbib_labels(bbl: Path) -> None:
    """Rewrite apalike labels of the (private copy of the) ``.bbl`` to natbib's own form."""
    text = bbl.read_text(encoding="utf-8", errors="surrogateescape")
    fixed = _APALIKE_LABEL_RE.sub(r"\1\2(\3)]", text)
    if fixed != text:
        bbl.write_text(fixed, encoding="utf-8", errors="surrogateescape")


def _bibliography(root: Path, main: str) -> str:
    """Make sure LaTeXML finds the references the PDF printed; say where they come from."""
    bib = find_bibliography(root, main)
    source = BIB_INLINE if bib.inline else BIB_NONE
    if bib.bbl:
        source = BIB_BBL
    elif bib.bib:
        source = BIB_BIBTEX if _make_bbl(root / main, BIBTEX_TIMEOUT) else BIB_LATEXML
    if source in (BIB_BBL, BIB_BIBTEX):
        _natbib_labels((root / main).with_suffix(".bbl"))
    return source


def _run_latexmlc(exe: str, main: Path, root: Path, dest: Path, timeout: float,
                  memory_mb: int, bibliography: str, pictures: bool = False,
                  skip: bool = False) -> GroupRun:
    """Run latexmlc on ``main`` in its folder; its own process group, killed on timeout.
    ``pictures``: the picture stubs first on the path (the fast conversion); ``skip``: the
    real packages, picture bodies skipped from ``\\begin{document}`` on (the fallback).

    The memory limit is set by ``ulimit -v`` in a tiny ``sh`` that then execs latexmlc,
    rather than ``preexec_fn`` (not safe in a multi-threaded parent such as a Dask worker).
    """
    preload = () if bibliography == BIB_LATEXML else (NOBIBTEX,)
    cmd = [exe, *LATEXMLC_OPTIONS, *preload, PRELOAD, *((SKIP_PICTURES,) if skip else ()),
           f"--timeout={int(timeout) + 60}",  # ours fires first
           *((f"--path={PICTURES}",) if pictures else ()),
           f"--path={BINDINGS}", f"--path={root}", f"--destination={dest}", main.name]
    if memory_mb and memory_mb > 0:
        cmd = ["/bin/sh", "-c", 'ulimit -v "$1" || exit 97; shift; exec "$@"', "sh",
               str(int(memory_mb) * 1024), *cmd]
    return run_group(cmd, main.parent, dest.with_suffix(".log"), timeout)


def _exit_detail(run: GroupRun) -> str:
    """Why latexmlc stopped without a Fatal message: its exit, and its last log line."""
    rc = run.returncode or 0
    if rc < 0:
        try:
            what = f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            what = f"killed by signal {-rc}"
    else:
        what = f"exited with code {rc}"
    lines = [ln.strip() for ln in run.log.splitlines() if ln.strip()]
    return f"latexmlc {what}" + (f": {lines[-1][:200]}" if lines else "")


def _write_report(out: Path, report: ConversionReport) -> None:
    write_text_atomic(sidecar_path(out),
                      json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n")


def _raise_for(report: ConversionReport) -> None:
    cls = InputError if report.reason in SOURCE_REASONS else ToolError
    err = cls(report.summary())
    err.report = report  # type: ignore[attr-defined]
    raise err


@dataclasses.dataclass(frozen=True)
class _Attempt:
    """One latexmlc run and what it made: ``ok`` or ``reason``/``detail``."""

    run: GroupRun
    health: dict
    html_bytes: bytes
    reason: str
    detail: str
    has_article: bool = False

    @property
    def ok(self) -> bool:
        return not self.reason


def _attempt(exe: str, main: Path, root: Path, dest: Path, limit: float, memory_mb: int,
             bibliography: str, pictures: bool = False, skip: bool = False) -> _Attempt:
    """Run latexmlc once (``pictures``: the fast conversion; ``skip``: the fallback) and
    judge the result."""
    run = _run_latexmlc(exe, main, root, dest, limit, memory_mb, bibliography, pictures, skip)
    health = parse_log(run.log)
    html_bytes = dest.read_bytes() if dest.is_file() else b""
    has_article = re.search(rb"<article\b", html_bytes) is not None
    reason, detail = "", ""
    if run.timed_out:
        reason, detail = REASON_TIMEOUT, f"stopped after {limit:g} s"
    elif run.returncode == 97 and memory_mb:
        reason, detail = REASON_MEMORY, "could not set the memory limit"
    elif run.returncode != 0 and re.search(r"Out of memory|Cannot allocate memory", run.log):
        reason, detail = REASON_MEMORY, f"exceeded {memory_mb} MiB"
    elif health["fatal"] or health["status"] == 3 or run.returncode != 0:
        reason = REASON_FATAL
        detail = health["fatal"] or _exit_detail(run)
    elif not has_article:
        reason, detail = REASON_NO_DOCUMENT, "the HTML has no <article>"
    return _Attempt(run, health, html_bytes, reason, " ".join(detail.split()), has_article)


def latexml_to_html(src: Path, out: Path, timeout: float = 600, memory_mb: int = 4096,
                    check: bool = True, source_name: str = "", fast: bool = True) -> ConversionReport:
    """Convert the arXiv source ``src`` to LaTeXML HTML at ``out``; return the health report.

    ``out`` is written atomically and only on success; the report always goes to
    ``sidecar_path(out)``.  On failure, raises ``InputError``/``ToolError`` (one line, with
    ``.report``) unless ``check=False``, which returns the report with ``ok=False``.
    ``timeout`` (seconds, scaled up for large sources by :func:`time_limit`) and
    ``memory_mb`` (address space; 0 = unlimited) bound latexmlc.  ``source_name`` is what
    the report calls the source (default: ``src``; a bulk tar member's ``TAR:MEMBER``).
    The fast conversion runs first, the full one only when needed (see the module's doc);
    ``fast=False`` runs the full one only (mode ``full``, no fallback reason).
    """
    src, out = Path(src), Path(out)
    exe = _find_latexmlc()  # a missing tool is the machine's problem: no report, no cache
    version = _version_of(exe)
    base = dict(source=source_name or str(src), timeout=float(timeout), memory_mb=int(memory_mb),
                latexml_version=version)
    with tempfile.TemporaryDirectory(prefix="nougat-latexml-") as tmp:
        work = Path(tmp)
        try:
            digest = source_digest(src) if src.exists() else ""
            base["source_sha256"] = digest
            root, skipped = unpack_source(src, work / "src")
            base["skipped_members"] = tuple(skipped)
            main = find_main_file(root)
        except SourceProblem as e:
            report = ConversionReport(ok=False, reason=e.reason, detail=e.detail, **base)
            _write_report(out, report)
            if check:
                _raise_for(report)
            return report
        limit = time_limit(timeout, root)
        bibliography = _bibliography(root, main.path)
        base.update(main_file=main.path, main_reason=main.reason, candidates=main.candidates,
                    bibliography_source=bibliography, time_limit=limit)
        outs = work / "out"
        outs.mkdir()
        if not fast:
            full_run = _attempt(exe, root / main.path, root, outs / "full.html", limit, memory_mb,
                                bibliography)
            return _finish(out, check, full_run, base, full_run.health["expl3"],
                           latexml_mode=MODE_FULL, full_seconds=full_run.run.seconds)
        fast_run = _attempt(exe, root / main.path, root, outs / "fast.html", limit, memory_mb,
                            bibliography, pictures=True)
        reason = fallback_reason(fast_run.health, fast_run.ok, fast_run.reason)
        kept, fields = fast_run, dict(latexml_mode=MODE_FAST, fast_seconds=fast_run.run.seconds)
        if reason:
            full_run = _attempt(exe, root / main.path, root, outs / "full.html",
                                round(limit * FULL_LIMIT_SCALE, 1), memory_mb, bibliography,
                                skip=True)
            fields.update(fallback_reason=reason, full_seconds=full_run.run.seconds)
            if full_run.ok or not fast_run.ok:
                kept = full_run
                fields["latexml_mode"] = MODE_FULL
            else:  # the full one failed: keep the fast document, and say so
                fields["detail"] = f"full conversion failed ({full_run.reason}: {full_run.detail}); fast HTML kept"
        expl3 = set(fast_run.health["expl3"]) | set(full_run.health["expl3"] if reason else ())
        return _finish(out, check, kept, base, expl3, **fields)


def _finish(out: Path, check: bool, kept: _Attempt, base: dict, expl3, **fields) -> ConversionReport:
    """The report of the conversion ``kept`` (``fields``: mode, seconds, fallback), its HTML
    written to ``out`` when it is good; raised for when it is not and ``check``."""
    h = kept.health
    detail = fields.pop("detail", kept.detail)
    seconds = round(fields.get("fast_seconds", 0.0) + fields.get("full_seconds", 0.0), 2)
    report = ConversionReport(
        ok=kept.ok, reason=kept.reason, detail=" ".join(detail.split()),
        html=str(out) if kept.ok else "", seconds=seconds, has_article=kept.has_article,
        error_count=count_ltx_errors(kept.html_bytes.decode("utf-8", errors="replace")), errors=h["errors"], warnings=h["warnings"],
        fatal=h["fatal"], undefined_macros=tuple(h["undefined"]),
        missing_packages=tuple(h["packages"]), missing_files=tuple(h["files"]),
        messages=tuple(h["messages"]), returncode=kept.run.returncode,
        expl3_packages=tuple(sorted(expl3)),
        pictures_skipped=h["skipped"],  # by the fast stubs or the fallback's skipping
        **fields, **base)
    if report.ok:
        write_bytes_atomic(out, kept.html_bytes)
    _write_report(out, report)
    if not report.ok and check:
        _raise_for(report)
    return report


def ensure_html(src: Path, cache_dir: Path, timeout: float = 600, memory_mb: int = 4096,
                force: bool = False, check: bool = True) -> tuple[Path, ConversionReport]:
    """The HTML of ``src``, converted once and then served from ``cache_dir``.

    The cache key is the sha256 of the source bytes, the LaTeXML version and
    ``CACHE_VERSION``; files are ``cache_dir/NAME-KEY.html`` and ``NAME-KEY.latexml.json``.
    A cached failure is remembered too and raised again without running LaTeXML, except
    a timeout (or memory) failure when ``timeout`` (or ``memory_mb``) is now larger;
    ``force=True`` always converts again.  A returned report read from the cache has
    ``cached=True``.  Failures raise like :func:`latexml_to_html` (``check=False`` returns
    the failed report, with the HTML path that was not written).
    """
    src, cache_dir = Path(src), Path(cache_dir)
    if not src.exists():
        raise SourceProblem(REASON_NOT_FOUND, f"{src} does not exist")
    version = _version_of(_find_latexmlc())
    key = hashlib.sha256(f"{source_digest(src)}\0{version}\0{CACHE_VERSION}\0"
                         f"{bindings_digest()}".encode()).hexdigest()[:20]
    html = cache_dir / f"{safe_name(src.name, 'source')}-{key}.html"
    side = sidecar_path(html)
    if side.is_file() and not force:
        try:
            report = dataclasses.replace(read_report(side), cached=True)
        except (ValueError, TypeError, KeyError, OSError):
            report = None  # unreadable sidecar: convert again
        if report is not None:
            limit = _LIMIT_REASONS.get(report.reason)
            retry = limit is not None and _limit_grew(limit, report, timeout, memory_mb)
            if report.ok and html.is_file():
                return html, report
            if not report.ok and not retry:
                if check:
                    _raise_for(report)
                return html, report
    report = latexml_to_html(src, html, timeout=timeout, memory_mb=memory_mb, check=check)
    return html, report


def convert_bulk(archive: Path, out_dir: Path, paper: str = "", timeout: float = 600,
                 memory_mb: int = 4096) -> list[ConversionReport]:
    """Every LaTeX source in an arXiv bulk tar (or only ``paper``'s) -> ``out_dir/<id>.html``
    and its report; members are read in place, one at a time, each into a private temp dir.
    A member that fails is reported (``ok=False``), not raised."""
    reports = []
    for member in bulk_members(Path(archive)):
        if paper and member.stem != paper and member.stem.split("v")[0] != paper:
            continue
        with tempfile.TemporaryDirectory(prefix="nougat-member-") as tmp:
            src = Path(tmp) / PurePosixPath(member.name).name
            src.write_bytes(read_member(member))
            reports.append(latexml_to_html(src, Path(out_dir) / f"{safe_name(member.stem)}.html",
                                           timeout=timeout, memory_mb=memory_mb, check=False,
                                           source_name=f"{archive}:{member.name}"))
    if paper and not reports:
        raise SourceProblem(REASON_NOT_FOUND, f"{archive}: no member for paper {paper}")
    return reports


def _limit_grew(limit: str, report: ConversionReport, timeout: float, memory_mb: int) -> bool:
    if limit == "timeout":
        return timeout > report.timeout
    old, new = report.memory_mb, memory_mb
    return (new <= 0 < old) or (0 < old < new)


__all__ = ["ConversionReport", "FULL_LIMIT_SCALE", "MODE_FAST", "MODE_FULL", "MainFile", "PICTURES",
           "REASONS", "SIDECAR_SUFFIX", "REASON_BAD_ARCHIVE", "REASON_FATAL",
           "REASON_MEMORY", "REASON_NOT_LATEX", "REASON_NO_DOCUMENT", "REASON_NO_MAIN",
           "REASON_PDF_ONLY", "REASON_PS_ONLY", "REASON_TIMEOUT", "REASON_TOO_LARGE",
           "convert_bulk", "count_ltx_errors", "ensure_html", "find_main_file", "latexml_to_html",
           "latexml_version", "read_report", "sidecar_path", "source_digest", "strip_comments",
           "time_limit", "unpack_source"]

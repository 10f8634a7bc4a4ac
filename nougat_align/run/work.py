"""The per-paper work of a run: a :class:`PaperJob` in, a :class:`PaperResult` out, never raising.

:func:`run_job` is top level and picklable (executors run it in other processes): it
converts a source with LaTeXML when there is no HTML (a bulk tar member is first copied to
a private temp dir), reads a PDF out of its bulk tar the same way, calls
:func:`nougat_align.pipeline.process_paper` (which writes the paper folder atomically) and
turns every exception into a failed :class:`PaperResult`.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional

from nougat_align import pipeline
from nougat_align.errors import NougatAlignError
from nougat_align.run.inputs import PaperJob
from nougat_align.records import PaperResult, Record
from nougat_align.pdf.render import DEFAULT_DPI
from nougat_align.source.archive import BulkMember, read_member
from nougat_align.split.align import DEFAULT_MIN_SCORE
from nougat_align.export.style import DEFAULT_STYLE


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
    style: str = DEFAULT_STYLE  # page markdown: unicode | nougat (nougat_align.export.style)


def failure(job: PaperJob, status: str, reason: str, error: str = "", seconds: float = 0.0,
            **extra) -> PaperResult:
    """The result of a paper that produced no output (``extra``: more PaperResult fields)."""
    return PaperResult(paper=job.paper, status=status, reason=reason, error=error,
                       seconds=round(seconds, 3), pdf=job.pdf_name,
                       html=job.html or job.source_name, **extra)


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
def _member_file(path: str, member: Optional[BulkMember]) -> Iterator[Path]:
    """``path`` itself, or the bulk tar ``member`` copied to a private temp dir under its
    own name (so meta.json says ``2308.13418v2.pdf`` whichever way the PDF was stored)."""
    if member is None:
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="nougat-align-") as tmp:
        file = Path(tmp) / PurePosixPath(member.name).name
        file.write_bytes(read_member(member))
        yield file


def latexml_fields(report, ran: bool) -> dict:
    """What a paper's manifest line keeps of its LaTeXML report (``ran``: LaTeXML ran in this
    run, so its seconds count)."""
    fields = dict(bibliography_source=report.bibliography_source, latexml_mode=report.latexml_mode,
                  fallback_reason=report.fallback_reason,
                  expl3_packages=tuple(report.expl3_packages),
                  pictures_skipped=report.pictures_skipped)
    if ran:
        fields.update(fast_seconds=report.fast_seconds, full_seconds=report.full_seconds)
    return fields


def _convert(job: PaperJob, settings: Settings, timings: dict, latexml: dict) -> Path:
    """The job's source through LaTeXML (cached): the HTML.  LaTeXML's seconds go into
    ``timings`` when it ran now, also when it failed; its report's fields for the manifest
    (:func:`latexml_fields`) into ``latexml``."""
    from nougat_align.source.latexml import ensure_html

    cache = Path(settings.cache) if settings.cache else Path(settings.out) / ".cache" / "html"
    with _member_file(job.source, job.source_member) as src:
        try:
            html, report = ensure_html(src, cache, timeout=settings.latexml_timeout,
                                       memory_mb=settings.latexml_memory_mb)
        except NougatAlignError as e:
            report = getattr(e, "report", None)
            if report is not None:
                ran = not report.cached and report.returncode is not None  # not a bad source
                if ran:
                    timings["latexml"] = report.seconds
                if report.main_file:  # LaTeXML ran (now or before)
                    latexml.update(latexml_fields(report, ran))
            raise
    if not report.cached:
        timings["latexml"] = report.seconds
    latexml.update(latexml_fields(report, not report.cached))
    return html


def run_job(job: PaperJob, settings: Settings) -> PaperResult:
    """Process one paper and say what happened; never raises (except on interrupt)."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    latexml: dict = {}
    try:
        html = Path(job.html) if job.html else None
        if html is None:
            html = _convert(job, settings, timings, latexml)
        with _member_file(job.pdf, job.pdf_member) as pdf:
            result = pipeline.process_paper(
                html, pdf, Path(settings.out) / job.paper, figures=job.figures or settings.figures,
                min_score=settings.min_score, dpi=settings.dpi, images=settings.images,
                paper_id=job.paper, style=settings.style,
                bibliography_source=latexml.get("bibliography_source", ""))
    except Exception as e:  # noqa: BLE001 - one bad paper must never stop the run
        message = str(e) if isinstance(e, NougatAlignError) else f"{type(e).__name__}: {e}"
        return failure(job, "failed", _reason(e), " ".join(message.split())[:500],
                       time.perf_counter() - t0, timings=timings, **latexml)
    reason = ""
    if result.status == "failed":
        top = max(result.drops.items(), key=lambda kv: kv[1])[0] if result.drops else ""
        reason = f"no page kept ({top})" if top else "no page kept"
    return dataclasses.replace(result, reason=reason, seconds=round(time.perf_counter() - t0, 3),
                               timings={**timings, **result.timings}, pdf=job.pdf_name,
                               html=job.html or job.source_name, **latexml)


def job_timeout(job: PaperJob, timeout: Optional[float], settings: Settings) -> Optional[float]:
    """The paper's time budget; a LaTeXML conversion gets its own on top: the largest limit
    it may scale to, the same times ``FULL_LIMIT_SCALE`` for the full conversion that may
    follow the fast one, and the BibTeX passes (LaTeXML stops itself first, so its process
    group is never orphaned by a killed worker)."""
    if not timeout or timeout <= 0:
        return None
    if job.html or not job.source:
        return timeout
    from nougat_align.source.latexml import BIBTEX_TIMEOUT, FULL_LIMIT_SCALE, MAX_LIMIT_SCALE

    latexml = settings.latexml_timeout * MAX_LIMIT_SCALE * (1 + FULL_LIMIT_SCALE)
    return timeout + latexml + 2 * BIBTEX_TIMEOUT + 30

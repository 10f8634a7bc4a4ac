"""The dataset builder: a dump of papers -> ``OUT/<paper>/NN.mmd, NN.png, meta.json``.

    dump = Dump(html=Path("html"), pdfs=Path("pdfs"))            # or Dump(input=Path("dump"))
    stats = run_batch(dump, Settings(out="out"), workers=8)      # OUT/manifest.jsonl, stats.json

The data flows through four modules, in this order:

1. **Discovery** (:mod:`nougat_align.run.inputs`): :class:`Dump` streams one small
   :class:`PaperJob` per paper (PDF and HTML or LaTeX source, matched by arXiv id; files,
   folders, or members of arXiv bulk tars read in place).
2. **The per-paper work** (:mod:`nougat_align.run.work`): :func:`run_job` converts a source with
   LaTeXML when there is no HTML, aligns and writes the paper, and returns a
   :class:`~nougat_align.records.PaperResult`; it never raises.
3. **Executors** (:mod:`nougat_align.run.executors`): a local Pebble process pool or Dask, at
   most ``2 x workers`` papers in flight, a stuck or crashed paper lost alone.
4. **This module**: every paper's ``PaperResult`` is appended to ``OUT/manifest.jsonl`` (one
   JSON line per paper per run attempt, flushed per paper), counted for ``OUT/stats.json``
   and the summary table (:mod:`nougat_align.run.summary`), and logged to
   ``OUT/logs/run-<time>.log``.

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

import contextlib
import dataclasses
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

from nougat_align.errors import InputError
from nougat_align.run.executors import CRASHED, run_dask, run_local
from nougat_align.run.inputs import NO_HTML, NO_PDF, Dump, PaperJob, normalize_id, parse_id, parse_shard, shard_of
from nougat_align.records import PaperResult
from nougat_align.run.summary import Progress, Tally, manifest_lines, rss_mb, run_stats, summary_line, summary_table
from nougat_align.run.work import Settings, failure, run_job
from nougat_align.export.style import check_style
from nougat_align.write import check_folder, write_text_atomic

log = logging.getLogger("nougat_align.run.batch")

DEFAULT_TIMEOUT = 300.0
# Failures that may go away by themselves: retried by the next run without retry_failed.
RETRIED_REASONS = {NO_HTML, NO_PDF, CRASHED}


# ---------------------------------------------------------------- manifest and stats ------


def _read_failures(out: Path, keep: Callable[[str], bool]) -> dict[str, str]:
    """Papers whose last recorded attempt failed for a lasting reason -> that reason."""
    failed: dict[str, str] = {}
    for rec in manifest_lines(out):
        paper, status = rec["paper"], rec["status"]
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
        tally = Tally()
        bar = Progress(progress)
        rss_start = rss_mb()
        t0 = time.perf_counter()
        interrupted = False
        manifest = open(out / f"manifest{suffix}.jsonl", "a", encoding="utf-8")

        def record(rec: PaperResult) -> None:
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
                    record(failure(job, "failed", job.problem))
                elif not recompute and (out / job.paper / "meta.json").exists():
                    record(PaperResult(paper=job.paper, status="skipped", reason="done"))
                elif job.paper in failed_before:
                    record(PaperResult(paper=job.paper, status="skipped", reason="failed before",
                                       error=failed_before[job.paper]))
                else:
                    yield job

        if isinstance(papers, Dump) and progress:
            dump = papers
            threading.Thread(target=lambda: bar.set_total(min(dump.count(), limit or sys.maxsize)),
                             daemon=True).start()
        jobs = papers.jobs() if isinstance(papers, Dump) else iter(papers)
        results = (run_dask(runnable(jobs), settings, dask, workers, timeout) if dask
                   else run_local(runnable(jobs), settings, workers, timeout))
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
        cur, peak = rss_mb()
        stats = run_stats(tally, run_id, wall, executor, workers, shard, interrupted,
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


__all__ = ["Dump", "PaperJob", "PaperResult", "Settings", "normalize_id", "parse_id",
           "parse_shard", "run_batch", "run_job", "shard_of", "summary_line", "summary_table"]

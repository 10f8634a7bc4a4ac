"""The run report: running totals, ``stats.json``, the progress bar and the summary table;
and the reader of the manifests a run appends to."""
from __future__ import annotations

import heapq
import json
import logging
import os
import resource
import time
from collections import Counter
from pathlib import Path
from typing import Iterator, Optional

from nougat_align.run.inputs import NO_HTML, NO_PDF
from nougat_align.records import PaperResult
from nougat_align.source.archive import REASON_PDF_ONLY

log = logging.getLogger("nougat_align.run.batch")

STATUSES = ("ok", "partial", "failed", "timeout", "skipped")
# Papers that were never worked on: counted by status only.
NOT_WORKED = (NO_HTML, NO_PDF, REASON_PDF_ONLY)


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        with open("/proc/self/statm") as f:
            current = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        current = peak
    return round(current, 1), round(peak, 1)


class Tally:
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
        self.latexml: list[float] = []  # seconds of each LaTeXML run of this run
        self.latexml_slowest: list[tuple[float, str]] = []
        self.bibliography: Counter = Counter()
        self.latexml_modes: Counter = Counter()  # converted sources by LaTeXML mode: fast | full
        self.fallbacks: Counter = Counter()  # why the full conversion ran
        self.expl3: Counter = Counter()  # papers per package kept from expl3
        self.pictures_skipped = 0

    def add(self, rec: PaperResult) -> None:
        self.status[rec.status] += 1
        if rec.status in ("failed", "timeout"):
            self.failures[rec.reason or rec.status] += 1
        if rec.status == "skipped":
            self.skips[rec.reason] += 1
        if rec.status == "skipped" or rec.reason in NOT_WORKED:
            return  # not worked on
        if "latexml" in rec.timings:
            self.latexml.append(rec.timings["latexml"])
            heapq.heappush(self.latexml_slowest, (rec.timings["latexml"], rec.paper))
            if len(self.latexml_slowest) > 10:
                heapq.heappop(self.latexml_slowest)
        if rec.bibliography_source:
            self.bibliography[rec.bibliography_source] += 1
        if rec.latexml_mode:
            self.latexml_modes[rec.latexml_mode] += 1
        if rec.fallback_reason:
            self.fallbacks[_reason_kind(rec.fallback_reason)] += 1
        self.expl3.update(rec.expl3_packages)
        self.pictures_skipped += rec.pictures_skipped
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


def run_stats(tally: Tally, run_id: str, wall: float, executor: str, workers: int,
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
        "stage_seconds_per_paper": {k: round(v / tally.worked, 3) for k, v in tally.stages.most_common()},
        "latexml": _latexml_stats(tally.latexml, tally.latexml_slowest),
        "bibliography_sources": dict(tally.bibliography.most_common()),
        "latexml_modes": dict(tally.latexml_modes.most_common()),
        "latexml_fallback_reasons": dict(tally.fallbacks.most_common()),
        "expl3_packages": dict(tally.expl3.most_common()),
        "pictures_skipped": tally.pictures_skipped,
        "slowest": [{"paper": p, "seconds": s} for s, p in sorted(tally.slowest, reverse=True)],
        "parent_rss_mb": rss,
    }


def _reason_kind(reason: str) -> str:
    """A fallback reason without its particulars, for counting: ``picture stub: \\foreach
    [x] is not understood`` -> ``picture stub: \\foreach``."""
    head, sep, rest = reason.partition(": ")
    if head == "fast conversion failed" or not sep or not rest.split():
        return reason
    return f"{head}: {rest.split()[0].rstrip(',')}"


def _latexml_stats(seconds: list[float], slowest: list[tuple[float, str]]) -> dict:
    """LaTeXML runs of this run (cached HTML not counted): how many, their seconds, the slowest."""
    if not seconds:
        return {"runs": 0}
    ordered = sorted(seconds)
    return {"runs": len(ordered), "seconds": round(sum(ordered), 2),
            "mean": round(sum(ordered) / len(ordered), 2),
            "median": round(ordered[len(ordered) // 2], 2), "max": round(ordered[-1], 2),
            "slowest": [{"paper": p, "seconds": round(s, 2)} for s, p in sorted(slowest, reverse=True)]}


class Progress:
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

    def info(self, tally: Tally) -> str:
        elapsed = time.monotonic() - self.t0
        rate = tally.worked / elapsed if elapsed > 0 else 0.0
        eta = ""
        if self.total and rate > 0 and tally.worked:
            left = max(self.total - self.done, 0) / rate
            eta = f" · ETA {int(left // 3600)}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}"
        return f"pages kept {tally.kept_pct:.1f}% · {rate:.2f} papers/s{eta}"

    def advance(self, tally: Tally) -> None:
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
    per_paper = stats.get("stage_seconds_per_paper", {})
    if per_paper:
        table.add_row("s per paper", ", ".join(f"{k} {v:.2f}" for k, v in per_paper.items()))
    lx = stats.get("latexml", {})
    if lx.get("runs"):
        slow = ", ".join(f"{s['paper']} {s['seconds']:.0f} s" for s in lx["slowest"][:3])
        table.add_row("LaTeXML", f"{lx['runs']} runs, median {lx['median']} s, max {lx['max']} s ({slow}); "
                      "bibliography " + ", ".join(f"{k} {v}" for k, v in stats["bibliography_sources"].items()))
    modes = stats.get("latexml_modes", {})
    if modes:
        expl3 = stats.get("expl3_packages", {})
        table.add_row("LaTeXML mode", ", ".join(f"{k} {v}" for k, v in modes.items())
                      + f"; {stats.get('pictures_skipped', 0)} pictures skipped"
                      + ("; expl3 kept out: " + ", ".join(f"{k} {v}" for k, v in expl3.items()) if expl3 else ""))
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


def manifest_lines(out: Path) -> Iterator[dict]:
    """Every record of ``OUT/manifest*.jsonl`` (all shards), oldest first within a file;
    a line cut by a kill, or one that is not a paper's record, is passed over."""
    for path in sorted(Path(out).glob("manifest*.jsonl")):
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and isinstance(rec.get("paper"), str) and rec["paper"] \
                        and isinstance(rec.get("status"), str):
                    yield rec

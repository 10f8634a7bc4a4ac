#!/usr/bin/env python3
"""Benchmark of the dataset builder (`nougat-align run`) against a plain loop.

    .venv/bin/python benchmarks/batch_bench.py                 # 60 papers, detector + PNGs
    .venv/bin/python benchmarks/batch_bench.py --papers 500 --fast   # no floats/PNGs: machinery

Builds a corpus of N papers by symlinking the fixture papers (fixtures/papers/*) and the
synthetic papers (benchmarks/synth/*) under distinct arXiv ids in one input folder, then
times, on the same papers:

- loop: ``process_paper`` called in a loop in this process (no batch machinery);
- batch with 1 worker and with 2 workers (``run_batch``: discovery, Pebble pool, manifest,
  resume checks, stats).

It prints papers/min and pages/s of each, the parent's resident memory at the start and
the end of each batch run (current and peak; flat means the batch holds no per-paper
state), and the overhead of the batch machinery: (batch, 1 worker) / loop - 1, in wall time
and in CPU time (this process + its finished children), which a shared machine disturbs less.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nougat_align.run.batch import Dump, Settings, run_batch  # noqa: E402
from nougat_align.pipeline import process_paper  # noqa: E402


def sources() -> list[Path]:
    folders = sorted(p for p in (ROOT / "fixtures/papers").iterdir() if (p / "paper.html").exists())
    folders += sorted(p for p in (ROOT / "benchmarks/synth").glob("*/") if (p / "paper.html").exists())
    return [p for p in folders if (p / "paper.pdf").exists()]


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (pool workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def build_corpus(folder: Path, n: int) -> list[tuple[str, Path, Path]]:
    papers = sources()
    corpus = []
    for i in range(n):
        src = papers[i % len(papers)]
        pid = f"2399.{i:05d}"
        (folder / f"{pid}v1.pdf").symlink_to(src / "paper.pdf")
        (folder / f"{pid}.html").symlink_to(src / "paper.html")
        corpus.append((pid, folder / f"{pid}.html", folder / f"{pid}v1.pdf"))
    return corpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=60, help="corpus size (default 60)")
    ap.add_argument("--fast", action="store_true", help="no float detection, no PNGs")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each configuration; the best counts")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="batch-bench-"))
    if args.keep:
        shutil.rmtree(work, ignore_errors=True)
    (work / "in").mkdir(parents=True)
    corpus = build_corpus(work / "in", args.papers)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    kw = dict(figures="none", images=False) if args.fast else dict(figures="detect", images=True)
    print(f"corpus: {len(corpus)} papers from {len(sources())} distinct papers; "
          f"{'fast (no floats, no PNGs)' if args.fast else 'float detection + 96 dpi PNGs'}")

    # warm-up (imports, caches) so the loop and the pool start equal
    process_paper(corpus[0][1], corpus[0][2], work / "warm" / corpus[0][0], **kw)

    def loop(out: Path):
        pages = sum(process_paper(html, pdf, out / pid, **kw).pages for pid, html, pdf in corpus)
        return pages, None

    def batch(workers: int):
        def go(out: Path):
            stats = run_batch(Dump(input=work / "in"), Settings(out=str(out), **kw), workers=workers,
                              progress=False, summary=False)
            assert stats["papers_processed"] == len(corpus), stats["papers"]
            return stats["pages"]["total"], stats["parent_rss_mb"]
        return go

    configs = [("batch, 1 worker", batch(1)), ("batch, 2 workers", batch(2)), ("loop (1 process)", loop)]
    best: dict[str, tuple] = {}
    for r in range(args.repeat):  # round robin, best of R: the machine is shared
        for name, fn in configs:
            out = work / f"out-{len(best)}-{r}-{name[:7].strip(',')}"
            t0, cpu0 = time.perf_counter(), cpu_seconds()
            pages, rss = fn(out)
            secs = time.perf_counter() - t0
            cpu = tuple(b - a for a, b in zip(cpu0, cpu_seconds()))
            shutil.rmtree(out, ignore_errors=True)
            if name not in best or secs < best[name][0]:
                best[name] = (secs, len(corpus), pages, rss, cpu)
    rows = [(name, *best[name]) for name in ("loop (1 process)", "batch, 1 worker", "batch, 2 workers")]
    loop_s = rows[0][1]

    print(f"\nload average before: {load}")
    print(f"\n{'':22} {'seconds':>8} {'papers/min':>11} {'pages/s':>8} {'CPU s: parent + workers':>24}"
          f"   parent RSS MiB start -> end (peak)")
    for name, secs, n, pg, rss, cpu in rows:
        mem = (f"{rss['start']:.0f} -> {rss['end']:.0f} ({rss['peak_start']:.0f} -> {rss['peak_end']:.0f})"
               if rss else "")
        print(f"{name:22} {secs:8.2f} {n / secs * 60:11.1f} {pg / secs:8.1f} {cpu[0]:12.2f} + {cpu[1]:9.2f}   {mem}")
    overhead = rows[1][1] / loop_s - 1
    loop_cpu, batch_cpu = sum(rows[0][5]), sum(rows[1][5])
    print(f"\nbatch machinery overhead (1 worker vs loop): wall {overhead * 100:+.1f}% "
          f"({(rows[1][1] - loop_s) / len(corpus) * 1000:+.1f} ms per paper); CPU {(batch_cpu / loop_cpu - 1) * 100:+.1f}%; "
          f"parent CPU {rows[1][5][0] / len(corpus) * 1000:.1f} ms per paper")
    print(f"speed-up 2 workers vs 1: {rows[1][1] / rows[2][1]:.2f}x")
    print(json.dumps({"papers": len(corpus), "loop_s": round(loop_s, 2),
                      "batch1_s": round(rows[1][1], 2), "batch2_s": round(rows[2][1], 2),
                      "overhead_pct": round(overhead * 100, 1),
                      "cpu_overhead_pct": round((batch_cpu / loop_cpu - 1) * 100, 1)}))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

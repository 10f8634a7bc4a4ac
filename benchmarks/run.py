#!/usr/bin/env python3
"""Benchmark nougat-align side by side with Nougat's own pipeline; write docs/benchmarks-run.md.

    .venv/bin/python benchmarks/run.py [--nougat] [--real DIR] [--synth DIR ...] [--out FILE]

* Accuracy on synthetic papers with exact truth (benchmarks/synth, benchmarks/synth-hard):
  word page accuracy, precision, pages kept, page-exact rate, boundary error, float
  placement (``nougat_align.evaluate.truth``).
* Real papers without truth (../shared/corpus/real by default): pages kept, agreement of
  each kept page with poppler's text of that page, and "misplaced" pages, whose markdown
  agrees better with a neighbouring PDF page than with its own.
* Speed: html2md and split stages timed inside one process per system (imports excluded)
  with the reference ``stage_timer.py``; peak RSS of that process; our per-stage split.

``--nougat`` also runs Nougat's pipeline (``../shared/tools/nougat_reference``, installed
from PyPI into a venv outside the repo by its ``setup_anchor.sh``); nothing of it is copied.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nougat_align import __version__  # noqa: E402
from nougat_align.evaluate.pdf_text import pdftotext_pages, score_pdf_text  # noqa: E402
from nougat_align.evaluate.truth import evaluate_truth  # noqa: E402
from nougat_align.evaluate.words import (  # noqa: E402
    markdown_page_words, normalize_words, read_pred_pages)

SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "tools" / "nougat_reference"
DEFAULT_VENV = Path(os.environ.get("ANCHOR_VENV", Path(os.environ.get("TMPDIR", "/tmp")) / "na-anchor-venv"))


# ------------------------------------------------------------------------- helpers


def papers_in(folder: Path) -> list[Path]:
    return sorted(p.parent for p in folder.glob("*/paper.pdf") if (p.parent / "paper.html").exists())


def run_child(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[str, float, int]:
    """Run ``cmd``; return (stdout, seconds, peak RSS in MB of that child).

    The peak comes from GNU time: a child forked straight from this (large) process would
    report this process's RSS as its own starting high-water mark.
    """
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file.name, *cmd], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        secs = time.perf_counter() - t0
        lines = [l for l in rss_file.read().splitlines() if l.strip().isdigit()]
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout, secs, int(lines[-1]) // 1024 if lines else 0


def pdf_pages(pdf: Path) -> int:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        return doc.page_count


# ------------------------------------------------------------------------ systems


def run_ours(papers: list[Path], pred: Path) -> dict:
    """Our pipeline in a child process (so its RSS is its own): html -> pages on disk."""
    code = (
        "import json,sys,time\n"
        "from pathlib import Path\n"
        "from nougat_align.pipeline import process_paper\n"
        "out={}\n"
        "for d in sys.argv[2:]:\n"
        "    d=Path(d)\n"
        "    try:\n"
        "        r=process_paper(d/'paper.html', d/'paper.pdf', Path(sys.argv[1])/d.name, images=False, paper_id=d.name)\n"
        "        out[d.name]={'kept':r.kept,'pages':r.pages,'timings':r.timings,'error':None}\n"
        "    except Exception as e:\n"
        "        out[d.name]={'kept':0,'pages':0,'timings':{},'error':f'{type(e).__name__}: {e}'}\n"
        "print(json.dumps(out))\n")
    shutil.rmtree(pred, ignore_errors=True)
    out, secs, rss = run_child([sys.executable, "-c", code, str(pred), *map(str, papers)], cwd=ROOT)
    return {"papers": json.loads(out), "seconds": secs, "rss_mb": rss}


def run_nougat(papers: list[Path], pred: Path, venv: Path) -> dict:
    """Nougat's process_paper path, one anchor run per paper (as Nougat runs papers)."""
    shutil.rmtree(pred, ignore_errors=True)
    results, peak = {}, 0
    for d in papers:
        out_dir = pred / d.name
        _, _, rss = run_child([str(venv / "bin" / "python"), str(REFERENCE / "anchor_nougat.py"),
                               "--html", str(d / "paper.html"), "--pdf", str(d / "paper.pdf"),
                               "--out", str(out_dir)])
        peak = max(peak, rss)
        res = json.loads((out_dir / "result.json").read_text())
        results[d.name] = {"kept": res["pages_written"], "pages": res["pages_total"],
                           "timings": res["seconds"], "error": res["error"], "status": res["status"]}
    return {"papers": results, "rss_mb": peak}


def stage_speed(system: str, stage: str, docs: list[Path], venv: Path) -> dict:
    from split_floor import OURS  # ours: scikit-learn imported before the clock, as Nougat's imports are

    timer = [str(REFERENCE / "stage_timer.py"), "--system", system, "--stage", stage, "--docs", *map(str, docs)]
    if system != "ours":
        cmd = [str(venv / "bin" / "python"), *timer]
    else:
        cmd = [sys.executable, "-c", OURS, *timer] if stage == "split" else [sys.executable, *timer]
    out, _, rss = run_child(cmd, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    line = json.loads(out.strip().splitlines()[-1])
    line["rss_mb"] = rss
    return line


def long_paper(sources: list[Path], work: Path, min_pages: int = 50) -> Path:
    """A 50+ page paper: synthetic papers' PDFs and markdown concatenated in order."""
    import pymupdf

    from nougat_align import html_to_markdown

    folder = work / "long"
    folder.mkdir(parents=True, exist_ok=True)
    doc, texts = pymupdf.open(), []
    for d in sources:
        with pymupdf.open(d / "paper.pdf") as part:
            doc.insert_pdf(part)
        texts.append(html_to_markdown(d / "paper.html").text)
        if doc.page_count >= min_pages:
            break
    doc.save(folder / "paper.pdf")
    (folder / "paper.mmd").write_text("\n".join(texts), encoding="utf-8")
    return folder


def long_run(folder: Path, system: str, venv: Path) -> dict:
    """Split the long paper in a fresh process; peak RSS and seconds of that process."""
    if system == "ours":
        code = ("import json,sys,time\nfrom pathlib import Path\nfrom nougat_align import align\n"
                "import sklearn.feature_extraction.text, sklearn.svm\n"  # the classifier's lazy import
                "d=Path(sys.argv[1]);md=(d/'paper.mmd').read_text()\nt=time.perf_counter()\n"
                "a=align(md, d/'paper.pdf')\n"
                "print(json.dumps({'seconds':time.perf_counter()-t,'kept':len(a.kept_pages),'pages':a.num_pages}))")
        out, _, rss = run_child([sys.executable, "-c", code, str(folder)], cwd=ROOT)
        res = json.loads(out)
    else:
        pred = folder / "nougat-out"
        _, _, rss = run_child([str(venv / "bin" / "python"), str(REFERENCE / "anchor_nougat.py"), "--md",
                               str(folder / "paper.mmd"), "--pdf", str(folder / "paper.pdf"),
                               "--out", str(pred), "--timeout", "0"])
        r = json.loads((pred / "result.json").read_text())
        res = {"seconds": r["seconds"]["split"], "kept": r["pages_written"], "pages": r["pages_total"]}
    res["rss_mb"] = rss
    return res


# ----------------------------------------------------------------------- scoring


def real_agreement(papers: list[Path], pred: Path) -> dict:
    """Agreement with pdftotext per kept page, and pages that agree better with a neighbour."""
    rows, suspect, kept, total = [], [], 0, 0
    for d in papers:
        pdf_text = pdftotext_pages(d / "paper.pdf")
        total += len(pdf_text)
        pages = read_pred_pages(pred / d.name) if (pred / d.name).is_dir() else {}
        kept += len(pages)
        score = score_pdf_text(pdf_text, pages)
        rows.extend(score["pages"])
        ref = [Counter(normalize_words(t)) for t in pdf_text]
        for p, md in pages.items():
            if not 1 <= p <= len(ref):  # a page the PDF does not have (Nougat writes some)
                suspect.append(f"{d.name}:{p}")
                continue
            words = Counter(markdown_page_words(md))
            f1 = {q: _f1(words, ref[q - 1]) for q in (p - 1, p, p + 1) if 1 <= q <= len(ref)}
            if max(f1, key=f1.get) != p and max(f1.values()) > f1[p] + 0.05:
                suspect.append(f"{d.name}:{p}")
    f1s = [r["f1"] for r in rows]
    return {"pages": total, "kept": kept, "mean_f1": statistics.fmean(f1s) if f1s else None,
            "mean_precision": statistics.fmean(r["precision"] for r in rows) if rows else None,
            "low_f1": sum(f < 0.5 for f in f1s), "misplaced": suspect}


def _f1(a: Counter, b: Counter) -> float:
    common = sum((a & b).values())
    if not common:
        return 0.0
    p, r = common / sum(a.values()), common / sum(b.values())
    return 2 * p * r / (p + r)


# ------------------------------------------------------------------------ report


def fmt(v, digits=3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def ratio(a, b) -> str:
    return f"{a / b:.1f}x" if a and b else "-"


def machine() -> str:
    import numpy
    import pymupdf

    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{platform.platform()}; {os.cpu_count()} CPUs ({cpu}); Python {platform.python_version()}; "
            f"nougat-align {__version__}; PyMuPDF {pymupdf.VersionBind}; "
            f"numpy {numpy.__version__}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nougat", action="store_true", help="also run Nougat's pipeline (anchor venv)")
    ap.add_argument("--anchor-venv", type=Path, default=DEFAULT_VENV)
    ap.add_argument("--real", type=Path, default=SHARED / "corpus" / "real")
    ap.add_argument("--synth", type=Path, nargs="*",
                    default=[p for p in (ROOT / "benchmarks" / "synth", ROOT / "benchmarks" / "synth-hard") if p.is_dir()])
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "na-bench")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-run.md")
    ap.add_argument("--json", type=Path, default=None, help="also write all numbers as JSON")
    ap.add_argument("--repeat", type=int, default=3, help="speed runs per system and stage (best kept)")
    args = ap.parse_args()
    if args.nougat and not (args.anchor_venv / "bin" / "python").exists():
        sys.exit(f"no anchor venv at {args.anchor_venv}: run bash {REFERENCE}/setup_anchor.sh")
    systems = ["ours"] + (["nougat"] if args.nougat else [])
    report: dict = {"machine": machine(), "sets": {}, "speed": {}, "repeat": args.repeat}

    sets = [(p.name, p, "truth") for p in args.synth] + ([("real", args.real, "pdf_text")] if args.real.is_dir() else [])
    for name, folder, mode in sets:
        papers = papers_in(folder)
        entry = {"papers": len(papers), "pages": sum(pdf_pages(d / "paper.pdf") for d in papers)}
        for system in systems:
            pred = args.work / system / name
            print(f"[{name}] {system}: {len(papers)} papers ...", file=sys.stderr, flush=True)
            run = run_ours(papers, pred) if system == "ours" else run_nougat(papers, pred, args.anchor_venv)
            scores = (evaluate_truth(folder, pred)["summary"] if mode == "truth" else real_agreement(papers, pred))
            errors = {k: v["error"] for k, v in run["papers"].items() if v.get("error")}
            for k, v in errors.items():
                print(f"[{name}] {system}: {k}: {v}", file=sys.stderr, flush=True)
            entry[system] = {"scores": scores, "errors": errors, "rss_mb": run["rss_mb"],
                             "per_paper": {k: [v["kept"], v["pages"]] for k, v in run["papers"].items()}}
            if system == "ours":
                stages: Counter = Counter()
                for v in run["papers"].values():
                    stages.update(v["timings"])
                entry[system]["stages"] = {k: v / max(1, entry["pages"]) for k, v in stages.items()}
        report["sets"][name] = entry

    if args.synth:
        folder = long_paper(papers_in(args.synth[0]), args.work)
        report["long"] = {s: long_run(folder, s, args.anchor_venv) for s in systems}

    speed_set = "real" if args.real.is_dir() else args.synth[0].name
    speed_folder = args.real if args.real.is_dir() else args.synth[0]
    failed = {p for s in systems for p in report["sets"][speed_set][s]["errors"]}
    speed_docs = [d for d in papers_in(speed_folder) if d.name not in failed]  # what both convert
    report["speed_excluded"] = sorted(failed)
    if not speed_docs:
        sys.exit(f"no paper of {speed_folder} that every system converts: nothing to time")
    for stage in ("html2md", "split"):
        for _ in range(args.repeat):  # interleaved, best of N: this machine is shared
            for system in systems:
                print(f"[speed] {system} {stage} ...", file=sys.stderr, flush=True)
                run = stage_speed(system, stage, speed_docs, args.anchor_venv)
                best = report["speed"].get(f"{system}/{stage}")
                if best is None or run["seconds"] < best["seconds"]:
                    report["speed"][f"{system}/{stage}"] = run

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(report, systems), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def render(r: dict, systems: list[str]) -> str:
    L = ["# Benchmarks", "",
         "Generated by `benchmarks/run.py" + (" --nougat" if "nougat" in systems else "") + "` "
         f"on {time.strftime('%Y-%m-%d')}.", "", f"Machine: {r['machine']}.", "",
         "Nougat = Meta's `nougat-ocr` 0.1.17 dataset pipeline (`split_htmls_to_pages.process_paper`: "
         "html.parser + `format_document` + `split_markdown`, min score 0.9, `[??]` pages skipped, "
         "no pdffigures2 jar), run through `../shared/tools/nougat_reference` on the same inputs.", ""]
    truth_sets = [k for k, v in r["sets"].items() if k != "real"]
    if truth_sets:
        L += ["## Accuracy against exact truth (synthetic papers)", "",
              "| set | system | papers | pages | kept | word page acc. | precision | page exact | "
              "boundary err. median / p90 (words) | float placement |",
              "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for name in truth_sets:
            e = r["sets"][name]
            for s in systems:
                sc = e[s]["scores"]
                L.append(f"| {name} | {s} | {e['papers']} | {sc['num_pages']} | {sc['pages_kept']} "
                         f"({fmt(sc['pages_kept_rate'])}) | {fmt(sc['word_page_accuracy'])} | "
                         f"{fmt(sc['precision'])} | {fmt(sc['page_exact_rate'])} | "
                         f"{fmt(sc['boundary_error_median'], 1)} / {fmt(sc['boundary_error_p90'], 1)} | "
                         f"{fmt(sc['float_placement_accuracy'])} |")
        L.append("")
    if "real" in r["sets"]:
        e = r["sets"]["real"]
        L += ["## Real papers (no truth): pages kept and agreement with the PDF text", "",
              "Agreement = bag-of-words F1 of each kept page's markdown (math and tables left out) "
              "against poppler's `pdftotext` of that page (a different extractor from ours). "
              "*Misplaced* = kept pages whose markdown agrees better (by > 0.05 F1) with a "
              "neighbouring PDF page than with their own.", "",
              "| system | papers | pages | kept | mean F1 | mean precision | pages F1 < 0.5 | misplaced | errors |",
              "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for s in systems:
            sc = e[s]["scores"]
            L.append(f"| {s} | {e['papers']} | {e['pages']} | {sc['kept']} ({sc['kept'] / e['pages']:.0%}) | "
                     f"{fmt(sc['mean_f1'])} | {fmt(sc['mean_precision'])} | {sc['low_f1']} | "
                     f"{len(sc['misplaced'])} | {len(e[s]['errors'])} |")
        L += ["", "Per paper (kept / pages):", "", "| paper | " + " | ".join(systems) + " |",
              "|---|" + "--:|" * len(systems)]
        for paper in sorted(e["ours"]["per_paper"]):
            cells = []
            for s in systems:
                kept, pages = e[s]["per_paper"].get(paper, [0, 0])
                err = e[s]["errors"].get(paper)
                cells.append(f"{kept}/{pages}" + (f" ({err.split(':')[0]})" if err else ""))
            L.append(f"| {paper} | " + " | ".join(cells) + " |")
        for s in systems:
            if e[s]["scores"]["misplaced"]:
                L.append(f"\n{s} misplaced pages: {', '.join(e[s]['scores']['misplaced'])}")
        L.append("")
    excl = r.get("speed_excluded") or []
    L += ["## Speed", "", "Each stage over the real papers both systems convert"
          + (f" (left out: {', '.join(excl)}, which Nougat's converter rejects)" if excl else "")
          + ", inside one process per system (imports excluded; `stage_timer.py`), best of "
          f"{r.get('repeat', 1)} interleaved runs; peak RSS of that process.", "",
          "| stage | system | papers | pages | seconds | pages/s | s/page | peak RSS MB | speed-up |",
          "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for stage in ("html2md", "split"):
        base = r["speed"].get(f"nougat/{stage}")
        for s in systems:
            v = r["speed"][f"{s}/{stage}"]
            up = ratio(base["seconds"], v["seconds"]) if base and s == "ours" else ""
            L.append(f"| {stage} | {s} | {v['papers']} | {v['pages']} | {v['seconds']:.3f} | "
                     f"{v['pages'] / v['seconds']:.1f} | {v['seconds'] / v['pages'] * 1000:.1f} ms | "
                     f"{v['rss_mb']} | {up} |")
    L.append("")
    if "long" in r:
        L += ["A long paper (synthetic papers concatenated, markdown without floats), split in a fresh "
              "process per system; peak RSS includes the interpreter and imports:", "",
              "| system | pages | kept | seconds | s/page | peak RSS MB |", "|---|--:|--:|--:|--:|--:|"]
        for s in systems:
            v = r["long"][s]
            L.append(f"| {s} | {v['pages']} | {v['kept']} | {v['seconds']:.2f} | "
                     f"{v['seconds'] / v['pages'] * 1000:.1f} ms | {v['rss_mb']} |")
        L.append("")
    if "real" in r["sets"] and "stages" in r["sets"]["real"]["ours"]:
        st = r["sets"]["real"]["ours"]["stages"]
        L += ["Our per-stage time on the real papers (ms per page, whole pipeline incl. writing, no PNGs):", "",
              "| " + " | ".join(st) + " |", "|" + "--:|" * len(st),
              "| " + " | ".join(f"{v * 1000:.1f}" for v in st.values()) + " |", ""]
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Long documents: does the split cost stay linear in pages, and does quality hold?

    .venv/bin/python benchmarks/long_docs.py [--sizes 30 100 300] [--nougat] [--repeat 3]
        [--work /tmp/na-long] [--before NAME=DIR ...] [--plot docs/long_docs.svg] [--json FILE]

Documents of about 30, 100 and 300 pages are built by joining the synthetic papers
(benchmarks/synth and benchmarks/synth-hard alternately, so every length has the same mix): the PDFs with PyMuPDF, the
markdown of each paper (``html_to_markdown``) with its floats and footnotes shifted to the
joined text.  Float numbers repeat from paper to paper ("Figure 1" in every one), which no
real thesis does; in the joined markdown they get a chapter prefix ("3.1") so a float is
never matched by number to another paper's figure (it is placed by its text instead).

Our detector keeps one caption per label, so on the joined PDF it drops every "Figure 1"
but the best one; a thesis numbers its floats once ("Figure 3.1").  By default ours is
therefore given the float records its detector finds in each paper's own PDF (numbered
"3.1" like the markdown), detection time included (it reads those pages a second time);
``--floats joined`` runs the detector on the joined PDF instead.

Each system splits each document in a fresh process (peak RSS from GNU time, interpreter
and imports included; seconds of the split alone, imports excluded); runs of the two
systems are interleaved and the median of ``--repeat`` runs is kept.  Accuracy: the joined
document's pages are cut back into its papers and every paper is scored against its own
``truth.json`` with ``nougat_align.evaluate.truth`` (word page accuracy, precision, pages kept,
float placement), pooled over the papers.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import tempfile
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import DEFAULT_VENV, papers_in, run_child  # noqa: E402
from nougat_align.evaluate.truth import score_paper, summarize  # noqa: E402
from nougat_align.evaluate.words import load_truth  # noqa: E402

SETS = [ROOT / "benchmarks" / "synth", ROOT / "benchmarks" / "synth-hard"]
# ../shared next to the checkout, or next to the folder of worktrees
REFERENCE = next((p / "shared" / "tools" / "nougat_reference" for p in (ROOT.parent, ROOT.parent.parent)
                  if (p / "shared" / "tools" / "nougat_reference").is_dir()), ROOT.parent / "shared")


# ------------------------------------------------------------------------ building


def build(size: int, work: Path) -> Path:
    """Join synthetic papers until the document has at least ``size`` pages."""
    import pymupdf

    from nougat_align import html_to_markdown
    from nougat_align.records import Markdown

    folder = work / f"long-{size}"
    if (folder / "parts.json").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    doc = pymupdf.open()
    text, floats, notes, parts = "", [], [], []
    sets = [papers_in(s) for s in SETS]
    mixed = [p for group in itertools.zip_longest(*sets) for p in group if p is not None]
    for i, d in enumerate(mixed):
        if doc.page_count >= size:
            break
        with pymupdf.open(d / "paper.pdf") as part:
            parts.append({"paper": str(d.relative_to(ROOT)), "pdf": str(d / "paper.pdf"),
                          "first_page": doc.page_count + 1, "pages": part.page_count})
            doc.insert_pdf(part)
        md = html_to_markdown(d / "paper.html")
        shift = len(text)
        floats += [replace(f, id=f"p{i}.{f.id}", number=f"{i + 1}.{f.number}" if f.number else "",
                           anchor=f.anchor + shift) for f in md.floats]
        notes += [replace(n, id=f"p{i}.{n.id}", anchor=n.anchor + shift) for n in md.footnotes]
        text += md.text.rstrip("\n") + "\n\n"
    if doc.page_count < size:
        raise SystemExit(f"only {doc.page_count} synthetic pages; cannot build a {size}-page document")
    doc.save(folder / "paper.pdf", garbage=3, deflate=True)
    joined = Markdown(text=text, floats=tuple(floats), footnotes=tuple(notes))
    (folder / "markdown.json").write_text(json.dumps(joined.to_dict()), encoding="utf-8")
    (folder / "paper.mmd").write_text(text, encoding="utf-8")  # Nougat's input: the running text
    (folder / "parts.json").write_text(json.dumps(parts, indent=1), encoding="utf-8")
    return folder


# ------------------------------------------------------------------------ running

_OURS = """
import json, sys, time
from dataclasses import replace
from pathlib import Path
from nougat_align import align, detect_floats
from nougat_align.split import classifier as page_classifier
from nougat_align.records import Markdown
if "sklearn" in Path(page_classifier.__file__).read_text():  # imported on first use: an import,
    import sklearn.feature_extraction.text, sklearn.svm  # noqa: E401  not split time
d, pred, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
md = Markdown.from_dict(json.loads((d / "markdown.json").read_text()))
parts = json.loads((d / "parts.json").read_text())
t = time.perf_counter()
figures = "detect"
if mode == "parts":  # each paper's floats found in its own PDF, numbered like a thesis
    figures = []
    for i, part in enumerate(parts):
        for r in detect_floats(Path(part["pdf"])):
            figures.append(replace(r, page=r.page + part["first_page"] - 1, name=f"{i + 1}.{r.name}"))
a = align(md, d / "paper.pdf", figures=figures)
secs = time.perf_counter() - t
pred.mkdir(parents=True, exist_ok=True)
for p in a.pages:
    if p.kept:
        (pred / f"{p.page:02d}.mmd").write_text(a.page_markdown(p), encoding="utf-8")
print(json.dumps({"seconds": secs, "pages": a.num_pages, "kept": len(a.kept_pages),
                  "timings": a.timings}))
"""


def run_once(system: str, folder: Path, venv: Path, floats: str = "parts",
             checkouts: dict[str, Path] | None = None) -> dict:
    """One split in a fresh process: "ours", "nougat", or a name of ``checkouts`` (the same
    code path from another checkout)."""
    pred = folder / f"pred-{system}"
    shutil.rmtree(pred, ignore_errors=True)
    if system != "nougat":
        src = ROOT if system == "ours" else (checkouts or {})[system]
        out, _, rss = run_child([sys.executable, "-c", _OURS, str(folder), str(pred), floats], cwd=src,
                                env=dict(os.environ, PYTHONPATH=str(src)))
        res = json.loads(out)
    else:
        _, _, rss = run_child([str(venv / "bin" / "python"), str(REFERENCE / "anchor_nougat.py"),
                               "--md", str(folder / "paper.mmd"), "--pdf", str(folder / "paper.pdf"),
                               "--out", str(pred), "--timeout", "0"])
        r = json.loads((pred / "result.json").read_text())
        res = {"seconds": r["seconds"]["split"], "pages": r["pages_total"], "kept": r["pages_written"]}
    res["rss_mb"] = rss
    return res


def accuracy(folder: Path, pred: Path) -> dict:
    """Cut the joined prediction back into its papers; score each against its truth."""
    from nougat_align.evaluate.words import read_pred_pages

    pages = read_pred_pages(pred) if pred.is_dir() else {}
    scores = []
    for part in json.loads((folder / "parts.json").read_text()):
        first, n = part["first_page"], part["pages"]
        mine = {p - first + 1: md for p, md in pages.items() if first <= p < first + n}
        scores.append(score_paper(load_truth(ROOT / part["paper"]), mine))
    s = summarize(scores)
    return {k: s[k] for k in ("num_pages", "pages_kept", "word_page_accuracy", "precision",
                              "page_exact_rate", "float_placement_accuracy")}


def measure(sizes: list[int], systems: list[str], repeat: int, work: Path, venv: Path,
            floats: str = "parts", checkouts: dict[str, Path] | None = None) -> list[dict]:
    rows = []
    for size in sizes:
        folder = build(size, work)
        runs: dict[str, list[dict]] = {s: [] for s in systems}
        for _ in range(repeat):  # interleaved
            for s in systems:
                runs[s].append(run_once(s, folder, venv, floats, checkouts))
        for s in systems:
            secs = statistics.median(r["seconds"] for r in runs[s])
            last = runs[s][-1]
            row = {"size": size, "system": s, "pages": last["pages"], "kept": last["kept"],
                   "seconds": round(secs, 3), "ms_per_page": round(1000 * secs / last["pages"], 2),
                   "rss_mb": max(r["rss_mb"] for r in runs[s]),
                   "accuracy": accuracy(folder, folder / f"pred-{s}")}
            if s != "nougat":
                tim: dict[str, list[float]] = {}
                for r in runs[s]:
                    for k, v in r["timings"].items():
                        tim.setdefault(k, []).append(v)
                row["stage_ms_per_page"] = {k: round(1000 * statistics.median(v) / last["pages"], 2)
                                            for k, v in tim.items()}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    return rows


# ------------------------------------------------------------------------ corpus rates

_CORPUS = """
import json, sys, time
from pathlib import Path
from nougat_align.split import classifier as page_classifier
from nougat_align.pipeline import process_paper
if "sklearn" in Path(page_classifier.__file__).read_text():  # imported on first use: an import
    import sklearn.feature_extraction.text, sklearn.svm  # noqa: E401
out = {}
for d in map(Path, sys.argv[2:]):
    t = time.perf_counter()
    r = process_paper(d / "paper.html", d / "paper.pdf", Path(sys.argv[1]) / d.name, paper_id=d.name)
    out[d.name] = {"pages": r.pages, "kept": r.kept, "timings": r.timings,
                   "seconds": time.perf_counter() - t}
print(json.dumps(out))
"""

ALIGN_STAGES = ("pdf_text", "figures", "lines", "classify", "staircase", "trim", "floats", "score")


def corpus_rates(corpus: Path, work: Path) -> dict:
    """Seconds per paper by stage on the real corpus: LaTeXML as recorded in each paper's
    SOURCE.txt (``latexml_seconds``), the rest measured here by ``process_paper`` with PNGs
    (one process, imports excluded, as one batch worker runs)."""
    papers = sorted(p.parent for p in corpus.glob("*/paper.pdf") if (p.parent / "paper.html").exists())
    out_dir = work / "corpus-out"
    shutil.rmtree(out_dir, ignore_errors=True)
    out, _, rss = run_child([sys.executable, "-c", _CORPUS, str(out_dir), *map(str, papers)], cwd=ROOT)
    res = json.loads(out)
    rows = {}
    for d in papers:
        r = res[d.name]
        latexml = None
        for line in (d / "SOURCE.txt").read_text(encoding="utf-8").splitlines():
            if line.startswith("latexml_seconds:"):
                latexml = float(line.split(":", 1)[1])
        t = r["timings"]
        rows[d.name] = {"pages": r["pages"], "kept": r["kept"], "latexml": latexml,
                        "html2md": t.get("html2md", 0.0),
                        "align": sum(t.get(k, 0.0) for k in ALIGN_STAGES),
                        "render": t.get("render", 0.0), "write": t.get("write", 0.0)}
    shutil.rmtree(out_dir, ignore_errors=True)
    return {"papers": rows, "rss_mb": rss}


def scaling_note(c: dict, arxiv: int = 2_400_000, cores: int = 32) -> str:
    rows = c["papers"].values()
    n = len(rows)
    stages = ["latexml", "html2md", "align", "render", "write"]
    total = {s: sum(r[s] or 0.0 for r in rows) for s in stages}
    pages = sum(r["pages"] for r in rows)
    L = ["| stage | seconds per paper (mean) | ms per page | papers per core-hour |",
         "|---|--:|--:|--:|"]
    for s in stages:
        L.append(f"| {s} | {total[s] / n:.3f} | {1000 * total[s] / pages:.1f} | {3600 * n / total[s]:,.0f} |")
    all_s = sum(total.values())
    ours = all_s - total["latexml"]
    L.append(f"| all but LaTeXML | {ours / n:.3f} | {1000 * ours / pages:.1f} | {3600 * n / ours:,.0f} |")
    L.append(f"| all | {all_s / n:.3f} | {1000 * all_s / pages:.1f} | {3600 * n / all_s:,.0f} |")
    core_h = arxiv * all_s / n / 3600
    core_h_ours = arxiv * ours / n / 3600
    L += ["", f"{n} papers, {pages} pages; peak RSS of the worker {c['rss_mb']} MB.", "",
          f"A full arXiv dump ({arxiv / 1e6:.1f} M papers, at this corpus's mean) costs "
          f"{core_h:,.0f} core-hours, {100 * total['latexml'] / all_s:.0f}% of them LaTeXML; "
          f"everything after LaTeXML is {core_h_ours:,.0f} core-hours.",
          f"On one {cores}-core machine (one worker per core): {core_h / cores / 24:,.1f} days "
          f"({core_h_ours / cores / 24:,.1f} days from HTML already converted).",
          f"On a Dask cluster of 10 such machines: {core_h / cores / 10:,.0f} hours; "
          f"of 100: {core_h / cores / 100:,.1f} hours."]
    return "\n".join(L)


# ------------------------------------------------------------------------ reporting


def table(rows: list[dict]) -> str:
    L = ["| system | pages | kept | seconds | ms/page | peak RSS MB | word page acc. | precision | "
         "page exact | float placement |", "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        a = r["accuracy"]
        L.append(f"| {r['system']} | {r['pages']} | {r['kept']} ({r['kept'] / r['pages']:.1%}) | "
                 f"{r['seconds']:.2f} | {r['ms_per_page']:.1f} | {r['rss_mb']} | "
                 f"{a['word_page_accuracy']:.4f} | {a['precision']:.4f} | {a['page_exact_rate']:.3f} | "
                 f"{a['float_placement_accuracy'] or 0:.3f} |")
    stages = [r for r in rows if "stage_ms_per_page" in r]
    if stages:
        names = list(stages[0]["stage_ms_per_page"])
        L += ["", "Stages of the split, ms per page (median run):", "",
              "| system | pages | " + " | ".join(names) + " |", "|---|--:|" + "--:|" * len(names)]
        for r in stages:
            L.append(f"| {r['system']} | {r['pages']} | " + " | ".join(
                f"{r['stage_ms_per_page'].get(n, 0):.2f}" for n in names) + " |")
    return "\n".join(L)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "nougat-align"  # deterministic ids
    matplotlib.rcParams["svg.fonttype"] = "none"  # text as text: a small file
    fig, ax = plt.subplots(figsize=(5, 3.2))
    systems = list(dict.fromkeys(r["system"] for r in rows))
    styles = itertools.cycle(["^:", "v-.", "d:"])
    for s in systems:
        pts = [(r["pages"], r["ms_per_page"]) for r in rows if r["system"] == s]
        label = {"ours": "nougat-align", "nougat": "Nougat split_markdown"}.get(s, f"nougat-align ({s})")
        ax.plot(*zip(*pts), {"ours": "o-", "nougat": "s--"}.get(s) or next(styles), label=label)
    ax.set_xlabel("pages in the document")
    ax.set_ylabel("split ms per page")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[30, 100, 300])
    ap.add_argument("--nougat", action="store_true", help="also run Nougat's split_markdown")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/na-long"))
    ap.add_argument("--anchor-venv", type=Path, default=DEFAULT_VENV)
    ap.add_argument("--floats", choices=["parts", "joined"], default="parts",
                    help="ours: float records found in each paper's own PDF and numbered like a "
                         "thesis (default), or our detector on the joined PDF (its labels repeat)")
    ap.add_argument("--before", action="append", default=[], metavar="NAME=DIR",
                    help="also run the nougat_align of checkout DIR (e.g. `git archive <commit> "
                         "nougat_align | tar -x -C DIR`) as system NAME; repeatable")
    ap.add_argument("--plot", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--corpus", type=Path, help="also measure papers per core-hour by stage on "
                    "this corpus of real papers (<paper>/paper.html, paper.pdf, SOURCE.txt)")
    a = ap.parse_args()
    checkouts = {}
    for b in a.before:
        name, sep, folder = b.partition("=")
        if not sep or not name or name in ("ours", "nougat") or not Path(folder).is_dir():
            ap.error(f"--before {b}: expected NAME=DIR with an existing DIR")
        checkouts[name] = Path(folder).resolve()
    systems = ["ours", *checkouts] + (["nougat"] if a.nougat else [])
    a.work.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(a.work)  # run_child's RSS files: not in a /tmp others may sweep
    rows = (measure(sorted(a.sizes), systems, a.repeat, a.work, a.anchor_venv, a.floats, checkouts)
            if a.sizes else [])
    corpus = corpus_rates(a.corpus, a.work) if a.corpus else None
    if a.json:
        a.json.write_text(json.dumps({"long": rows, "corpus": corpus}, indent=1) + "\n", encoding="utf-8")
    if a.plot and rows:
        plot(rows, a.plot)
    if rows:
        print(table(rows))
    if corpus:
        print("\n" + scaling_note(corpus))
    return 0


if __name__ == "__main__":
    sys.exit(main())

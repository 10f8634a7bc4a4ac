"""From arXiv-shaped bulk tars to a dataset, timed; and which LaTeXML options pay.

Two commands, both over the shared real corpus (``/work/shared/corpus/real/<slug>/src``,
third-party data: everything derived goes under /tmp, nothing into the repository):

    python benchmarks/bulk_bench.py options  [--corpus DIR] [--work DIR] [--configs a,b]
    python benchmarks/bulk_bench.py report-options [--work DIR]
    python benchmarks/bulk_bench.py refs [--configs old,fast2]
    python benchmarks/bulk_bench.py bulk     [--corpus DIR] [--work DIR] [--workers N]
    python benchmarks/bulk_bench.py compare  --side arxiv|ours | --report  [--arxiv-limit S]

``options`` runs ``latexmlc`` on every paper once per configuration, configurations
interleaved per paper (their order alternating from paper to paper) so the box's load
falls on all of them alike, and appends one JSON line per conversion to
``WORK/options.jsonl`` (wall and CPU seconds).  The HTML of each run is kept under
``WORK/html/<config>/<slug>.html``; a conversion already recorded is not run again, so an
interrupted run resumes.  ``report-options`` converts every HTML with ``html_to_markdown``
and prints, per configuration against ``arxiv``, the time ratio and whether the markdown
is byte-identical.  ``refs`` splits the HTML of two configurations against each paper's PDF
and scores its reference pages (from the PDF's last "References" heading to the end) against
the PDF's text: kept, and word precision / coverage.

``bulk`` packs each paper's ``src/`` as arXiv does (``arXiv_src_YYMM_NNN.tar`` with members
``YYMM/<id>.gz``, a gzipped tar of the submission; the PDFs as ``YYMM/<id>vN.pdf`` in
``arXiv_pdf_YYMM_NNN.tar``) with a made-up arXiv id per slug, runs ``nougat-align run`` on
the two tars, and prints papers ok/partial/failed, pages kept and seconds per paper by
stage (LaTeXML, align, render) from the run's manifest.

``compare`` (benchmarks/arxiv_compare.py) sets arXiv's own command line against
nougat-align's conversion (fast with the picture stubs, full when needed) on every paper:
CPU seconds, outcome, mode, and whether our markdown is identical to the full conversion's.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

CORPUS = Path("/work/shared/corpus/real")
WORK = Path("/tmp/na-latexml-cache")
# How arXiv's own HTML pipeline runs LaTeXML (the corpus's paper.html was built this way).
ARXIV = ("--format=html5", "--nodefaultresources", "--timestamp=0", "--preload=[nobibtex]latexml.sty")
# Extra options per configuration; "old" is the command nougat-align ran before (no nobibtex
# preload: LaTeXML renders the .bib itself).
CONFIGS = {
    "arxiv": (),
    "old": (),
    "fast": ("--noparse", "--nographicimages", "--nopictureimages"),
    "fast2": ("--noparse", "--nographicimages", "--nopictureimages"),  # fast again, beside "old"
    "arxiv2": (),  # arxiv again, beside the single options
    "noparse": ("--noparse",),
    "nographicimages": ("--nographicimages",),
    "nopictureimages": ("--nopictureimages",),
    "nopmml": ("--nopresentationmathml",),
    "novalidate": ("--novalidate",),
    "fastnc": ("--noparse", "--nographicimages", "--nopictureimages", "--nocomments"),
    "fastni": ("--noparse", "--nographicimages", "--nopictureimages", "--noindex"),
    "fast+": ("--noparse", "--nographicimages", "--nopictureimages", "--nopresentationmathml",
              "--novalidate"),
}


def _main_file(paper: Path) -> str:
    for line in (paper / "SOURCE.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("main:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit(f"{paper}: SOURCE.txt names no main file")


def _papers(corpus: Path) -> list[Path]:
    """The corpus papers, smallest LaTeXML time (as recorded in SOURCE.txt) first."""
    def cost(p: Path) -> float:
        for line in (p / "SOURCE.txt").read_text(encoding="utf-8").splitlines():
            if line.startswith("latexml_seconds:"):
                return float(line.split(":", 1)[1])
        return 1e9
    return sorted((p for p in corpus.iterdir() if (p / "src").is_dir()), key=lambda p: (cost(p), p.name))


def _convert(paper: Path, config: str, work: Path) -> dict:
    """One latexmlc run on a private copy of the paper's source; wall and CPU seconds."""
    out = work / "html" / config / f"{paper.name}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = work / "tmp" / f"{paper.name}-{config}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(paper / "src", tmp)
    main = _main_file(paper)
    base = tuple(o for o in ARXIV if "nobibtex" not in o) if config == "old" else ARXIV
    cmd = ["nice", "-n", "10", "latexmlc", *base, *CONFIGS[config],
           f"--destination={tmp / '_out' / 'paper.html'}", main]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(tmp / "_latexmlc.log", "wb") as log:
        proc = subprocess.run(cmd, cwd=(tmp / main).parent, stdin=subprocess.DEVNULL, stdout=log,
                              stderr=subprocess.STDOUT, timeout=3600)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    produced = (tmp / "_out" / "paper.html").is_file()
    if produced:
        shutil.copyfile(tmp / "_out" / "paper.html", out)
    shutil.rmtree(tmp, ignore_errors=True)
    return {"slug": paper.name, "config": config, "options": list(CONFIGS[config]),
            "returncode": proc.returncode, "wall": round(wall, 2), "cpu": round(cpu, 2),
            "html": str(out) if produced else ""}


def cmd_options(args) -> None:
    from nougat_align.source.latexml import LATEXMLC_OPTIONS, NOBIBTEX

    # "fast" must be what nougat-align runs, or the numbers describe something else
    assert set(ARXIV + CONFIGS["fast"]) == set(LATEXMLC_OPTIONS + (NOBIBTEX,)), "update CONFIGS['fast']"
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = work / "options.jsonl"
    done = set()
    if results.is_file():
        for line in results.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            done.add((r["slug"], r["config"]))
    configs = args.configs.split(",")
    papers = _papers(Path(args.corpus))
    if args.only:
        papers = [p for p in papers if p.name in args.only.split(",")]
    for i, paper in enumerate(papers):
        order = configs if i % 2 == 0 else configs[::-1]
        for config in order:
            if (paper.name, config) in done:
                continue
            r = _convert(paper, config, work)
            with open(results, "a", encoding="utf-8") as f:
                f.write(json.dumps(r) + "\n")
            print(json.dumps(r), flush=True)


def cmd_report_options(args) -> None:
    from nougat_align.html2md.convert import html_to_markdown

    work = Path(args.work)
    runs: dict[tuple[str, str], dict] = {}
    for line in (work / "options.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        runs[r["slug"], r["config"]] = r
    md: dict[str, str] = {}

    def markdown(path: str) -> str:
        if path not in md:
            md[path] = html_to_markdown(Path(path)).text if path else ""
        return md[path]

    slugs = sorted({s for s, _ in runs})
    configs = [c for c in CONFIGS if any((s, c) in runs for s in slugs)]
    base = args.base
    print(f"| config | papers | LaTeXML wall s ({args.base} → config) | ratio wall | CPU s ({args.base} → config) "
          "| ratio CPU | markdown identical |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for config in configs:
        if config == base:
            continue
        pairs = [(runs[s, base], runs[s, config]) for s in slugs
                 if (s, base) in runs and (s, config) in runs]
        if not pairs:
            continue
        wa = sum(a["wall"] for a, _ in pairs)
        wc = sum(c["wall"] for _, c in pairs)
        ca = sum(a["cpu"] for a, _ in pairs)
        cc = sum(c["cpu"] for _, c in pairs)
        same = [a["slug"] for a, c in pairs if a["html"] and markdown(a["html"]) == markdown(c["html"])]
        print(f"| {config} | {len(pairs)} | {wa:.0f} → {wc:.0f} | {wa / wc:.2f}× | {ca:.0f} → {cc:.0f} "
              f"| {ca / cc:.2f}× | {len(same)}/{len(pairs)} |")
        if args.per_paper:
            for a, c in pairs:
                ident = a["html"] and markdown(a["html"]) == markdown(c["html"])
                print(f"|   {a['slug']} | | {a['wall']:.1f} → {c['wall']:.1f} | {a['wall'] / c['wall']:.2f}× "
                      f"| {a['cpu']:.1f} → {c['cpu']:.1f} | {a['cpu'] / max(c['cpu'], 0.01):.2f}× "
                      f"| {'yes' if ident else 'NO'} |")


# ------------------------------------------------------------------ bulk --------------------

YYMM = "2311"
PER_TAR = 8  # papers per bulk tar (arXiv's hold thousands; two tars here, to read more than one)
MTIME = 1_700_000_000


def _gz_tar(folder: Path) -> bytes:
    """A gzipped tar of ``folder``'s files at the top level (an arXiv source), reproducible."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for path in sorted(folder.rglob("*")):
            info = tf.gettarinfo(str(path), arcname=path.relative_to(folder).as_posix())
            info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "", ""
            if path.is_file():
                with open(path, "rb") as f:
                    tf.addfile(info, f)
            elif path.is_dir():
                tf.addfile(info)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(raw.getvalue())
    return buf.getvalue()


def _add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o644, MTIME
    tf.addfile(info, io.BytesIO(data))


def pack(corpus: Path, bulk: Path, slugs: list[str]) -> dict[str, str]:
    """``bulk/arXiv_src_YYMM_NNN.tar`` + ``arXiv_pdf_YYMM_NNN.tar``; returns ``{id: slug}``."""
    bulk.mkdir(parents=True, exist_ok=True)
    ids = {f"{YYMM}.{i:05d}": slug for i, slug in enumerate(slugs, 1)}
    items = sorted(ids.items())
    for n in range(0, len(items), PER_TAR):
        chunk = items[n:n + PER_TAR]
        tag = f"{YYMM}_{n // PER_TAR + 1:03d}"
        with tarfile.open(bulk / f"arXiv_src_{tag}.tar", "w", format=tarfile.USTAR_FORMAT) as tf:
            for pid, slug in chunk:
                _add(tf, f"{YYMM}/{pid}.gz", _gz_tar(corpus / slug / "src"))
        with tarfile.open(bulk / f"arXiv_pdf_{tag}.tar", "w", format=tarfile.USTAR_FORMAT) as tf:
            for pid, slug in chunk:
                _add(tf, f"{YYMM}/{pid}v1.pdf", (corpus / slug / "paper.pdf").read_bytes())
    (bulk / "ids.json").write_text(json.dumps(ids, indent=1) + "\n")
    return ids


_REF_HEAD = re.compile(r"^(?:[0-9IVX]+\.?)?(references|bibliography|literaturecited|workscited)[.:]?$")


def _reference_pages(pdf_pages: list[str]) -> list[int]:
    """1-based pages from the last one with a references heading line (``References``,
    ``7 References``, small caps ``R EFERENCES``) to the end."""
    start = None
    for k, text in enumerate(pdf_pages, 1):
        if any(_REF_HEAD.match(line.replace(" ", "").lower()) for line in text.splitlines()):
            start = k
    return list(range(start, len(pdf_pages) + 1)) if start else []


def cmd_bulk(args) -> None:
    corpus, work = Path(args.corpus), Path(args.work)
    slugs = [p.name for p in _papers(corpus)]
    if args.only:
        slugs = [s for s in slugs if s in args.only.split(",")]
    bulk, out = work / "bulk", work / "bulk-out"
    if args.report_only:
        report_bulk(corpus, out, json.loads((bulk / "ids.json").read_text()), wall=None, workers=args.workers)
        return
    if args.fresh:
        shutil.rmtree(bulk, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(work / "bulk-cache", ignore_errors=True)
    ids = pack(corpus, bulk, sorted(slugs))
    cmd = ["nice", "-n", "10", sys.executable, "-m", "nougat_align", "run", "--sources", str(bulk),
           "--pdfs", str(bulk), "-o", str(out), "--workers", str(args.workers), "--quiet",
           "--cache", str(work / "bulk-cache")]
    t0 = time.monotonic()
    subprocess.run(cmd, check=False)
    report_bulk(corpus, out, ids, time.monotonic() - t0, args.workers)


def report_bulk(corpus: Path, out: Path, ids: dict[str, str], wall, workers: int) -> None:
    from nougat_align.evaluate.pdf_text import pdftotext_pages, score_pdf_text
    from nougat_align.evaluate.words import read_pred_pages

    recs = {}
    for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        recs[r["paper"]] = r  # the last attempt of each paper
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    print(f"bulk run of {len(ids)} papers ({workers} workers): "
          f"{stats['seconds'] if wall is None else round(wall)} s wall")
    print("| paper | slug | status | pages kept | bibliography | LaTeXML s | align s | render s "
          "| reference pages kept | ref. page precision / coverage |")
    print("|---|---|---|--:|---|--:|--:|--:|--:|--:|")
    tot = {"latexml": 0.0, "align": 0.0, "render": 0.0}
    ref_kept = ref_total = 0
    ref_rows: list[dict] = []
    for pid, slug in sorted(ids.items(), key=lambda kv: kv[1]):
        r = recs.get(pid, {"status": "missing"})
        t = r.get("timings", {})
        lx = t.get("latexml", 0.0)
        render = t.get("render", 0.0)
        align = sum(v for k, v in t.items() if k not in ("latexml", "render", "total"))
        for k, v in (("latexml", lx), ("align", align), ("render", render)):
            tot[k] += v
        refs = _reference_pages(pdftotext_pages(corpus / slug / "paper.pdf"))
        pages = read_pred_pages(out / pid) if (out / pid).is_dir() else {}
        rows = [row for row in score_pdf_text(pdftotext_pages(corpus / slug / "paper.pdf"), pages)["pages"]
                if row["page"] in refs]
        ref_total += len(refs)
        ref_kept += len(rows)
        ref_rows += rows
        pr = (f"{sum(x['precision'] for x in rows) / len(rows):.3f} / "
              f"{sum(x['coverage'] for x in rows) / len(rows):.3f}") if rows else "-"
        print(f"| {pid} | {slug} | {r['status']}{' (' + r['reason'] + ')' if r.get('reason') else ''} "
              f"| {r.get('kept', 0)}/{r.get('pages', 0)} | {r.get('bibliography_source', '')} "
              f"| {lx:.1f} | {align:.1f} | {render:.2f} | {len(rows)}/{len(refs)} | {pr} |")
    n = max(1, len(ids))
    p = stats["pages"]
    print(f"\npapers: {stats['papers']}; pages kept {p['kept']}/{p['total']} ({p['kept_pct']}%)")
    print(f"seconds per paper: LaTeXML {tot['latexml'] / n:.1f}, align {tot['align'] / n:.2f}, "
          f"render {tot['render'] / n:.2f}; LaTeXML {stats.get('latexml')}")
    if ref_rows:
        print(f"reference pages: {ref_kept}/{ref_total} kept, mean precision "
              f"{sum(x['precision'] for x in ref_rows) / len(ref_rows):.3f}, mean coverage "
              f"{sum(x['coverage'] for x in ref_rows) / len(ref_rows):.3f}")


def cmd_refs(args) -> None:
    """Reference pages from the HTML of two option configurations (e.g. ``old``: LaTeXML
    renders the .bib; ``fast2``: the .bbl), each split against the paper's PDF."""
    from nougat_align.evaluate.pdf_text import pdftotext_pages, score_pdf_text
    from nougat_align.evaluate.words import read_pred_pages
    from nougat_align.pipeline import process_paper

    corpus, work = Path(args.corpus), Path(args.work)
    configs = args.configs.split(",")
    print("| slug | " + " | ".join(f"{c}: ref. pages kept, precision / coverage" for c in configs) + " |")
    print("|---|" + "--:|" * len(configs))
    totals = {c: [0, 0, []] for c in configs}
    for paper in _papers(corpus):
        htmls = [work / "html" / c / f"{paper.name}.html" for c in configs]
        if not all(h.is_file() for h in htmls):
            continue
        pdf_pages = pdftotext_pages(paper / "paper.pdf")
        refs = _reference_pages(pdf_pages)
        if not refs:
            continue
        cells = []
        for c, html in zip(configs, htmls):
            out = work / "refs" / c / paper.name
            shutil.rmtree(out, ignore_errors=True)
            process_paper(html, paper / "paper.pdf", out, images=False)
            rows = [r for r in score_pdf_text(pdf_pages, read_pred_pages(out))["pages"] if r["page"] in refs]
            totals[c][0] += len(rows)
            totals[c][1] += len(refs)
            totals[c][2] += rows
            cells.append(f"{len(rows)}/{len(refs)}, " + (
                f"{sum(r['precision'] for r in rows) / len(rows):.3f} / {sum(r['coverage'] for r in rows) / len(rows):.3f}"
                if rows else "-"))
        print(f"| {paper.name} | " + " | ".join(cells) + " |")
    cells = []
    for c in configs:
        kept, total, rows = totals[c]
        cells.append(f"{kept}/{total}, " + (f"{sum(r['precision'] for r in rows) / len(rows):.3f} / "
                                            f"{sum(r['coverage'] for r in rows) / len(rows):.3f}" if rows else "-"))
    print("| **all** | " + " | ".join(cells) + " |")


def cmd_compare(args) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import arxiv_compare

    papers = sorted((p for p in Path(args.corpus).iterdir() if (p / "src").is_dir()), key=lambda p: p.name)
    if args.only:
        papers = [p for p in papers if p.name in args.only.split(",")]
    if args.report:
        arxiv_compare.report(args, papers)
    else:
        arxiv_compare.side(args, papers, _main_file)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("options", help="time latexmlc per option configuration, interleaved per paper")
    p.add_argument("--corpus", default=str(CORPUS))
    p.add_argument("--work", default=str(WORK))
    p.add_argument("--configs", default="arxiv,fast")
    p.add_argument("--only", default="", help="comma-separated slugs")
    p.set_defaults(func=cmd_options)
    p = sub.add_parser("report-options", help="ratios and markdown identity from options.jsonl")
    p.add_argument("--work", default=str(WORK))
    p.add_argument("--per-paper", action="store_true")
    p.add_argument("--base", default="arxiv", help="the configuration the others are compared with")
    p.set_defaults(func=cmd_report_options)
    p = sub.add_parser("bulk", help="pack the corpus as arXiv bulk tars and run nougat-align on them")
    p.add_argument("--corpus", default=str(CORPUS))
    p.add_argument("--work", default="/tmp/na-bulk-bench")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--only", default="", help="comma-separated slugs")
    p.add_argument("--fresh", action="store_true", help="new tars, output and LaTeXML cache (no resume)")
    p.add_argument("--report-only", action="store_true", help="report on the last run's output")
    p.set_defaults(func=cmd_bulk)
    p = sub.add_parser("refs", help="reference pages kept and their agreement with the PDF, per configuration")
    p.add_argument("--corpus", default=str(CORPUS))
    p.add_argument("--work", default=str(WORK))
    p.add_argument("--configs", default="old,fast2")
    p.set_defaults(func=cmd_refs)
    p = sub.add_parser("compare", help="arXiv's latexmlc command vs ours: CPU, outcome, mode, markdown")
    p.add_argument("--corpus", default=str(CORPUS))
    p.add_argument("--work", default="/tmp/na-pictures-bench")
    p.add_argument("--side", choices=("arxiv", "ours", "full"), default="")
    p.add_argument("--report", action="store_true")
    p.add_argument("--arxiv-limit", type=float, default=600.0, help="stop an arXiv-side run after this many s")
    p.add_argument("--count-timeout-at", type=float, default=600.0,
                   help="in the report, also count a timed-out arXiv run at this many s")
    p.add_argument("--timeout", type=float, default=600.0, help="our latexml_to_html timeout")
    p.add_argument("--bindings", default="", help="bindings folder instead of the package's (pictures/ stays ours)")
    p.add_argument("--only", default="", help="comma-separated slugs")
    p.set_defaults(func=cmd_compare)
    args = ap.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()

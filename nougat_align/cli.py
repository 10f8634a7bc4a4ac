"""The ``nougat-align`` command: a thin shell over the library.

Every command parses options, calls one library function and prints a short summary.
``main`` is the one error boundary: usage errors, bad input (``NougatAlignError``), a
missing optional extra and OS errors become one line on stderr and an exit code from
``EXIT_CODES``; nothing here holds pipeline logic.  Only typer is imported at start:
each command imports its stage when it runs, so ``--help`` is fast.
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from nougat_align import __version__
from nougat_align.errors import NougatAlignError
from nougat_align.export.style import DEFAULT_STYLE

EXIT_OK, EXIT_USAGE, EXIT_PAPERS_FAILED, EXIT_INTERRUPTED = 0, 2, 3, 130
EXIT_CODES = (f"Exit status: {EXIT_OK} done; {EXIT_USAGE} bad usage or input (one line on stderr); "
              f"{EXIT_PAPERS_FAILED} (run) some papers failed or timed out, see OUT/manifest.jsonl; "
              f"{EXIT_INTERRUPTED} interrupted; 1 a bug (a traceback: please report it).")
# optional packages -> the extra that installs them
EXTRAS = {"distributed": "cluster", "dask": "cluster", "pyarrow": "parquet", "unidecode": "nougat"}

app = typer.Typer(
    name="nougat-align",
    help="Page-aligned markdown from LaTeXML HTML + PDF, for training OCR models.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags shown as flags (rich panels print `--help <bool>`)
)
log = logging.getLogger("nougat_align")
_STYLE_HELP = ("Page markdown: 'unicode' (default) as converted, or 'nougat' (ASCII, joined line breaks: the conventions "
               "of Nougat's released training data).")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nougat-align {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, show_default=False,
                                help="-v info, -vv debug logging."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _write_text(path: Path, text: str) -> None:
    from nougat_align.write import check_file, write_text_atomic

    write_text_atomic(check_file(path), text)


@app.command()
def html2md(
    html: Path = typer.Argument(..., help="LaTeXML HTML of the paper."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the markdown here (default: stdout)."),
    floats: Optional[Path] = typer.Option(None, "--floats", help="Write floats, footnotes and warnings as JSON here."),
) -> None:
    """Convert LaTeXML HTML to Nougat-style markdown."""
    from nougat_align.html2md.convert import html_to_markdown

    md = html_to_markdown(html)
    if output is None:
        sys.stdout.write(md.text)
    else:
        _write_text(output, md.text)
    if floats is not None:
        aside = {"floats": [f.to_dict() for f in md.floats],
                 "footnotes": [f.to_dict() for f in md.footnotes],
                 "warnings": list(md.warnings)}
        _write_text(floats, json.dumps(aside, indent=1, ensure_ascii=False) + "\n")
    for w in md.warnings:
        log.info("warning: %s", w)
    typer.echo(f"{html.name}: {len(md.text)} chars, {len(md.floats)} floats, "
               f"{len(md.footnotes)} footnotes, {len(md.warnings)} warnings", err=True)


@app.command()
def latexml(
    src: Path = typer.Argument(..., help="arXiv source: .tar.gz, gzipped .tex, .tex, a folder, or an arXiv "
                               "bulk tar of sources (arXiv_src_YYMM_NNN.tar, read in place)."),
    output: Path = typer.Option(..., "--output", "-o", help="Write the HTML here (report: PAPER.latexml.json beside it); "
                                "for a bulk tar, a folder: OUT/<id>.html."),
    paper: str = typer.Option("", "--paper", help="With a bulk tar: convert only this paper id."),
    timeout: float = typer.Option(600, "--timeout", help="Seconds before LaTeXML is stopped (scaled up for large sources)."),
    memory_mb: int = typer.Option(4096, "--memory-mb", help="Address-space limit for LaTeXML in MiB (0: none)."),
) -> None:
    """Convert a LaTeX source to LaTeXML HTML (HTML5, TeX kept in math alttext), as arXiv does."""
    from nougat_align.errors import InputError
    from nougat_align.source.latexml import SIDECAR_SUFFIX, convert_bulk, latexml_to_html
    from nougat_align.source.archive import is_bulk_tar
    from nougat_align.write import check_file, check_folder

    if src.is_file() and is_bulk_tar(src):
        reports = convert_bulk(src, check_folder(output, what="HTML folder"), paper=paper, timeout=timeout,
                               memory_mb=memory_mb)
        for report in reports:
            typer.echo(report.summary(), err=True)
        ok = sum(r.ok for r in reports)
        typer.echo(f"{src.name}: {ok}/{len(reports)} sources converted -> {output}", err=True)
        if not ok:
            raise InputError(f"{src}: no source converted")
        return
    report = latexml_to_html(src, check_file(output, "HTML", SIDECAR_SUFFIX), timeout=timeout, memory_mb=memory_mb)
    typer.echo(report.summary(), err=True)


@app.command()
def split(
    pdf: Path = typer.Option(..., "--pdf", help="The paper's PDF."),
    html: Optional[Path] = typer.Option(None, "--html", help="LaTeXML HTML of the paper."),
    md: Optional[Path] = typer.Option(None, "--md", help="Markdown (.mmd) to split instead of HTML."),
    output: Path = typer.Option(..., "--output", "-o", help="Output folder: NN.mmd, NN.png, meta.json."),
    figures: str = typer.Option("detect", "--figures",
                                help="'detect' (built-in detector), 'none', or a pdffigures2 JSON file."),
    min_score: float = typer.Option(0.9, "--min-score", min=0.0, max=1.0,
                                    help="Pages scoring below this are not written."),
    dpi: int = typer.Option(96, "--dpi", min=10, max=600, help="Resolution of the page PNGs."),
    no_images: bool = typer.Option(False, "--no-images", help="Do not render page PNGs."),
    style: str = typer.Option(DEFAULT_STYLE, "--style", help=_STYLE_HELP),
) -> None:
    """Split a paper's markdown into its PDF pages."""
    from nougat_align.errors import InputError
    from nougat_align.pipeline import load_markdown, process_paper

    if (html is None) == (md is None):
        raise InputError("give exactly one of --html or --md")
    markdown = load_markdown(html=html, md=md)
    result = process_paper(markdown, pdf, output, figures=figures, min_score=min_score,
                           dpi=dpi, images=not no_images, style=style)
    for w in result.warnings:
        typer.echo(f"warning: {w}", err=True)
    reasons = ", ".join(f"{k}: {v}" for k, v in sorted(result.drops.items()))
    typer.echo(f"{result.paper}: kept {result.kept}/{result.pages} pages"
               + (f" (dropped {reasons})" if reasons else "") + f" -> {output}", err=True)


@app.command("eval")
def eval_(
    pred: Path = typer.Option(..., "--pred", help="Predicted pages: PRED/<paper>/NN.mmd (or one paper's NN.mmd)."),
    truth: Optional[Path] = typer.Option(None, "--truth", help="Synthetic truth: DIR/<paper>/truth.json, or one paper folder."),
    pdf_text: Optional[Path] = typer.Option(None, "--pdf-text", help="Truth-free: a PDF (or folder of PDFs) to compare each kept page's text with."),
    layout_truth: Optional[Path] = typer.Option(None, "--layout-truth", help="Layout truth: DIR/<paper>/layout_truth.json (benchmarks/synth.py --layout), scored against PRED/<paper>/layout.json."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the full result as JSON here."),
) -> None:
    """Score page splits against exact truth (--truth) or their agreement with the PDF (--pdf-text),
    or page layouts (layout.json) against layout truth (--layout-truth).

    --pdf-text compares each kept page's words with poppler's text of that page: an
    agreement measure for papers without truth, not a correctness score."""
    from nougat_align.errors import InputError
    from nougat_align.evaluate.layout import evaluate_layout
    from nougat_align.evaluate.pdf_text import evaluate_pdf_text
    from nougat_align.evaluate.tables import format_table
    from nougat_align.evaluate.truth import evaluate_truth

    if sum(x is not None for x in (truth, pdf_text, layout_truth)) != 1:
        raise InputError("give exactly one of --truth DIR, --pdf-text PDF or --layout-truth DIR")
    if layout_truth is not None:
        result = evaluate_layout(layout_truth, pred)
    elif truth is not None:
        result = evaluate_truth(truth, pred)
    else:
        result = evaluate_pdf_text(pdf_text, pred)
    typer.echo(format_table(result))
    if json_out is not None:
        _write_text(json_out, json.dumps(result, indent=1) + "\n")


@app.command()
def figures(
    pdf: Path = typer.Argument(..., help="The paper's PDF."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write pdffigures2-style JSON here (default: stdout)."),
    crops: Optional[Path] = typer.Option(None, "--crops", help="Write each float's region as PNG here."),
    dpi: int = typer.Option(150, "--dpi", min=10, max=600, help="Resolution of the crops."),
) -> None:
    """Detect figures and tables (captions and regions) without Java; pdffigures2 JSON."""
    from nougat_align.pdf.floats.detect import detect_floats
    from nougat_align.pdf.floats.pdffigures import figures_json, save_figures, write_crops
    from nougat_align.write import check_file, check_folder

    if output is not None:
        check_file(output)
    if crops is not None:
        check_folder(crops, what="crops folder")
    records = detect_floats(pdf)
    if output is None:
        sys.stdout.write(figures_json(records))
    else:
        save_figures(records, output)
    written = write_crops(pdf, records, crops, dpi=dpi) if crops is not None else []
    n_fig = sum(1 for r in records if r.fig_type == "Figure")
    typer.echo(f"{pdf.name}: {n_fig} figures, {len(records) - n_fig} tables"
               + (f", {len(written)} crops -> {crops}" if crops is not None else "")
               + (f" -> {output}" if output is not None else ""), err=True)


@app.command()
def run(
    output: Path = typer.Option(..., "--output", "-o", help="Output folder: OUT/<paper>/NN.mmd, NN.png, meta.json, "
                                "plus manifest.jsonl, stats.json, logs/."),
    html: Optional[Path] = typer.Option(None, "--html", help="Folder of LaTeXML HTML files (<id>.html), searched recursively."),
    pdfs: Optional[Path] = typer.Option(None, "--pdfs", help="Folder of PDFs (<id>.pdf, <id>vN.pdf) and/or arXiv bulk tars of PDFs, "
                                "or one such tar."),
    figures: str = typer.Option("detect", "--figures", help="Folder of pdffigures2 JSON (<id>.json); papers without one use "
                                "the built-in detector. Or 'detect' / 'none' for every paper."),
    sources: Optional[Path] = typer.Option(None, "--sources", help="Folder of arXiv sources (<id>.gz, <id>.tar.gz, folders) "
                                           "and/or arXiv bulk tars of sources (read in place), or one such tar: papers with a "
                                           "PDF but no HTML are converted with LaTeXML first."),
    input_dir: Optional[Path] = typer.Option(None, "--input", help="One folder holding per-paper files (<id>.pdf, <id>.html, "
                                             "<id>.json) or per-paper subfolders, instead of --html/--pdfs."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Worker processes (default: CPU count); "
                                          "with --dask local, the LocalCluster's workers."),
    timeout: float = typer.Option(300, "--timeout", min=0, help="Seconds per paper before its worker is killed (0: none)."),
    dask: Optional[str] = typer.Option(None, "--dask", help="Run on a Dask cluster: scheduler address, or 'local' "
                                       "for a LocalCluster of --workers processes."),
    shard: Optional[str] = typer.Option(None, "--shard", help="I/N: process only shard I (0-based) of N, chosen by a hash "
                                        "of the paper id (Slurm job arrays)."),
    recompute: bool = typer.Option(False, "--recompute", help="Process finished papers again."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Retry papers that failed or timed out in an "
                                      "earlier run (skipped by default)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary table: log file and one line."),
    min_score: float = typer.Option(0.9, "--min-score", min=0.0, max=1.0, help="Pages scoring below this are not written."),
    dpi: int = typer.Option(96, "--dpi", min=10, max=600, help="Resolution of the page PNGs."),
    no_images: bool = typer.Option(False, "--no-images", help="Do not render page PNGs."),
    limit: Optional[int] = typer.Option(None, "--limit", min=0, help="Stop after this many papers (smoke runs)."),
    cache: Optional[Path] = typer.Option(None, "--cache", help="LaTeXML HTML cache for --sources (default: OUT/.cache/html)."),
    latexml_timeout: float = typer.Option(600, "--latexml-timeout", min=1, help="Seconds LaTeXML may take per source, "
                                          "scaled up for large sources (on top of --timeout)."),
    style: str = typer.Option(DEFAULT_STYLE, "--style", help=_STYLE_HELP),
) -> None:
    """Build a dataset from a dump of papers: resumable, one paper at a time, in parallel.

    Exits 3 when some papers failed or timed out (each with its reason in
    OUT/manifest.jsonl), 0 when every paper was written or skipped, 2 on bad usage."""
    from nougat_align.run.batch import Dump, Settings, parse_shard, run_batch, summary_line

    fig_mode, fig_dir = (figures, None) if figures in ("detect", "none") else ("detect", Path(figures))
    dump = Dump(html=html, pdfs=pdfs, figures=fig_dir, sources=sources, input=input_dir,
                shard=parse_shard(shard) if shard else None)
    settings = Settings(out=str(output), figures=fig_mode, min_score=min_score, dpi=dpi,
                        images=not no_images, cache=str(cache or ""), latexml_timeout=latexml_timeout, style=style)
    show = not quiet and sys.stderr.isatty()
    stats = run_batch(dump, settings, workers=workers, timeout=timeout or None, dask=dask,
                      recompute=recompute, retry_failed=retry_failed, limit=limit,
                      progress=show, summary=not quiet)
    typer.echo(f"{output}: {summary_line(stats)}", err=True)
    if stats["papers"].get("failed", 0) + stats["papers"].get("timeout", 0):
        raise typer.Exit(EXIT_PAPERS_FAILED)


@app.command()
def index(
    out: Path = typer.Argument(..., help="Output folder of `nougat-align run` (OUT/<paper>/meta.json, NN.mmd, NN.png)."),
    output: Path = typer.Option(..., "--output", "-o", help="Train split's JSONL (Nougat's format; its name must contain "
                                "'train'); split S goes to S.jsonl beside it, each with a .seek.map."),
    split: list[str] = typer.Option([], "--split", help="NAME=FRACTION of papers for a split besides train, e.g. "
                                    "validation=0.05 (repeatable)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the split: the same seed gives the same split."),
    root_name: str = typer.Option("arxiv", "--root-name", help="Image paths are relative to INDEX_FOLDER/ROOT_NAME "
                                  "(Nougat's train.py: arxiv), made a symlink to OUT when missing; '' for the "
                                  "index folder itself."),
    parquet: Optional[Path] = typer.Option(None, "--parquet", help="Also write Parquet shards (image bytes, markdown, "
                                           "meta) here, loadable with Hugging Face datasets."),
    shard_rows: int = typer.Option(1000, "--shard-rows", min=1, help="Pages per Parquet shard."),
    style: str = typer.Option(DEFAULT_STYLE, "--style",
                              help="Markdown of the index: 'unicode' as the pages are, or 'nougat' (ASCII, joined "
                              "line breaks, pages with [??] left out: Nougat's released training data)."),
    coco: Optional[Path] = typer.Option(None, "--coco", help="Also write the pages' layout (OUT/<paper>/layout.json) "
                                        "as COCO detection JSON: 11 DocLayNet categories, boxes in image pixels."),
    grounded: Optional[Path] = typer.Option(None, "--grounded", help="Also write one JSON line per page: image and "
                                            "its elements in reading order (pixel boxes, category, text)."),
    crops: Optional[Path] = typer.Option(None, "--crops", help="Also write Parquet shards of Formula, Table and Text "
                                         "crops with their LaTeX/markdown here (needs the [parquet] extra)."),
) -> None:
    """Index the kept pages of a run for training: one JSON line per page."""
    from nougat_align.export.index import build_index, parse_splits
    splits = parse_splits(split)
    if coco is not None or grounded is not None:  # refused before the index is written
        from nougat_align.write import check_file
        if coco is not None:
            check_file(coco, "COCO file")
        if grounded is not None:
            check_file(grounded, "grounded JSONL", ".seek.map")
    result = build_index(out, output, splits=splits, seed=seed, root_name=root_name,
                         parquet=parquet, shard_rows=shard_rows, style=style)
    typer.echo(result.summary(), err=True)
    if coco is not None or grounded is not None or crops is not None:
        from nougat_align.export.layout import export_layout
        layout = export_layout(out, coco=coco, grounded=grounded, crops=crops, splits=splits, seed=seed,
                               shard_rows=shard_rows, style=style)
        typer.echo(layout.summary(), err=True)


@app.command()
def view(
    out: Path = typer.Argument(..., help="Output folder of `nougat-align run` (or of one paper: NN.png, NN.mmd, meta.json)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Report folder (default: OUT/report, or "
                                          "PAPER.report beside one paper's folder); must be new, empty or an earlier report."),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="Processes building the papers' pages."),
) -> None:
    """Write a static HTML report of a run: open its index.html in a browser, no server."""
    from nougat_align.report.build import build_report

    result = build_report(out, output, workers=workers)
    typer.echo(result.summary(), err=True)


def _usage_line(e: typer.TyperException) -> str:
    """A usage error as one line, naming the command and where its help is."""
    ctx = getattr(e, "ctx", None)
    command = ctx.command_path if ctx is not None else "nougat-align"
    return f"{command}: error: {' '.join(e.format_message().split())} (see '{command} --help')"


def main(argv: Optional[list[str]] = None) -> None:
    """Console entry point, and the one error boundary: every failure the user can act on
    is one line on stderr and an exit code from ``EXIT_CODES``; only bugs show tracebacks."""
    args = sys.argv[1:] if argv is None else list(argv)
    if not args:  # bare `nougat-align`: the overview, as a usage error
        app(["--help"], prog_name="nougat-align", standalone_mode=False)
        sys.exit(EXIT_USAGE)
    try:
        code = app(args, prog_name="nougat-align", standalone_mode=False)
        if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into Exit(130), returned in this mode
            raise KeyboardInterrupt
        if isinstance(code, int) and code:
            sys.exit(code)
    except NougatAlignError as e:
        typer.echo(f"nougat-align: error: {e}", err=True)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        typer.echo("nougat-align: aborted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except typer.TyperException as e:  # usage errors (typer raises its bundled click's classes)
        typer.echo(_usage_line(e), err=True)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        typer.echo("nougat-align: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except ModuleNotFoundError as e:
        top = (e.name or "").split(".")[0]
        if top not in EXTRAS:
            raise  # a broken install or a bug: keep the traceback
        typer.echo(f"nougat-align: error: this needs the optional package {top!r}: "
                   f"pip install 'nougat-align[{EXTRAS[top]}]'", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as e:
        where = getattr(e, "filename", "") or ""
        typer.echo(f"nougat-align: error: {e.strerror or e}" + (f": {where}" if where else ""), err=True)
        sys.exit(EXIT_USAGE)

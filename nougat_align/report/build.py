"""``nougat-align view``: a static HTML report of a run, opened from disk in any browser.

    build_report(Path("out"), Path("out/report"))   # a run folder, or one paper's folder

What the report folder holds (decided for runs of 10,000 papers):

- ``index.html`` - the overview: papers by status, pages kept and dropped by reason, score
  histograms (``score``; ``precision``/``coverage`` when meta.json pages carry them), the
  slowest papers, time per stage, paper failures with LaTeXML's separately, and a table of
  every paper (paged, sorted and filtered by ``view.js`` from JSON embedded in the page; no
  page image is embedded, so the overview stays small however large the run).
- ``papers/<paper>.html`` - one file per paper: every page's image beside its markdown
  rendered (floats and footnotes marked, float boxes drawn on the image), scores, drop
  reasons; dropped pages greyed.  Kept pages' images are *referenced* by relative path to
  ``OUT/<paper>/NN.png`` (no copy: the report sits beside the run, ``OUT/report`` by
  default), loaded lazily.
- ``papers/<paper>/NN.png`` - images of pages the run did not write (dropped pages, or every
  page of a ``--no-images`` run), rendered from the paper's PDF when the manifest names a PDF
  file whose sha256 matches meta.json; otherwise the page shows a placeholder saying why.
- dropped pages' markdown is not written by the run; it is cut here from the paper's markdown
  at the page's offsets, the markdown being rebuilt from the HTML the manifest names (or the
  LaTeXML cache) and used only when its sha256 matches meta.json's ``markdown_sha256``.
- ``view.css``, ``view.js`` (ours); math is MathML made when the report is built
  (``latex2mathml``), typeset by the browser with no network; TeX the converter rejects is
  shown as written (``\\(x^2\\)`` in a math font box).
- ``.nougat-align-view.json`` - the list of files this tool wrote.  A non-empty folder
  without it is refused, a file not on it is never overwritten, and only files on it are
  removed when a rebuild no longer needs them.

Output bytes depend only on the run's files (no clock, sorted everything).
"""
from __future__ import annotations

import concurrent.futures
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional

from nougat_align.errors import InputError
from nougat_align.report.overview import overview_html
from nougat_align.report.paper import paper_files
from nougat_align.report.runs import PaperInput, read_json, read_run
from nougat_align.write import write_bytes_atomic

MARK = ".nougat-align-view.json"
ASSETS = ("view.css", "view.js")


@dataclass(frozen=True)
class ViewResult:
    out: Path
    papers: int
    pages: int
    rendered: int  # page images rendered from PDFs for this report
    files: int

    def summary(self) -> str:
        return (f"{self.out}/index.html: {self.papers} papers, {self.pages} pages"
                f" ({self.rendered} page images rendered from PDFs), {self.files} files")


def default_output(src: Path) -> Path:
    """``OUT/report`` for a run; ``<paper>.report`` beside one paper's folder."""
    src = Path(src)
    return src.parent / f"{src.name}.report" if (src / "meta.json").is_file() else src / "report"


def _previous_files(out: Path) -> set[str]:
    """Files a previous report wrote into ``out``; refuses a folder that is not a report."""
    if not out.exists():
        return set()
    if not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    mark = out / MARK
    if not mark.is_file():
        if any(out.iterdir()):
            raise InputError(f"{out}: not empty and not a nougat-align report; give an empty or new folder")
        return set()
    data = read_json(mark)
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise InputError(f"{out}/{MARK}: unreadable; remove the folder or give another one")
    # only plain relative names: an edited list can never point the cleanup outside the report
    return {str(f) for f in data["files"] if isinstance(f, str) and f and not Path(f).is_absolute()
            and ".." not in Path(f).parts}


def _planned(papers: list[PaperInput]) -> set[str]:
    """Every file the report may write (a superset: page images only if a PDF is found)."""
    names = {"index.html", *ASSETS}
    for p in papers:
        if p.folder:
            names.add(f"papers/{p.paper}.html")
            names.update(f"papers/{p.paper}/{pg['page']:02d}.png" for pg in p.meta["pages"]
                         if not (Path(p.folder) / f"{pg['page']:02d}.png").is_file())
    return names


def _write_mark(out: Path, files: Iterable[str]) -> None:
    write_bytes_atomic(out / MARK, (json.dumps({"tool": "nougat-align view", "files": sorted(files)},
                                               indent=0) + "\n").encode("utf-8"))


def _paper_job(args) -> dict[str, bytes]:
    return paper_files(*args)


def build_report(src: Path, out: Optional[Path] = None, workers: int = 1) -> ViewResult:
    """Write the report of the run (or paper folder) ``src`` into ``out``."""
    papers, stats = read_run(Path(src))
    out = Path(out) if out is not None else default_output(Path(src))
    previous = _previous_files(out)
    planned = _planned(papers)
    foreign = sorted(f for f in planned if f not in previous and (out / f).exists())
    if foreign:
        raise InputError(f"{out}: would overwrite {foreign[0]}, which nougat-align view did not write")
    out.mkdir(parents=True, exist_ok=True)
    _write_mark(out, previous | planned)  # a crash halfway leaves every file accounted for
    written: set[str] = set()

    def put(name: str, data: bytes) -> None:
        if name not in planned:  # never happens: a bug, not a user error
            raise RuntimeError(f"unplanned report file {name}")
        write_bytes_atomic(out / name, data)
        written.add(name)

    assets = resources.files("nougat_align.report") / "assets"
    for name in ASSETS:
        put(name, (assets / name).read_bytes())
    with_pages = [p for p in papers if p.folder]
    ids = [p.paper for p in with_pages]
    jobs = [(p, out, ids[i - 1] if i else "", ids[i + 1] if i + 1 < len(ids) else "")
            for i, p in enumerate(with_pages)]
    rendered = 0
    if workers > 1 and len(jobs) > 1:
        pool = concurrent.futures.ProcessPoolExecutor(workers)
        results = pool.map(_paper_job, jobs, chunksize=4)
    else:
        pool, results = None, map(_paper_job, jobs)
    try:
        for files in results:
            for name, data in sorted(files.items()):
                put(name, data)
                rendered += name.endswith(".png")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    title = (Path(src).resolve().name or str(src))
    put("index.html", overview_html(papers, stats, title).encode("utf-8"))
    for name in sorted(previous - written):  # ours, no longer part of the report
        (out / name).unlink(missing_ok=True)
        parent = (out / name).parent
        if parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
    _write_mark(out, written)
    return ViewResult(out=out, papers=len(papers), pages=sum(len(p.meta["pages"]) for p in with_pages),
                      rendered=rendered, files=len(written))

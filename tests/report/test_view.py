"""nougat_align.report: the static HTML report of a run, opened in Debian's headless Chromium.

A small run is made with the real pipeline on fixture papers (page images on, the float
detector on): ``twocol`` drops its page of author-year references (unprinted text), ``floats-misc`` drops an empty page
and has float boxes, ``basic`` keeps every page, and a truncated PDF fails.  Playwright drives
``/usr/bin/chromium`` (its own browser download is never used) with the network cut: the
math is MathML made at build time, so it is typeset offline.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import PAPERS, require_tool
from nougat_align import cli
from nougat_align.run.batch import Dump, Settings, run_batch
from nougat_align.errors import InputError
from nougat_align.report.build import MARK, build_report
from nougat_align.report.markdown import render_mmd

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
PAPER_NAMES = {"2303.00001": "basic", "2303.00002": "twocol", "2303.00003": "floats-misc"}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("view")
    dump = root / "dump"
    dump.mkdir()
    for pid, name in PAPER_NAMES.items():
        shutil.copyfile(PAPERS / name / "paper.pdf", dump / f"{pid}.pdf")
        shutil.copyfile(PAPERS / name / "paper.html", dump / f"{pid}.html")
    (dump / "2303.00004.pdf").write_bytes(b"%PDF-1.4\n% truncated download\n")
    shutil.copyfile(PAPERS / "basic" / "paper.html", dump / "2303.00004.html")
    out = root / "out"
    run_batch(Dump(input=dump), Settings(out=str(out)), workers=2, timeout=120)
    return out


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_report_files_deterministic_and_safe(run, tmp_path):
    report = tmp_path / "report"
    result = build_report(run, report)
    files = _tree(report)
    assert result.papers == 4 and result.rendered == 1  # the dropped page, from its PDF
    assert {"index.html", "view.css", "view.js", MARK, "papers/2303.00002.html",
            "papers/2303.00002/05.png"} <= set(files)
    assert "2303.00004" not in {Path(f).stem for f in files if f.startswith("papers/")}  # failed: no pages
    mark = json.loads(files[MARK])["files"]
    assert sorted(mark) == sorted(f for f in files if f != MARK)
    page = files["papers/2303.00002.html"].decode()
    assert "cut for this report from the paper&#x27;s markdown" in page  # the dropped page's text
    # kept pages are referenced in the run, not copied
    assert f'src="{os.path.relpath(run / "2303.00002" / "01.png", report / "papers")}"' in page

    (report / "notes.txt").write_text("mine")  # not ours: kept through a rebuild
    build_report(run, report)
    assert _tree(report) == {**files, "notes.txt": b"mine"}  # byte-identical

    build_report(run / "2303.00002", report)  # one paper now: the other papers' files go, notes stay
    assert sorted(p.name for p in (report / "papers").iterdir()) == ["2303.00002", "2303.00002.html"]
    assert (report / "notes.txt").read_text() == "mine"

    with pytest.raises(InputError, match="not empty and not a nougat-align report"):
        build_report(run, tmp_path)  # holds report/: refused
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (tmp_path / "keep.txt").write_text("x")
    (foreign / MARK).write_text(json.dumps({"files": ["../keep.txt", str(tmp_path / "keep.txt")]}))
    (foreign / "index.html").write_text("someone else's")
    with pytest.raises(InputError, match="would overwrite index.html"):
        build_report(run, foreign)
    assert (foreign / "index.html").read_text() == "someone else's"
    (foreign / "index.html").unlink()
    build_report(run, foreign)  # a list naming files outside the report removes none of them
    assert (tmp_path / "keep.txt").read_text() == "x"


def test_cli_refuses_a_folder_it_did_not_write(run, tmp_path, monkeypatch, capsys):
    (tmp_path / "data.csv").write_text("x")
    monkeypatch.setattr(sys, "argv", ["nougat-align", "view", str(run), "-o", str(tmp_path)])
    with pytest.raises(SystemExit) as e:
        cli.main()
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a nougat-align report" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_bad_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        build_report(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no paper output here"):
        build_report(tmp_path / "empty")


def test_unreadable_meta_is_listed_and_dropped_text_in_run_style(run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(run, out, ignore=shutil.ignore_patterns("*.png"))
    (out / "2303.00001" / "meta.json").write_text('{"pages": [{"page": "one"}]}')
    stats = json.loads((out / "stats.json").read_text())
    stats["settings"]["style"] = "nougat"  # as `run --style nougat` writes it
    (out / "stats.json").write_text(json.dumps(stats))
    result = build_report(out, tmp_path / "report")  # no PNGs copied: every page rendered from its PDF
    assert result.rendered == sum(len(json.loads((out / p / "meta.json").read_text())["pages"])
                                  for p in ("2303.00002", "2303.00003"))
    rows = json.loads((tmp_path / "report" / "index.html").read_text().split(
        '<script type="application/json" id="papers-data">')[1].split("</script>")[0])
    bad = next(r for r in rows if r["id"] == "2303.00001")
    assert (bad["status"], bad["reason"], bad["link"]) == ("failed", "unreadable meta.json", False)
    dropped = (tmp_path / "report" / "papers" / "2303.00002.html").read_text().split('id="p05"')[1]
    assert "14-21" in dropped and "14–21" not in dropped  # its text in the run's style, as kept pages are


def test_single_paper_folder(run, tmp_path):
    result = build_report(run / "2303.00002", tmp_path / "one")
    assert result.papers == 1
    assert (tmp_path / "one" / "papers" / "2303.00002" / "05.png").is_file()  # the run's manifest gave the PDF
    # a `split` folder has no manifest: the dropped page says why it has no image or text
    shutil.copytree(run / "2303.00002", tmp_path / "alone" / "2303.00002")
    build_report(tmp_path / "alone" / "2303.00002")
    page = (tmp_path / "alone" / "2303.00002.report" / "papers" / "2303.00002.html").read_text()
    assert "no manifest gives the path of 2303.00002.pdf" in page and "no manifest names the paper" in page


def test_render_mmd_marks_floats_footnotes_and_keeps_tex():
    html = render_mmd("## 1 Intro\n\n_If \\(a_1\\) holds_ **b**\n\n\\[x^2\\tag{1}\\]\n\n"
                      "\\begin{table}\n\\begin{tabular}{ll}\n\\hline\nA & \\multicolumn{2}{c}{B} \\\\\n"
                      "\\multirow{2}{*}{C} & D \\\\\n"
                      "\\end{tabular}\n\\end{table}\n\nTable 1: Cap.\n\nFootnote 1: Note.\n\n* a\n  * b")
    assert "<h3>1 Intro</h3>" in html
    assert '<em>If <span class="math inline" title="\\(a_1\\)"><math ' in html  # MathML, TeX as title
    assert "<msub><mi>a</mi>" in html and "</math></span> holds</em> <strong>b</strong>" in html
    assert '<div class="math display" title="\\[x^2\\tag{1}\\]"><math ' in html and 'display="block"' in html
    assert '<td colspan="2">B</td>' in html and "<td>C</td><td>D</td>" in html and 'data-tag="table"' in html
    assert '<p class="float caption" data-tag="table">Table 1: Cap.</p>' in html
    assert '<p class="footnote" data-tag="footnote">Footnote 1: Note.</p>' in html
    assert "<ul><li>a<ul><li>b</li></ul></li></ul>" in html


def test_math_the_converter_rejects_is_shown_as_written(monkeypatch):
    import nougat_align.report.markdown as md

    monkeypatch.setattr(md, "tex_to_mathml", lambda tex, display=False: None)
    html = md.render_mmd("If \\(a_1\\) holds")
    assert '<span class="math inline tex">\\(a_1\\)</span>' in html


def test_report_in_headless_chromium(run, tmp_path):
    from PIL import Image, ImageStat
    from playwright.sync_api import sync_playwright

    require_tool("chromium")

    report = tmp_path / "report"
    build_report(run, report)
    metas = {p.name: json.loads((p / "meta.json").read_text()) for p in run.iterdir() if (p / "meta.json").is_file()}
    shot = tmp_path / "paper.png"
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        browser = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 900})
        try:
            requests: list[str] = []
            browser.route("http*://**/*", lambda route: (requests.append(route.request.url), route.abort()))
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((report / "index.html").as_uri())
            rows = page.locator("#papers tbody tr")
            assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.paper)")) == sorted([*metas, "2303.00004"])
            assert page.locator('#papers tr[data-paper="2303.00004"] td.err').inner_text().strip() != ""
            assert page.locator("svg.chart").count() >= 5

            for paper, meta in sorted(metas.items()):  # every page of every paper, every image
                page.goto((report / "papers" / f"{paper}.html").as_uri())
                assert page.locator("section.page").count() == len(meta["pages"])
                widths = page.evaluate("""async () => {
                    const imgs = [...document.querySelectorAll('section.page img')];
                    imgs.forEach(i => { i.loading = 'eager'; });
                    await Promise.all(imgs.map(i => i.decode().catch(() => null)));
                    return imgs.map(i => i.naturalWidth); }""")
                assert len(widths) == len(meta["pages"]) and all(w > 0 for w in widths), (paper, widths)
                assert page.locator("section.page.dropped").count() == sum(not p["kept"] for p in meta["pages"])
            assert page.locator(".box").count() >= 1  # floats-misc: float boxes drawn on the image

            # a filter on the overview, then the paper it leaves, then its pages by keyboard
            page.goto((report / "index.html").as_uri())
            page.select_option("#reason", "unprinted text")
            assert rows.count() == 1
            page.locator("a.paper-link").first.click()
            page.wait_for_url("**/2303.00002.html?show=dropped*")
            visible = page.locator("section.page:not(.hidden)")
            assert visible.count() == 1 and visible.first.get_attribute("id") == "p05"
            page.keyboard.press("j")
            assert page.locator("section.page.current").get_attribute("id") == "p05"
            page.check('input[name=show][value="all"]')
            assert visible.count() == 1  # the reason from the overview still applies
            page.select_option("#reason", "")
            assert visible.count() == len(metas["2303.00002"]["pages"])
            page.keyboard.press("k")
            assert page.locator("section.page.current").get_attribute("id") == "p04"
            maths = page.locator("section#p02 .math")
            assert maths.count() > 0 and page.locator("section#p02 .math math").count() == maths.count()
            box = page.locator("section#p02 .math math").first.bounding_box()
            assert box and box["width"] > 0 and box["height"] > 0  # typeset by the browser, offline
            assert maths.first.get_attribute("title").startswith("\\")  # the TeX, as a tooltip
            page.keyboard.press("[")
            page.wait_for_url("**/2303.00001.html")
            page.goto((report / "papers" / "2303.00002.html").as_uri() + "#p04")
            page.evaluate("document.querySelector('#p04 img').decode()")
            page.screenshot(path=str(shot))

            assert requests == []  # no CDN, no network at all
            assert errors == []
        finally:
            browser.close()
    stat = ImageStat.Stat(Image.open(shot).convert("L"))
    assert stat.stddev[0] > 20, stat.stddev  # text, images and chips, not a blank page

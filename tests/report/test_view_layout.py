"""view draws out/<paper>/layout.json on the page images: an SVG per page, coloured by
category, a legend and a toggle (nougat_align/report/layout.py), here on a run of a paper
of benchmarks/synth-layout/ whose layout_truth.json stands in for layout.json."""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from nougat_align.pipeline import process_paper
from nougat_align.report.build import build_report
from nougat_align.report.markdown import render_mmd
from conftest import ROOT, require_tool

SET = ROOT / "benchmarks" / "synth-layout"
PAPER = "layout4-019"  # two columns, 8 pages
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("viewlayout")
    out = root / "out"
    process_paper(SET / PAPER / "paper.html", SET / PAPER / "paper.pdf", out / PAPER, figures="none", dpi=48)
    shutil.copyfile(SET / PAPER / "layout_truth.json", out / PAPER / "layout.json")
    shutil.copytree(out / PAPER, out / "plain")
    (out / "plain" / "layout.json").unlink()
    build_report(out, root / "report")
    return root / "report"


def truth() -> dict:
    return json.loads((SET / PAPER / "layout_truth.json").read_text())


def test_pages_get_an_svg_of_their_boxes_and_the_paper_a_legend(report):
    html = (report / "papers" / f"{PAPER}.html").read_text()
    meta = json.loads((report.parent / "out" / PAPER / "meta.json").read_text())
    kept = [p["page"] for p in meta["pages"] if p["kept"]]
    assert html.count('<svg class="layout"') == len(kept)
    boxes = sum(len(e["boxes"]) for p in truth()["pages"] if p["page"] in kept for e in p["elements"])
    assert len(re.findall(r'<rect class="lc-', html)) == boxes
    assert 'id="layout-toggle" checked' in html and 'class="lchip lc-Formula"' in html
    assert 'viewBox="0 0 612.00 792.00"' in html
    plain = (report / "papers" / "plain.html").read_text()
    assert "<svg" not in plain and "layout-toggle" not in plain  # no layout.json: no boxes


def test_an_align_is_one_display_per_row():
    html = render_mmd("\\[a = b \\tag{1}\\]\n\\[c = d \\tag{2}\\]")
    assert html.count('<div class="math display" title=') == 2 and html.count("<math ") == 2
    assert 'title="\\[a = b \\tag{1}\\]"' in html and 'title="\\[c = d \\tag{2}\\]"' in html


def test_boxes_over_the_image_and_the_toggle_in_chromium(report):
    from playwright.sync_api import sync_playwright

    require_tool("chromium")
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        browser = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                        args=FLAGS, viewport={"width": 1400, "height": 1000})
        try:
            browser.route("http*://**/*", lambda route: route.abort())
            page = browser.new_page()
            page.goto((report / "papers" / f"{PAPER}.html").as_uri())
            img = page.locator("#p01 img").bounding_box()
            svg = page.locator("#p01 svg.layout")
            assert svg.is_visible()
            box = svg.bounding_box()
            assert abs(box["x"] - img["x"]) < 1.5 and abs(box["width"] - img["width"]) < 1.5
            first = truth()["pages"][0]["elements"][0]  # the title
            rect = page.locator("#p01 svg.layout rect").first.bounding_box()
            scale = img["width"] / 612
            assert rect["x"] == pytest.approx(img["x"] + first["boxes"][0][0] * scale, abs=1.5)
            assert rect["width"] == pytest.approx((first["boxes"][0][2] - first["boxes"][0][0]) * scale, abs=1.5)
            colour = page.evaluate("getComputedStyle(document.querySelector('#p01 rect.lc-Title')).stroke")
            assert colour != page.evaluate("getComputedStyle(document.querySelector('#p01 rect.lc-Text')).stroke")
            page.uncheck("#layout-toggle")
            assert not svg.is_visible()
            page.check("#layout-toggle")
            assert svg.is_visible()
        finally:
            browser.close()

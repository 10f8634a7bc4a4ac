"""LaTeXML HTML -> markdown: golden files per fixture, one test per element, robustness.

Golden files live in tests/golden/html2md/; regenerate them after an intended change with
``NOUGAT_ALIGN_GEN_TEST_DATA=1 pytest tests/html2md/test_html2md.py`` and read the diff.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PAPERS, ROOT
from nougat_align import html_to_markdown
from nougat_align.errors import InputError
from nougat_align.records import Markdown

GOLDEN = ROOT / "tests" / "golden" / "html2md"
FIXTURES = ["basic", "floats", "mathheavy", "robust", "twocol"]
REGEN = os.environ.get("NOUGAT_ALIGN_GEN_TEST_DATA") == "1"


def convert(name: str) -> Markdown:
    return html_to_markdown(PAPERS / name / "paper.html")


@pytest.fixture(scope="module")
def md() -> dict[str, Markdown]:
    return {name: convert(name) for name in FIXTURES}


def aside(m: Markdown) -> dict:
    return {"floats": [f.to_dict() for f in m.floats], "footnotes": [f.to_dict() for f in m.footnotes],
            "warnings": list(m.warnings)}


@pytest.mark.parametrize("name", FIXTURES)
def test_golden(md, name):
    m = md[name]
    text_path, aside_path = GOLDEN / f"{name}.mmd", GOLDEN / f"{name}.json"
    got_aside = json.dumps(aside(m), indent=1, ensure_ascii=False) + "\n"
    if REGEN:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        text_path.write_text(m.text, encoding="utf-8")
        aside_path.write_text(got_aside, encoding="utf-8")
    assert m.text == text_path.read_text(encoding="utf-8")
    assert got_aside == aside_path.read_text(encoding="utf-8")


def float_by_number(m: Markdown, kind: str, number: str):
    return next(f for f in m.floats if f.kind == kind and f.number == number)


# ------------------------------------------------------------------ one test per element


def test_title(md):
    assert md["basic"].text.startswith("# Counting Footpaths in Small Village Grids\n\n")
    assert md["basic"].title == "Counting Footpaths in Small Village Grids"


def test_authors_affiliations_email(md):
    text = md["basic"].text
    assert "Marta Kowalczyk\nDepartment of Applied Mathematics\nUniversity of Northfield\nm.kowalczyk@northfield.example.edu" in text
    assert "Jonas Brühl\nInstitute for Discrete Structures" in text


def test_authblk_affiliations_numbered_once(md):
    text = md["twocol"].text
    assert "Eilidh MacAskill\\({}^{1}\\), Rafael Quiñones\\({}^{1,2}\\), Annika Löwenthal\\({}^{3}\\)" in text
    assert text.count("School of Biological Sciences, University of Kinloch") == 1


def test_thanks_is_a_footnote(md):
    m = md["mathheavy"]
    assert "Ingrid Halvorsen\\({}^{*}\\)" in m.text
    assert any(f.mark == "*" and f.text.startswith("Corresponding author") for f in m.footnotes)


def test_abstract(md):
    assert "###### Abstract\n\nWe study the number of footpaths" in md["basic"].text


def test_section_headings_with_numbers(md):
    text = md["basic"].text
    for heading in ("## 1 Introduction", "### 2.1 Grids and walks", "#### 2.1.1 Blocked crossings",
                    "##### Order of evaluation."):
        assert f"\n{heading}\n" in text, heading


def test_paragraphs_are_separated_by_blank_lines(md):
    text = md["basic"].text
    assert "\n\nThe rest of the paper is organised as follows." in text
    assert "\n\n\n" not in text


def test_bold_italic(md):
    text = md["basic"].text
    assert "A **walk** starts at" in text
    assert "A _village grid_ of size" in text
    assert "_Hollowmere_" in text


def test_inline_math(md):
    assert "of size \\(m\\times n\\) is the set of crossings \\((i,j)\\)" in md["basic"].text


def test_display_equation_numbered_and_unnumbered(md):
    assert "\\[W(m,n)=\\binom{m+n}{m},\\]" in md["basic"].text
    assert "\\[u^{k+1}=u^{k}+\\tau Lu^{k},\\qquad k=0,1,2,\\dots \\tag{2}\\]" in md["mathheavy"].text


def test_align_rows(md):
    text = md["mathheavy"].text
    rows = ("\\[\\sum_{i=1}^{n-1}v_{i}(Lu)_{i} =\\sum_{i=1}^{n-1}v_{i}w_{i}(u_{i+1}-u_{i})"
            "-\\sum_{i=1}^{n-1}v_{i}w_{i-1}(u_{i}-u_{i-1})\\]\n"
            "\\[=\\sum_{i=0}^{n-1}v_{i}w_{i}(u_{i+1}-u_{i})-\\sum_{i=0}^{n-1}v_{i+1}w_{i}(u_{i+1}-u_{i}) \\tag{3}\\]\n"
            "\\[=-\\sum_{i=0}^{n-1}w_{i}(u_{i+1}-u_{i})(v_{i+1}-v_{i}). \\tag{4}\\]")
    assert rows in text
    assert "\\displaystyle" not in text


def test_eqnarray_number_on_the_row_the_pdf_prints_it(md):
    text = md["mathheavy"].text
    assert "\\[u^{k+1}_{i} = u^{k}_{i}+\\tau(Lu^{k})_{i}\\]\n\\[= \\bigl{(}" in text
    assert "u^{k}_{i-1}. \\tag{5}\\]" in text


def test_tag_with_math_and_its_reference(md):
    text = md["mathheavy"].text
    assert "\\tag{\\ast}\\]" in text
    assert "and (\\(\\ast\\)) follows by induction" in text


def test_itemize_nested(md):
    assert ("* Crossings that are closed only at night are treated in two ways:\n"
            "  * as open, for the daytime count;\n  * as blocked, for the evening count.") in md["basic"].text


def test_enumerate_nested(md):
    text = md["basic"].text
    assert "1. draw the grid from the municipal map;" in text
    assert "\n  (a) once with all closures," in text


def test_description_nested(md):
    text = md["basic"].text
    assert "* **Crossing** a point where two streets meet" in text
    assert "\n  * **Permanent** lasting longer than one season;" in text


def test_footnotes_held_aside_with_mark(md):
    m = md["basic"]
    assert "underestimate by hand.\\({}^{1}\\) In this note" in m.text
    note = m.footnotes[0]
    assert note.mark == "1" and note.mmd.startswith("Footnote 1: A village council")
    assert "A village council" not in m.text
    assert 0 < note.anchor < m.text.index("In this note")


def test_numeric_citations(md):
    text = md["basic"].text
    assert "first course on counting [1]." in text
    assert "older textbooks [1, 2, 3]." in text
    assert "[2, Ch. 3]" in md["mathheavy"].text


def test_author_year_citations(md):
    text = md["twocol"].text
    assert "(Achterberg and de Groot, 2009, p. 3)" in text
    assert "Sveinsdóttir (2016, ch. 4)" in text
    assert "(e.g. Okonkwo and Haddad, 2021, p. 12)" in text


def test_cross_references_render_numbers(md):
    text = md["basic"].text
    assert "Section 2 fixes the model" in text
    assert "collected in Appendix A." in text
    assert "Insert (1) and shift" in md["mathheavy"].text
    assert "(Table 1 and Table 2), the encoder (Algorithm 1 and Listing 1)" in md["floats"].text


def test_table_multicolumn_multirow_hline(md):
    table = float_by_number(md["floats"], "table", "1")
    assert table.mmd.startswith("\\begin{table}\n\\begin{tabular}{|l|c|c|c|r|}\n\\hline\n")
    assert ("\\multirow{2}{*}{Station} & \\multicolumn{2}{c|}{Temperature} & "
            "\\multirow{2}{*}{Salinity} & \\multirow{2}{*}{Rate} \\\\") in table.mmd
    assert "\n & 1 m & 10 m &  &  \\\\\n" in table.mmd  # cells under a multirow stay in place
    assert table.mmd.endswith("\\end{tabular}\n\\end{table}\n\nTable 1: Logged channels per station. "
                              "Rates are samples per minute; the two temperature columns give the sensor depth.")
    assert "38 (54\\%)" in float_by_number(md["twocol"], "table", "2").mmd


def test_tabular_lays_out_cells_read_by_the_caller():
    from lxml import html as lxml_html

    from nougat_align.html2md.tables import tabular

    table = lxml_html.fragment_fromstring(
        '<table class="ltx_tabular"><tbody>'
        '<tr><td class="ltx_border_l ltx_border_t" rowspan="2">a</td>'
        '<td class="ltx_align_center ltx_border_r ltx_border_t">b_1</td></tr>'
        '<tr><td class="ltx_align_right ltx_border_b">c</td></tr>'
        '</tbody></table>')
    seen = []
    assert tabular(table, lambda td: seen.append(td.text) or td.text.upper()) == (
        "\\begin{tabular}{|lc|}\n\\hline\n\\multirow{2}{*}{A} & B\\_1 \\\\\n"
        " & C \\\\\n\\hline\n\\end{tabular}")
    assert seen == ["a", "b_1", "c"]  # each cell read once, in order
    images = lxml_html.fragment_fromstring('<table class="ltx_tabular"><tr><td><img src="a.png"></td>'
                                           '<td><img src="b.png"></td></tr></table>')
    assert tabular(images, lambda td: "") == ""  # a tabular laying out images only


def test_figure_caption_kept(md):
    fig = float_by_number(md["floats"], "figure", "1")
    assert fig.mmd == ("Figure 1: Mean compression ratio per codec, from left to right: raw packing, "
                       "general-purpose compressor, delta with zig-zag, delta with zig-zag and run-length stage.")
    assert "Figure 1:" not in md["floats"].text
    assert float_by_number(md["twocol"], "figure", "1").mmd.startswith("Figure 1: Predicted water level")


def test_subfigures_and_tikz(md):
    fig = float_by_number(md["floats"], "figure", "4")
    assert fig.mmd == "(a) Calm day\n\n(b) Stormy day\n\nFigure 4: Differences on two days at North Pier."
    assert "zig-zag" not in float_by_number(md["floats"], "figure", "3").mmd.split(":")[0]


def test_theorem_lemma_definition_proof(md):
    text = md["mathheavy"].text
    assert "**Definition 2.1** (Weighted path). A _weighted path_ of length" in text
    assert "**Lemma 3.1** (Summation by parts). _For grid functions" in text
    assert "**Theorem 3.2** (Discrete maximum principle). _If" in text
    assert "_Proof._ Insert (1)" in text
    assert "_Proof of Lemma A.1._ Row" in text


def test_algorithm_and_listing_as_code(md):
    alg = float_by_number(md["floats"], "algorithm", "1")
    assert alg.mmd.startswith("```\n1: samples")
    assert alg.mmd.endswith("```\n\nAlgorithm 1: Block delta encoder")
    listing = float_by_number(md["floats"], "listing", "1")
    assert "1 def encode_block(xs):" in listing.mmd


def test_verbatim_as_code(md):
    assert "```\n# station.conf\nblock_size   = 256\n" in md["floats"].text


def test_bibliography(md):
    assert "## References\n\n* [1] P. Hale. _A First Course in Counting_. Riverside Press, 1998." in md["basic"].text
    twocol = md["twocol"].text
    assert "* W. Achterberg and S. de Groot (2009) Nest site selection" in twocol
    assert "Cited by" not in twocol


def test_acknowledgements(md):
    assert "## Acknowledgements\n\nWe thank the clerks" in md["basic"].text
    assert "## Acknowledgments\n\nWe thank the wardens" in md["twocol"].text


def test_appendix_heading_as_printed(md):
    text = md["basic"].text
    assert "\n## A Two identities\n" in text
    assert "Appendix A Two" not in text


def test_non_ascii_and_url(md):
    text = md["basic"].text
    assert "Oberwald-Süd" in text and "2021–2022" in text
    assert "https://example.org/footpaths/data.csv" in text


# ---------------------------------------------------------------------------- robustness


def test_ltx_error_dropped_and_counted(md):
    m = md["robust"]
    assert "\\code" not in m.text and "{notebox}" not in m.text
    assert m.warnings[0] == "dropped 8 ltx_ERROR node(s): \\code x5, \\cprotect, \\fieldnote, {notebox}"
    assert "a file of key = value lines" in m.text  # the macro's argument is kept


def test_unresolved_citation_and_reference_do_not_abort(md):
    m = md["robust"]
    assert "most style guides [?]." in m.text  # as the PDF prints it
    assert "meant the first [1, ?]." in m.text
    assert "in Table ??, which" in m.text and "Equation (??)" in m.text
    assert "unresolved citation: nokey" in m.warnings
    assert "unresolved reference: LABEL:nolabel" in m.warnings


def test_deterministic(md):
    again = convert("twocol")
    assert again == md["twocol"]


def test_accepts_str_and_bytes():
    html = (PAPERS / "basic" / "paper.html").read_text(encoding="utf-8")
    assert html_to_markdown(html).text == html_to_markdown(html.encode("utf-8")).text


@pytest.mark.parametrize("content, message", [
    ("", "empty HTML"),
    ("   \n", "empty HTML"),
    ("<html><body><p>hello</p></body></html>", "not LaTeXML output"),
    ("just some text", "not HTML"),
])
def test_bad_html_is_a_one_line_error(content, message):
    with pytest.raises(InputError, match=message) as err:
        html_to_markdown(content)
    assert "\n" not in str(err.value)


def test_truncated_html():
    html = (PAPERS / "basic" / "paper.html").read_text(encoding="utf-8")
    with pytest.raises(InputError, match="truncated"):
        html_to_markdown(html[: len(html) // 2])


def test_latexml_without_article():
    html = ('<!DOCTYPE html><html><head><!--Generated by LaTeXML--></head><body>'
            '<div class="ltx_page_main"></div></body></html>')
    with pytest.raises(InputError, match="without <article"):
        html_to_markdown(html)


def test_missing_file():
    with pytest.raises(InputError, match="no such file"):
        html_to_markdown(Path("/nonexistent/paper.html"))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nougat_align", *args], capture_output=True, text=True)


def test_cli_html2md(tmp_path):
    out, floats = tmp_path / "p.mmd", tmp_path / "p.json"
    proc = run_cli("html2md", str(PAPERS / "floats" / "paper.html"), "-o", str(out), "--floats", str(floats))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8") == convert("floats").text
    assert len(json.loads(floats.read_text(encoding="utf-8"))["floats"]) == 8


def test_cli_bad_html_exits_2(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body>nothing</body></html>", encoding="utf-8")
    proc = run_cli("html2md", str(bad))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "not LaTeXML output" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_text_after_a_comment_in_a_section_is_kept():
    html = ('<html><body><article class="ltx_document"><section class="ltx_section">'
            '<h2 class="ltx_title ltx_title_section">1 Start</h2>'
            '<div class="ltx_para"><p class="ltx_p">First paragraph here.</p></div>'
            '<!-- %a TeX comment LaTeXML kept -->Loose words after the comment.'
            '</section></article></body></html>')
    text = html_to_markdown(html).text
    assert "First paragraph here." in text and "Loose words after the comment." in text


def test_text_with_math_inside_a_display_keeps_its_tex_once():
    """``\\[\\text{for each $x\\in E$, $K[t]$.}\\]``: the math inside the text is its TeX, once,
    not the MathML's glyphs (with an invisible times) followed by the TeX again."""
    html = ('<html><body><article class="ltx_document"><table class="ltx_equation ltx_eqn_table"><tbody>'
            '<tr class="ltx_equation ltx_eqn_row"><td class="ltx_eqn_cell ltx_align_center">'
            '<span class="ltx_text ltx_markedasmath">for each <math class="ltx_Math" alttext="x\\in E" '
            'display="inline"><mi>x</mi><mo>∈</mo><mi>E</mi></math>, <math class="ltx_Math" alttext="K[t]" '
            'display="inline"><mi>K</mi><mo>\u2062</mo><mi>[t]</mi></math>.</span></td></tr></tbody></table>'
            '</article></body></html>')
    assert html_to_markdown(html).text.strip() == "\\[\\text{for each $x\\in E$, $K[t]$.}\\]"


def test_a_tikz_picture_inside_a_formula_is_left_out():
    # zksnarkfsm: LaTeXML's alttext of a formula holding a TikZ picture is the pgf driver code
    # of the whole drawing (60 of them made the markdown 5x the paper); the page prints a drawing
    from nougat_align.html2md.math import clean_tex

    drawing = ("\\leavevmode\\hbox to44.62pt{\\vbox to56.97pt{\\pgfpicture\\makeatletter"
               "\\pgfsys@beginscope\\pgfsys@moveto{-2.8pt}{-4.2pt}\\pgfsys@stroke"
               "\\pgfsys@endscope\\hss}\\endpgfpicture}}")
    tex = "(f\\otimes g);(\\scalebox{0.3}{ " + drawing + " }\\otimes id_{C})"
    assert clean_tex(tex) == "(f\\otimes g);(\\otimes id_{C})"
    assert clean_tex("a+" + drawing) == "a+"
    assert clean_tex("\\hbox{x}") == "\\hbox{x}"  # no picture: untouched


def test_a_tabular_nested_in_a_cell_is_read_once_inside_it():
    # fairb2b (siunitx paper): multi-line header cells are tabulars inside cells; their rows
    # were also read as rows of the outer table, so every such cell was printed twice
    from lxml import html as lxml_html
    from nougat_align.html2md.tables import tabular

    table = lxml_html.fromstring(
        '<table class="ltx_tabular"><tr><td class="ltx_td">Task</td><td class="ltx_td">'
        '<table class="ltx_tabular"><tr><td class="ltx_td">Average</td></tr>'
        '<tr><td class="ltx_td">time</td></tr></table></td></tr>'
        '<tr><td class="ltx_td">Read</td><td class="ltx_td">2.7</td></tr></table>')
    def cell(td):
        inner = td.find(".//table")
        return "[" + " / ".join(t.text_content() for t in inner.iter("td")) + "]" if inner is not None else td.text_content()

    rows = [line for line in tabular(table, cell).splitlines() if line.endswith("\\\\")]
    assert rows == ["Task & [Average / time] \\\\", "Read & 2.7 \\\\"]

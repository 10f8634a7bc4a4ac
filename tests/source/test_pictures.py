"""Picture stubs (bindings/pictures/) and the fast-then-full LaTeXML conversion, on the real
latexmlc with fixture sources of fixtures/sources/pictures/.

The fast conversion of a tiny document takes about a second; a full one that loads pgf
several (so the fallback case loads ``pgf`` alone, not tikz or pgfplotstable).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, require_tool
from nougat_align.html2md.convert import html_to_markdown
from nougat_align.source import health
from nougat_align.source import latexml as lx
from nougat_align.source.procs import GroupRun

PICTURES = FIXTURES / "sources" / "pictures"


@pytest.fixture(scope="module")
def drawings(tmp_path_factory):
    """pictures.tex (figure, pgfplots axis, inline \\tikz, pgfmath, tikz-cd) converted once."""
    require_tool("latexmlc")
    out = tmp_path_factory.mktemp("pictures") / "pictures.html"
    report = lx.latexml_to_html(PICTURES / "pictures.tex", out, timeout=300)
    return report, html_to_markdown(out)


def test_figure_caption_and_text_come_out_fast(drawings):
    report, md = drawings
    assert report.ok and report.latexml_mode == "fast" and not report.fallback_reason
    assert report.fast_seconds > 0 and report.full_seconds == 0 and report.seconds == report.fast_seconds
    # figure, axis, two \tikz, tikz-cd: five pictures read raw, none digested
    assert report.pictures_skipped == 5
    assert "The opening paragraph comes before any picture." in md.text
    assert "Figure 1 shows the model." in md.text
    captions = [f.caption for f in md.floats]
    assert any("An encoder feeding a decoder." in c for c in captions), captions
    # nothing of the picture's body: its node text, its \ref, its \foreach
    assert "Encoder" not in md.text and "Decoder" not in md.text and "??" not in md.text
    assert not report.undefined_macros and report.error_count == 0


def test_pgfplots_axis_is_skipped(drawings):
    _, md = drawings
    assert "The plot above is a parabola." in md.text
    assert "addplot" not in md.text and "xlabel" not in md.text and "f(x)" not in md.text


def test_inline_tikz_leaves_the_sentence(drawings):
    _, md = drawings
    assert "An inline mark sits in this sentence, and another." in md.text


def test_pgfmath_values_used_in_text(drawings):
    _, md = drawings
    assert "The ratio is 8.5 and half of nine is 4." in md.text
    assert "A third is 0.33333." in md.text  # as pgfmath prints it (a TeX dimension in pt)
    assert "Counting: [1][2][3] done." in md.text  # \foreach outside a picture


def test_tikzcd_diagram_is_skipped(drawings):
    _, md = drawings
    assert "A commutative square:" in md.text and "The closing paragraph follows the diagram." in md.text
    assert "arrow" not in md.text


def test_undefined_pgf_macro_falls_back_to_full(tmp_path):
    """``\\pgfpointorigin`` in the text: the stubs do not define it, the real pgf does
    (pgf alone: the cheapest of the pgf packages for LaTeXML to load in full)."""
    require_tool("latexmlc")
    out = tmp_path / "undefined.html"
    report = lx.latexml_to_html(PICTURES / "undefined.tex", out, timeout=300)
    assert report.ok and report.latexml_mode == "full"
    assert report.fallback_reason == "undefined in fast conversion: \\pgfpointorigin"
    assert report.fast_seconds > 0 and report.full_seconds > 0
    assert report.seconds == pytest.approx(report.fast_seconds + report.full_seconds, abs=0.02)
    assert "\\pgfpointorigin" not in report.undefined_macros  # the full one knew it
    assert report.pictures_skipped == 0  # the fallback skips picture bodies too: none here
    text = html_to_markdown(out).text
    assert "Before the point." in text and "After the point, the text goes on." in text
    assert lx.read_report(out) == report


def test_pgfplotstable_in_text_asks_for_the_full_conversion(tmp_path):
    """``\\pgfplotstabletypeset`` typesets a table from data: the stub says it cannot.
    (Only the fast run here: the full one loads pgfplotstable, minutes of LaTeXML.)"""
    require_tool("latexmlc")
    root = tmp_path / "src"
    root.mkdir()
    shutil.copy(PICTURES / "fallback.tex", root / "fallback.tex")
    fast = lx._attempt(shutil.which("latexmlc"), root / "fallback.tex", root, tmp_path / "fast.html",
                       120, 4096, lx.BIB_NONE, pictures=True)
    assert fast.ok and "pgfplotstable" in fast.health["stubs"]
    reason = health.fallback_reason(fast.health, fast.ok, fast.reason)
    assert reason == "picture stub: \\pgfplotstabletypeset needs pgfplotstable"


def test_unevaluated_pgfmath_value_is_a_problem_only_where_the_text_uses_it(tmp_path):
    """pictures.tex sets \\halfwidth from \\linewidth (not plain arithmetic) for a picture
    only: no fallback there (test above).  lazy.tex prints such a value: fallback."""
    require_tool("latexmlc")
    root = tmp_path / "src"
    root.mkdir()
    shutil.copy(PICTURES / "lazy.tex", root / "lazy.tex")
    fast = lx._attempt(shutil.which("latexmlc"), root / "lazy.tex", root, tmp_path / "fast.html",
                       120, 4096, lx.BIB_NONE, pictures=True)
    assert fast.ok
    reason = health.fallback_reason(fast.health, fast.ok, fast.reason)
    assert reason.startswith("picture stub: \\scale from \\pgfmathsetmacro could not be evaluated"), reason


def test_full_failure_keeps_the_fast_document(tmp_path, monkeypatch):
    """The full conversion times out: the fast HTML is kept, and the report says so."""
    require_tool("latexmlc")
    real = lx._attempt

    def full_times_out(*args, pictures=False, **kwargs):
        if pictures:
            return real(*args, pictures=pictures, **kwargs)
        return lx._Attempt(run=GroupRun(None, 1.0, True, ""), health=health.parse_log(""),
                           html_bytes=b"", reason=lx.REASON_TIMEOUT, detail="stopped after 1 s")

    monkeypatch.setattr(lx, "_attempt", full_times_out)
    out = tmp_path / "undefined.html"
    report = lx.latexml_to_html(PICTURES / "undefined.tex", out, timeout=300)
    assert report.ok and report.latexml_mode == "fast" and out.is_file()
    assert report.fallback_reason.startswith("undefined in fast conversion")
    assert report.detail.startswith("full conversion failed (latexml timeout")
    assert report.full_seconds == 1.0 and report.pictures_skipped == 0
    assert "Before the point." in html_to_markdown(out).text


def test_no_picture_package_means_no_stub_and_no_fallback():
    log = "\n".join(["(Loading /usr/share/perl5/LaTeXML/Package/graphicx.sty.ltxml... 0.03 sec)",
                     "Conversion complete: 1 undefined macro[\\tikzfoo]"])
    h = health.parse_log(log)
    assert h["stubs"] == [] and health.fallback_reason(h, True) == ""
    assert health.fallback_reason(h, False, "latexml timeout") == ""  # the full one is the same run


def test_parse_log_reads_our_bindings_messages():
    log = "\n".join([
        "(Loading /x/nougat_align/source/bindings/pictures/tikz.sty.ltxml...",
        "(Loading /x/nougat_align/source/bindings/pictures/nougat-pictures.sty.ltxml... 0.1 sec)",
        "Info:nougat:picture-skipped {tikzpicture} at a.tex; line 9 col 0",
        "Info:nougat:picture-skipped \\tikz at a.tex; line 12 col 4",
        "Warning:nougat:expl3 siunitx requested expl3 (not loaded) at a.tex; line 3 col 0",
        "Warning:nougat:expl3 xparse requested expl3 (not loaded)",
        "Warning:nougat:picture \\pgfmathsetmacro could not evaluate 'foo(2)' at a.tex; line 5 col 1",
        "Conversion complete: 3 warnings; 1 undefined macro[\\pgfplotstabletypeset]"])
    h = health.parse_log(log)
    assert h["stubs"] == ["nougat-pictures", "tikz"] and h["skipped"] == 2
    assert h["expl3"] == ["siunitx", "xparse"]
    assert h["picture"] == ["\\pgfmathsetmacro could not evaluate 'foo(2)'"]
    assert health.fallback_reason(h, True) == "picture stub: \\pgfmathsetmacro could not evaluate 'foo(2)'"
    h["picture"] = []
    assert health.fallback_reason(h, True) == "undefined in fast conversion: \\pgfplotstabletypeset"
    assert health.fallback_reason(h, False, "latexml fatal error") == \
        "fast conversion failed: latexml fatal error"
    assert health.fallback_reason(h, False, health.REASON_TIMEOUT) == ""  # the full one is slower


def test_full_conversion_has_no_stubs_on_its_path(tmp_path, monkeypatch):
    """The fast run puts bindings/pictures/ first on --path, the fallback leaves it out (and
    preloads nougat-skip-pictures)."""
    calls = []

    def fake_group(cmd, cwd, log, timeout):
        calls.append(list(cmd))
        raise RuntimeError("stop")

    monkeypatch.setattr(lx, "run_group", fake_group)
    for pictures, skip in ((True, False), (False, True)):
        with pytest.raises(RuntimeError):
            lx._run_latexmlc("latexmlc", tmp_path / "a.tex", tmp_path, tmp_path / "a.html", 10, 0,
                             lx.BIB_NONE, pictures=pictures, skip=skip)
    paths = [[c for c in cmd if c.startswith("--path=")] for cmd in calls]
    assert paths[0][:2] == [f"--path={lx.PICTURES}", f"--path={lx.BINDINGS}"]
    assert f"--path={lx.PICTURES}" not in paths[1] and paths[1][0] == f"--path={lx.BINDINGS}"
    # the fallback skips picture bodies from \\begin{document} on; the fast run has the stubs
    assert lx.SKIP_PICTURES in calls[1] and lx.SKIP_PICTURES not in calls[0]

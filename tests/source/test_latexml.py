"""source/latexml.py: unpacking arXiv sources, finding the main file, running the real latexmlc.

Real conversions are few and shared (module-scoped fixtures): LaTeXML needs about a second
per tiny document, more on a loaded machine.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import FIXTURES, require_tool
from nougat_align.source import health, latexml as lx
from nougat_align.source import archive as sources
from nougat_align.errors import InputError, ToolError

SOURCES = FIXTURES / "sources"


# ------------------------------------------------------------------ pure python -----------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


PAPER = "\\documentclass{article}\n\\begin{document}\nText.\n\\end{document}\n"


def test_fixture_archives_are_reproducible(tmp_path):
    """make_sources.py regenerates exactly the committed archives."""
    copy = tmp_path / "sources"
    shutil.copytree(SOURCES, copy, ignore=shutil.ignore_patterns("*.gz", "pdfonly.pdf", "*.tar"))
    subprocess.run([sys.executable, str(copy / "make_sources.py")], check=True,
                   capture_output=True)
    for name in ("single.gz", "multi.tar.gz", "readme.tar.gz", "nomain.tar.gz",
                 "notlatex.gz", "pdfonly.pdf", "pdfonly.gz", "bulk/arXiv_src_2301_001.tar",
                 "bulk/arXiv_pdf_2301_001.tar"):
        assert (copy / name).read_bytes() == (SOURCES / name).read_bytes(), name


def test_main_file_skips_commented_documentclass(tmp_path):
    _write(tmp_path, {"notes.tex": "% \\documentclass{article}\n% \\begin{document}\nnotes\n",
                      "paper.tex": PAPER})
    assert lx.find_main_file(tmp_path).path == "paper.tex"


def test_main_file_comment_environment_is_ignored(tmp_path):
    _write(tmp_path, {"old.tex": "\\begin{comment}\n" + PAPER + "\\end{comment}\n",
                      "new.tex": PAPER})
    assert lx.find_main_file(tmp_path).path == "new.tex"


def test_main_file_prefers_the_one_not_input_by_another(tmp_path):
    # a.tex is the larger and alphabetically first, but b.tex \input's it
    _write(tmp_path, {"a.tex": PAPER + "% " + "x" * 500 + "\n",
                      "b.tex": "\\documentclass{article}\n\\begin{document}\n\\input{a}\n\\end{document}\n"})
    main = lx.find_main_file(tmp_path)
    assert main.path == "b.tex"
    assert main.reason == "not \\input by another file"
    assert set(main.candidates) == {"a.tex", "b.tex"}


def test_main_file_follows_input_for_begin_document(tmp_path):
    # \begin{document} lives in an \input file: still a candidate
    _write(tmp_path, {"top.tex": "\\documentclass{article}\n\\input{body}\n",
                      "body.tex": "\\begin{document}\nHello.\n\\end{document}\n"})
    assert lx.find_main_file(tmp_path).path == "top.tex"


def test_main_file_standalone_template_and_names(tmp_path):
    _write(tmp_path, {"fig1.tex": "\\documentclass{standalone}\n\\begin{document}x\\end{document}\n",
                      "template.tex": PAPER + "%" + "y" * 900 + "\n",
                      "ms.tex": PAPER,
                      "zeta.tex": PAPER})
    main = lx.find_main_file(tmp_path)
    assert main.path == "ms.tex" and main.reason == "main-like file name"


def test_main_file_prefers_the_top_folder(tmp_path):
    # mocatrace: IEEEtran's bundled template in sty/ is larger than the paper, which loads
    # its sections through its own \Input macro (not followed as an \input)
    _write(tmp_path, {"sty/bare_conf.tex": PAPER + "%" + "y" * 900 + "\n" + "z" * 900 + "\n",
                      "moca.tex": PAPER.replace("\\begin{document}", "\\newcommand{\\Input}[1]{\\input{tex/#1}}\n\\begin{document}\\Input{intro}"),
                      "tex/intro.tex": "Intro text.\n"})
    main = lx.find_main_file(tmp_path)
    assert main.path == "moca.tex" and main.reason == "in the top folder"


def test_main_file_versions_of_a_main_name(tmp_path):
    # a repository with two versions (commlm: paper.tex and the final paper1.tex; monolithmig:
    # main.tex and main_access.tex): both are main-like, the larger (newer) one wins
    _write(tmp_path, {"main.tex": PAPER, "main_access.tex": PAPER + "%" + "y" * 900 + "\n",
                      "cover-letter.tex": PAPER + "%" + "z" * 2000 + "\n"})
    main = lx.find_main_file(tmp_path)
    assert main.path == "main_access.tex" and main.reason == "largest"


def test_main_file_is_not_a_latexdiff_output(tmp_path):
    # latexdiff's file of changes is the larger one, but it prints both versions, not the paper
    diff = PAPER.replace("\\begin{document}", "%DIF PREAMBLE EXTENSION ADDED BY LATEXDIFF\n\\begin{document}")
    _write(tmp_path, {"paper_v2.tex": PAPER, "diff.tex": "%DIF LATEXDIFF DIFFERENCE FILE\n" + diff + "x" * 900})
    main = lx.find_main_file(tmp_path)
    assert main.path == "paper_v2.tex" and main.reason == "not a latexdiff output"


def test_main_file_bbl_and_largest(tmp_path):
    _write(tmp_path, {"short.tex": PAPER, "long.tex": PAPER + "More text.\n" * 20})
    assert lx.find_main_file(tmp_path).path == "long.tex"
    assert lx.find_main_file(tmp_path).reason == "largest"
    (tmp_path / "short.bbl").write_text("\\begin{thebibliography}{1}\\end{thebibliography}\n")
    assert lx.find_main_file(tmp_path).path == "short.tex"


def test_main_file_readme_hint_wins(tmp_path):
    root, _ = lx.unpack_source(SOURCES / "readme.tar.gz", tmp_path / "u")
    main = lx.find_main_file(root)
    assert main.path == "final.tex"
    assert main.candidates == ("final.tex",)  # main.tex is marked `ignore`
    (root / "00README.XXX").write_text("final.tex toplevelfile\n")
    main = lx.find_main_file(root)
    assert (main.path, main.reason) == ("final.tex", "00README toplevelfile")
    (root / "00README.XXX").unlink()
    assert lx.find_main_file(root).path == "main.tex"  # without the hint: the name wins


def test_main_file_readme_json(tmp_path):
    _write(tmp_path, {"main.tex": PAPER, "other.tex": PAPER,
                      "00README.json": json.dumps({"sources": [
                          {"filename": "other.tex", "usage": "toplevel"}]})})
    assert lx.find_main_file(tmp_path).path == "other.tex"


def test_main_file_in_multi_archive(tmp_path):
    root, skipped = lx.unpack_source(SOURCES / "multi.tar.gz", tmp_path / "u")
    assert root.name == "multi" and skipped == []
    main = lx.find_main_file(root)
    assert main.path == "main.tex"
    assert set(main.candidates) == {"main.tex", "plot.tex", "template.tex"}


def test_no_main_file(tmp_path):
    root, _ = lx.unpack_source(SOURCES / "nomain.tar.gz", tmp_path / "u")
    with pytest.raises(InputError, match="no main file"):
        lx.find_main_file(root)


def test_unpack_detects_content_not_name(tmp_path):
    """arXiv files often have no extension: a gzipped tar and a gzipped .tex by content."""
    tarball = tmp_path / "2401.00001"
    shutil.copy(SOURCES / "multi.tar.gz", tarball)
    root, _ = lx.unpack_source(tarball, tmp_path / "a")
    assert (root / "sections" / "intro.tex").is_file()
    single = tmp_path / "2401.00002"
    shutil.copy(SOURCES / "single.gz", single)
    root, _ = lx.unpack_source(single, tmp_path / "b")
    assert [p.name for p in root.iterdir()] == ["2401.00002.tex"]
    assert "Tide Tables" in (root / "2401.00002.tex").read_text()


def test_unpack_refuses_path_traversal(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in (("../evil.tex", b"owned"), ("/abs.tex", b"owned"),
                           ("ok/main.tex", PAPER.encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("ok/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
        link = tarfile.TarInfo("ok/alias.tex")
        link.type, link.linkname = tarfile.SYMTYPE, "main.tex"
        tf.addfile(link)
    src = tmp_path / "evil.tar.gz"
    src.write_bytes(buf.getvalue())
    dest = tmp_path / "deep" / "u"
    root, skipped = lx.unpack_source(src, dest)
    assert sorted(skipped) == ["../evil.tex", "/abs.tex", "ok/passwd"]
    assert not (tmp_path / "deep" / "evil.tex").exists()
    assert sorted(p.name for p in root.iterdir()) == ["alias.tex", "main.tex"]
    assert not (root / "alias.tex").is_symlink()  # an inside link becomes a copy


@pytest.mark.parametrize("name, reason", [
    ("pdfonly.pdf", lx.REASON_PDF_ONLY),
    ("pdfonly.gz", lx.REASON_PDF_ONLY),
    ("notlatex.gz", lx.REASON_NOT_LATEX),
])
def test_unpack_refuses_non_latex(tmp_path, name, reason):
    with pytest.raises(InputError) as info:
        lx.unpack_source(SOURCES / name, tmp_path / "u")
    assert info.value.reason == reason
    assert "\n" not in str(info.value)


def test_unpack_corrupt_archive(tmp_path):
    data = (SOURCES / "multi.tar.gz").read_bytes()
    bad = tmp_path / "cut.tar.gz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as info:
        lx.unpack_source(bad, tmp_path / "u")
    assert info.value.reason == lx.REASON_BAD_ARCHIVE


def test_unpack_stops_a_decompression_bomb(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(InputError) as info:
        lx.unpack_source(SOURCES / "notlatex.gz", tmp_path / "u")  # 4096 bytes inside
    assert info.value.reason == lx.REASON_TOO_LARGE
    assert [p.name for p in tmp_path.iterdir()] == ["u"]  # no payload left behind


def test_parse_log_counts_and_missing():
    log = "\n".join([
        "Warning:missing_file:foo Can't find binding for package foo at a.tex; line 3 col 1",
        "Error:undefined:\\code The token T_CS[\\code] is not defined. at a.tex; line 9",
        "Error:missing_file:sections/x Can't find TeX file sections/x at a.tex; line 8",
        "Warning:missing_file:foo Can't find package foo at String; line 0 col 0",
        "Warning:missing_file:acm Can't find binding for class acm at a.tex; line 1 col 0",
        "Error:missing_file:refs Couldn't find Bibliography 'refs' at Post::MakeBibliography",
        "Conversion complete: 1 warning; 2 errors; 1 undefined macro[\\code]; "
        "2 missing files[sections/x, foo.sty] (See a.latexml.log)",
        "Status:conversion:2"])
    h = health.parse_log(log)
    assert (h["warnings"], h["errors"], h["status"], h["fatal"]) == (1, 2, 2, "")
    assert h["packages"] == ["acm.cls", "foo.sty"]
    assert h["files"] == ["refs.bib", "sections/x"]
    assert h["undefined"] == ["\\code"]
    assert lx.count_ltx_errors('<span class="ltx_ERROR undefined">\\code</span>'
                               '<span class="ltx_text">x</span><p class="ltx_ERROR">') == 2


def test_report_round_trip():
    r = lx.ConversionReport(source="a.tar.gz", ok=True, html="a.html", main_file="main.tex",
                            candidates=("main.tex", "x.tex"), seconds=1.5, error_count=2,
                            missing_packages=("foo.sty",), returncode=0)
    assert lx.ConversionReport.from_dict(json.loads(json.dumps(r.to_dict()))) == r


# ------------------------------------------------------------------ real latexmlc ---------


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Every supported packaging through the real latexmlc, once for the whole module."""
    require_tool("latexmlc")
    out = tmp_path_factory.mktemp("html")
    reports = {}
    for name in ("single.tex", "single.gz", "multi.tar.gz", "multidir"):
        html = out / (name.split(".")[0] + "-" + name.replace(".", "_") + ".html")
        reports[name] = lx.latexml_to_html(SOURCES / name, html, timeout=300)
    return reports


@pytest.mark.parametrize("name, phrases", [
    ("single.tex", ["Tide Tables for a Small Harbour", "nine minutes"]),
    ("single.gz", ["Tide Tables for a Small Harbour", "nine minutes"]),
    ("multi.tar.gz", ["Sorting Seashells", "gather in bands", "We weighed every shell", "drift further"]),
    ("multidir", ["Sorting Seashells", "gather in bands", "We weighed every shell", "drift further"]),
])
def test_conversion_of_each_packaging(converted, name, phrases):
    report = converted[name]
    assert report.ok and report.reason == "" and report.has_article
    html = Path(report.html).read_text(encoding="utf-8")
    assert "<article" in html
    for phrase in phrases:
        assert phrase in html
    assert "Generated on" not in html  # --timestamp=0: reproducible HTML
    assert report.error_count == 0 and report.missing_packages == ()
    assert report.latexml_version and report.seconds > 0
    side = lx.read_report(Path(report.html))
    assert side == report


def test_conversion_keeps_tex_in_alttext(converted):
    html = Path(converted["single.tex"].html).read_text(encoding="utf-8")
    assert 'alttext="h(t)=\\sum_{k=1}^{K}a_{k}\\cos(\\omega_{k}t+\\phi_{k})"' in html
    html = Path(converted["multi.tar.gz"].html).read_text(encoding="utf-8")
    assert "alttext=\"\\bar{w}_{i}=\\frac{1}{n_{i}}" in html
    assert converted["multi.tar.gz"].main_file == "main.tex"
    # the runner-up is the blank template; the standalone figure comes last
    assert converted["multi.tar.gz"].main_reason == "file name not a side file"
    assert converted["multi.tar.gz"].candidates == ("main.tex", "template.tex", "plot.tex")


def test_fatal_error_is_a_tool_error(tmp_path):
    require_tool("latexmlc")
    out = tmp_path / "fatal.html"
    with pytest.raises(ToolError) as info:
        lx.latexml_to_html(SOURCES / "fatal.tex", out, timeout=300)
    report = info.value.report
    assert report.reason == lx.REASON_FATAL and "too_many_errors" in report.fatal
    assert not out.exists()
    assert lx.read_report(out).reason == lx.REASON_FATAL
    assert "\n" not in str(info.value)


def test_timeout_kills_latexml(tmp_path):
    require_tool("latexmlc")
    src = tmp_path / f"slow_{os.getpid()}_{tmp_path.name}.tex"  # a name no other run uses
    shutil.copy(SOURCES / "slow.tex", src)
    out = tmp_path / "slow.html"
    report = lx.latexml_to_html(src, out, timeout=4, check=False)
    assert not report.ok and report.reason == lx.REASON_TIMEOUT
    assert report.seconds < 30
    assert not out.exists()  # latexmlc writes a partial HTML when stopped: never kept
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert src.name not in ps  # the whole process tree is gone


def test_memory_limit_stops_latexml(tmp_path):
    require_tool("latexmlc")
    out = tmp_path / "hungry.html"
    report = lx.latexml_to_html(SOURCES / "hungry.tex", out, timeout=120, memory_mb=400,
                                check=False)
    assert not report.ok and report.reason == lx.REASON_MEMORY, report
    assert not out.exists()


@pytest.mark.parametrize("name, reason", [
    ("nomain.tar.gz", lx.REASON_NO_MAIN),
    ("notlatex.gz", lx.REASON_NOT_LATEX),
    ("pdfonly.pdf", lx.REASON_PDF_ONLY),
    ("pdfonly.gz", lx.REASON_PDF_ONLY),
])
def test_bad_sources_record_reason(tmp_path, name, reason):
    require_tool("latexmlc")
    out = tmp_path / "paper.html"
    with pytest.raises(InputError) as info:
        lx.latexml_to_html(SOURCES / name, out)
    assert info.value.report.reason == reason
    assert lx.read_report(out).reason == reason and not out.exists()
    assert lx.latexml_to_html(SOURCES / name, out, check=False).reason == reason


def _cli(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from nougat_align.cli import main; sys.argv[0] = 'nougat-align'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)


def test_cli_failure_is_one_line_exit_2(tmp_path):
    require_tool("latexmlc")
    proc = _cli("latexml", str(SOURCES / "pdfonly.gz"), "-o", str(tmp_path / "p.html"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "pdf-only submission" in lines[0]
    assert (tmp_path / "p.latexml.json").is_file()


def test_cli_converts(tmp_path):
    require_tool("latexmlc")
    proc = _cli("latexml", str(SOURCES / "single.tex"), "-o", str(tmp_path / "p.html"))
    assert proc.returncode == 0, proc.stderr
    assert "0 ltx_ERROR" in proc.stderr and "single.tex" in proc.stderr
    assert "<article" in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_cli_help_lists_latexml():
    proc = _cli("latexml", "--help")
    assert proc.returncode == 0 and "--timeout" in proc.stdout and "--memory-mb" in proc.stdout


def test_ensure_html_caches_success_and_failure(tmp_path, monkeypatch):
    require_tool("latexmlc")
    cache = tmp_path / "cache"
    src = tmp_path / "2401.00003"  # an arXiv-style name without extension
    shutil.copy(SOURCES / "single.gz", src)
    html, first = lx.ensure_html(src, cache, timeout=300)
    assert first.ok and not first.cached and html.is_file()
    mtime = html.stat().st_mtime_ns

    def no_run(*args, **kwargs):
        raise AssertionError("latexmlc ran again on a cached source")

    monkeypatch.setattr(lx, "_run_latexmlc", no_run)
    monkeypatch.setattr(lx, "unpack_source", no_run)
    again_html, again = lx.ensure_html(src, cache, timeout=300)
    assert again_html == html and again.cached and html.stat().st_mtime_ns == mtime
    assert again.error_count == first.error_count

    # a known-bad source fails from the cache without unpacking again ...
    monkeypatch.undo()
    bad = tmp_path / "bad.gz"
    shutil.copy(SOURCES / "pdfonly.gz", bad)
    with pytest.raises(InputError):
        lx.ensure_html(bad, cache)
    monkeypatch.setattr(lx, "unpack_source", no_run)
    with pytest.raises(InputError) as info:
        lx.ensure_html(bad, cache)
    assert info.value.report.cached and info.value.report.reason == lx.REASON_PDF_ONLY
    # ... unless forced
    with pytest.raises(AssertionError, match="ran again"):
        lx.ensure_html(bad, cache, force=True)


def test_ensure_html_retries_timeout_with_larger_limit(tmp_path, monkeypatch):
    require_tool("latexmlc")
    cache = tmp_path / "cache"
    html, report = lx.ensure_html(SOURCES / "slow.tex", cache, timeout=3, check=False)
    assert report.reason == lx.REASON_TIMEOUT
    calls = []

    def fake_run(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("would convert")

    monkeypatch.setattr(lx, "_run_latexmlc", fake_run)
    _, cached = lx.ensure_html(SOURCES / "slow.tex", cache, timeout=3, check=False)
    assert cached.cached and calls == []
    with pytest.raises(RuntimeError, match="would convert"):
        lx.ensure_html(SOURCES / "slow.tex", cache, timeout=10)


def test_missing_latexmlc_is_a_tool_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError, match="latexmlc not found"):
        lx.latexml_to_html(SOURCES / "single.tex", tmp_path / "x.html")
    assert not (tmp_path / "x.latexml.json").exists()


# ------------------------------------------------------------------ bulk tars, bibliography --


def test_bulk_tar_members_listed_in_place_and_read_by_offset():
    archive = SOURCES / "bulk" / "arXiv_src_2301_001.tar"
    assert sources.is_bulk_tar(archive)
    assert not sources.is_bulk_tar(SOURCES / "bulk" / "arXiv_pdf_2301_001.tar")  # PDFs only
    assert not sources.is_bulk_tar(SOURCES / "multi.tar.gz")  # one submission
    members = list(sources.bulk_members(archive))
    assert [m.stem for m in members] == ["2301.00011", "2301.00012", "2301.00013", "2301.00014"]
    assert all(m.offset > 0 for m in members)
    assert sources.read_member(members[1]) == (SOURCES / "single.gz").read_bytes()


def test_cli_converts_a_bulk_tar_member_by_member(tmp_path):
    """.bbl-only bibliography used as the PDF printed it; single .tex; PDF-only and corrupt
    members reported with their reason and the others still converted."""
    require_tool("latexmlc")
    out = tmp_path / "html"
    r = subprocess.run([sys.executable, "-m", "nougat_align", "latexml",
                        str(SOURCES / "bulk" / "arXiv_src_2301_001.tar"), "-o", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "2/4 sources converted" in r.stderr
    reports = {p.name.split(".latexml")[0]: lx.read_report(p) for p in out.glob("*.latexml.json")}
    assert reports["2301.00011"].ok and reports["2301.00011"].bibliography_source == "bbl"
    assert reports["2301.00011"].source.endswith("arXiv_src_2301_001.tar:2301/2301.00011.gz")
    html = (out / "2301.00011.html").read_text()
    assert "only the submitted bbl file describes" in html
    assert "Zebra,," not in html  # apalike labels read as natbib reads them (LaTeXML 0.8.7 bug)
    assert reports["2301.00012"].ok and reports["2301.00012"].bibliography_source == "none"
    assert reports["2301.00013"].reason == lx.REASON_PDF_ONLY
    assert reports["2301.00014"].reason == lx.REASON_BAD_ARCHIVE
    assert not (out / "2301.00013.html").exists() and not (out / "2301.00014.html").exists()


def test_bib_without_bbl_gets_a_bbl_from_bibtex(tmp_path):
    """A .bib but no .bbl: pdflatex + bibtex make the .bbl the PDF was built with."""
    require_tool("latexmlc", "pdflatex", "bibtex")
    src = tmp_path / "src"
    shutil.copytree(SOURCES / "bibdir", src)
    report = lx.latexml_to_html(src, tmp_path / "out.html")
    assert report.bibliography_source == "bibtex"
    html = (tmp_path / "out.html").read_text()
    assert "Fog logs kept by lighthouse keepers" in html  # plain.bst's casing: BibTeX's, not LaTeXML's
    assert sorted(p.name for p in src.iterdir()) == ["main.tex", "refs.bib"]  # source untouched


def test_time_limit_grows_with_the_tex_size(tmp_path):
    _write(tmp_path, {"a.tex": "x" * 1000})
    assert lx.time_limit(600, tmp_path) == 600
    _write(tmp_path, {"b.tex": "x" * (3 * lx.TEX_BYTES_PER_BASE_LIMIT)})
    assert 600 * 2.9 < lx.time_limit(600, tmp_path) <= 600 * lx.MAX_LIMIT_SCALE
    _write(tmp_path, {"c.tex": "x" * (10 * lx.TEX_BYTES_PER_BASE_LIMIT)})
    assert lx.time_limit(600, tmp_path) == 600 * lx.MAX_LIMIT_SCALE

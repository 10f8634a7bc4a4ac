"""The CLI shell: help shows every command and option (flags as flags); every usage error,
bad input and missing extra is one line on stderr with exit 2; outputs never destroy what
the tool did not write; exit codes scripts can trust; a fast start."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command

from conftest import PAPERS, ROOT
from nougat_align import __version__
from nougat_align.cli import EXIT_PAPERS_FAILED, app, main
from nougat_align.records import PaperMeta

COMMAND = get_command(app)
NAMES = sorted(COMMAND.commands)
BASIC = PAPERS / "basic"
FAST = ["--figures", "none", "--no-images"]


def cli(capsys, *args) -> tuple[int, str, str]:
    """Run ``nougat-align ARGS`` in this process through ``main``: (exit code, stdout, stderr)."""
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert "error:" in err


# ------------------------------------------------------------------------- help -------


def test_all_commands_are_there():
    assert set(NAMES) == {"html2md", "split", "figures", "latexml", "run", "index", "eval", "view"}


@pytest.mark.parametrize("name", NAMES)
def test_every_command_and_option_has_help_and_flags_show_as_flags(name, capsys):
    cmd = COMMAND.commands[name]
    assert cmd.help, name
    options = [p for p in cmd.params if p.param_type_name == "option"]
    assert options, name
    for param in options:
        assert param.help, f"{name} {param.opts}"
    code, out, err = cli(capsys, name, "--help")
    assert code == 0 and out.startswith(f"Usage: nougat-align {name} "), out
    for param in options:
        assert param.opts[-1] in out, f"{name}: {param.opts} not in --help"
    assert "<bool>" not in out  # a flag takes no value
    if name == "run":
        assert f"Exits {EXIT_PAPERS_FAILED} when some papers failed" in out


def test_version_and_bare_help(capsys):
    assert cli(capsys, "--version")[:2] == (0, f"nougat-align {__version__}\n")
    code, out, err = cli(capsys, "--help")
    assert code == 0 and "Commands:" in out and "Exit status:" in out
    assert "<bool>" not in out and "<int>" not in out  # -v counts, --version is a flag
    code, out, err = cli(capsys)  # bare: the overview, but as a usage error
    assert code == 2 and "Commands:" in out


# ----------------------------------------------------------------- usage errors -------


@pytest.mark.parametrize("args", [
    ["bogus"],
    ["-v", "2", "index"],
    ["--bogus"],
    ["html2md"],
    ["html2md", "a.html", "--bogus"],
    ["latexml", "src.tex"],  # no -o
    ["latexml", "src.tex", "-o", "x.html", "--timeout", "soon"],
    ["split", "--pdf", "a.pdf", "-o", "out", "--min-score", "2"],
    ["split", "--pdf", "a.pdf", "-o", "out", "--no-images", "true"],
    ["split", "--pdf", "a.pdf", "-o", "out", "--dpi", "5"],
    ["eval"],
    ["eval", "--pred", "p", "--truth"],
    ["figures"],
    ["figures", "a.pdf", "--dpi", "x"],
    ["run"],
    ["run", "--bogus"],
    ["run", "-o", "out", "--workers", "0"],
    ["index"],
    ["index", "d", "-o", "x.jsonl", "--seed", "abc"],
    ["index", "d", "-o", "x.jsonl", "--shard-rows", "0"],
    ["view"],
    ["view", "out", "--workers", "0"],
], ids=lambda a: " ".join(a))
def test_usage_errors_are_one_line_exit_2(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, *args)
    assert_one_line_error(code, err)
    assert "--help" in err  # where to look next
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_folder_given_for_a_file_says_so(capsys, tmp_path):
    for args in (["figures", tmp_path], ["html2md", tmp_path],
                 ["split", "--pdf", tmp_path, "--html", BASIC / "paper.html", "-o", tmp_path / "out"]):
        code, _, err = cli(capsys, *args)
        assert_one_line_error(code, err)
        assert "is a directory" in err, err


@pytest.mark.parametrize("args", [
    ["html2md", "missing.html"],
    ["split", "--pdf", BASIC / "paper.pdf", "-o", "out"],  # neither --html nor --md
    ["split", "--pdf", "missing.pdf", "--html", BASIC / "paper.html", "-o", "out"],
    ["figures", "."],  # a folder, not a PDF
    ["eval", "--pred", "missing", "--truth", "missing"],
    ["latexml", "missing.tex", "-o", "x.html"],
    ["run", "--input", "missing", "-o", "out"],
    ["index", "missing", "-o", "train.jsonl"],
    ["index", "--split", "validation=2", ".", "-o", "train.jsonl"],
    ["index", ".", "-o", "x.jsonl", "--style", "fancy"],
    ["view", "missing"],
], ids=lambda a: " ".join(map(str, a)))
def test_bad_input_is_one_line_exit_2(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(*cli(capsys, *args)[::2])


def _fake_run_output(out: Path) -> Path:
    """A run's output folder with one paper whose meta.json keeps no page."""
    meta = PaperMeta(paper_id="p1", tool="nougat-align", version=__version__, pdf="p1.pdf", pdf_sha256=None,
                     markdown_sha256="0" * 64, num_pages=0, kept=0, status="failed", dpi=None)
    (out / "p1").mkdir(parents=True)
    (out / "p1" / "meta.json").write_text(meta.to_json(), encoding="utf-8")
    return out


def test_missing_extra_names_the_extra(capsys, tmp_path, monkeypatch):
    out = _fake_run_output(tmp_path / "out")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` fails as if not installed
    code, _, err = cli(capsys, "index", out, "-o", tmp_path / "train.jsonl", "--parquet", tmp_path / "pq")
    assert_one_line_error(code, err)
    assert "pip install 'nougat-align[parquet]'" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no index, no temp files

    (tmp_path / "in").mkdir()
    monkeypatch.setitem(sys.modules, "distributed", None)
    code, _, err = cli(capsys, "run", "--input", tmp_path / "in", "-o", tmp_path / "run", "--dask", "local", "-q")
    assert_one_line_error(code, err)
    assert "pip install 'nougat-align[cluster]'" in err


# --------------------------------------------------------------- output safety -------


@pytest.fixture(scope="module")
def split_args() -> list:
    return ["split", "--pdf", BASIC / "paper.pdf", "--html", BASIC / "paper.html", *FAST]


def test_split_refuses_a_folder_of_other_files(split_args, capsys, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "important.txt").write_text("x")
    assert_one_line_error(*cli(capsys, *split_args, "-o", d)[::2])
    assert sorted(p.name for p in d.iterdir()) == ["important.txt"]
    assert (d / "important.txt").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # no temp or .old folders left


def test_split_refuses_a_file_as_output_folder(split_args, capsys, tmp_path):
    f = tmp_path / "existing_file.tex"
    f.write_text("\\documentclass{article}")
    code, _, err = cli(capsys, *split_args, "-o", f)
    assert_one_line_error(code, err)
    assert "is a file" in err
    assert f.read_text() == "\\documentclass{article}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing_file.tex"]


def test_split_into_cwd_and_again_replaces_only_its_own_files(split_args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, *split_args, "-o", ".")
    assert code == 0, err
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != "timings.json"}
    assert "meta.json" in first and "01.mmd" in first
    (tmp_path / "09.mmd").write_text("a page of an earlier split of a longer paper")
    code, _, err = cli(capsys, *split_args, "-o", ".")
    assert code == 0, err
    again = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != "timings.json"}
    assert again == first  # same bytes; the stale page is gone, no temp folder left
    assert (tmp_path / "timings.json").exists()
    (tmp_path / "notes.txt").write_text("mine")
    assert_one_line_error(*cli(capsys, *split_args, "-o", ".")[::2])
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "meta.json").exists()


def test_other_outputs_refuse_the_wrong_kind_of_path(capsys, tmp_path):
    folder, file = tmp_path / "folder", tmp_path / "file.txt"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    file.write_text("mine")
    pdf = PAPERS / "floats" / "paper.pdf"
    for args in (["html2md", BASIC / "paper.html", "-o", folder],
                 ["latexml", PAPERS / "basic" / "paper.tex", "-o", folder],  # refused before LaTeXML runs
                 ["html2md", BASIC / "paper.html", "--floats", folder],
                 ["figures", pdf, "--crops", file],
                 ["figures", pdf, "-o", folder],
                 ["index", _fake_run_output(tmp_path / "out"), "-o", folder],
                 ["run", "--input", tmp_path / "out", "-o", folder],  # a folder that is not a run's
                 ["run", "--input", tmp_path / "out", "-o", file]):
        assert_one_line_error(*cli(capsys, *args)[::2])
    assert [p.name for p in folder.iterdir()] == ["keep.txt"] and file.read_text() == "mine"


# ------------------------------------------------------------------- exit codes -------


def test_run_exit_code_says_whether_papers_failed(capsys, tmp_path):
    dump = tmp_path / "in"
    dump.mkdir()
    shutil.copy(BASIC / "paper.pdf", dump / "2301.00001.pdf")
    shutil.copy(BASIC / "paper.html", dump / "2301.00001.html")
    args = ["run", "--input", dump, "-o", tmp_path / "out", "--workers", "1", "-q", *FAST]
    code, _, err = cli(capsys, *args)
    assert code == 0, err
    shutil.copy(BASIC / "paper.pdf", dump / "2301.00002.pdf")  # no HTML, no source: fails
    code, _, err = cli(capsys, *args)
    assert code == EXIT_PAPERS_FAILED, err
    assert "failed 1" in err and "Traceback" not in err


def test_index_refuses_a_folder_that_is_not_run_output(capsys, tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.png").write_bytes(b"png")
    code, _, err = cli(capsys, "index", tmp_path, "-o", tmp_path / "train.jsonl")
    assert_one_line_error(code, err)
    assert "not the output of nougat-align run" in err
    assert not (tmp_path / "train.jsonl").exists()


def test_run_ids_are_unique_without_waiting(tmp_path):
    from nougat_align.run.batch import Settings, run_batch

    ids = [run_batch([], Settings(out=str(tmp_path)), workers=1, progress=False, summary=False)["run"]
           for _ in range(3)]
    assert len(set(ids)) == 3 and ids == sorted(ids)
    assert len(list((tmp_path / "logs").glob("run-*.log"))) == 3


# ---------------------------------------------------------------------- startup -------

HEAVY = {"sklearn", "scipy", "numpy", "pymupdf", "fitz", "lxml", "bs4", "rapidfuzz", "pandas", "pyarrow", "dask"}

PROBE = f"""
import sys
from nougat_align.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("heavy:", ",".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({sorted(HEAVY)!r}))), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [
    ["--help"],
    ["run", "--help"],
    ["index", "{out}", "-o", "{tmp}/train.jsonl"],
    ["latexml", "{tmp}/missing.tex", "-o", "{tmp}/x.html"],
], ids=" ".join)
def test_start_imports_no_heavy_library(args, tmp_path):
    """``--help`` loads typer only; ``index`` and ``latexml`` never load scikit-learn & co."""
    out = _fake_run_output(tmp_path / "out")
    args = [a.format(out=out, tmp=tmp_path) for a in args]
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT)})
    assert proc.stderr.splitlines()[-1] == "heavy: ", proc.stderr
    if args[0] == "index":
        assert (tmp_path / "train.jsonl").exists(), proc.stderr


def test_import_nougat_align_is_light_and_names_resolve():
    code = "import sys, nougat_align; print(sorted({'sklearn', 'scipy', 'pymupdf', 'lxml'} & set(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT)})
    assert proc.stdout.strip() == "[]", proc.stderr
    import nougat_align

    for name in nougat_align.__all__:  # every public name resolves (lazily)
        assert getattr(nougat_align, name) is not None, name
    assert nougat_align.align.__module__ == "nougat_align.split.align"

"""run/batch.py: discovery, the local pool and Dask, resume, timeouts, kills and Ctrl-C.

Dumps are built in tmp_path from the fixture papers under arXiv-like names; images are
off where they do not matter, so a run of a few papers takes about a second.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, PAPERS, ROOT, require_tool
from nougat_align import pipeline
from nougat_align.run import batch
from nougat_align.run.batch import Dump, PaperJob, Settings, parse_id, run_batch, shard_of
from nougat_align.records import PaperResult

FAST = dict(figures="none", images=False)


def _copy(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest


def _tar(archive: Path, members: dict[str, Path]) -> None:
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w") as tar:
        for name, path in members.items():
            tar.add(path, arcname=name)


def make_dump(root: Path) -> tuple[Path, Path]:
    """html/ + pdfs/ with every case discovery and the run must handle."""
    html, pdfs = root / "html", root / "pdfs"
    _copy(PAPERS / "basic/paper.pdf", pdfs / "2301.00001v2.pdf")
    _copy(PAPERS / "basic/paper.html", html / "2301.00001.html")
    (html / "2301.00001.latexml.json").write_text("{}")  # LaTeXML's sidecar: not an input
    _copy(PAPERS / "floats/paper.pdf", pdfs / "old" / "hep-th9901001.pdf")
    _copy(PAPERS / "floats/paper.html", html / "hep-th9901001v1.html")
    # a bulk tar: two versions of one paper (the newest wins) and another paper
    _tar(pdfs / "arXiv_pdf_2301_001.tar", {"2301/2301.00003v1.pdf": PAPERS / "twocol/paper.pdf",
                                           "2301/2301.00003v2.pdf": PAPERS / "mathheavy/paper.pdf",
                                           "2301/2301.00004.pdf": PAPERS / "twocol/paper.pdf"})
    _copy(PAPERS / "mathheavy/paper.html", html / "2301.00003.html")
    _copy(PAPERS / "twocol/paper.html", html / "2301.00004.html")
    _copy(PAPERS / "robust/paper.pdf", pdfs / "2301.00005.pdf")  # no html
    (pdfs / "2301.00006.pdf").write_bytes(b"%PDF-1.4\n% truncated download\n")  # corrupt
    _copy(PAPERS / "basic/paper.html", html / "2301.00006.html")
    _copy(PAPERS / "robust/paper.pdf", pdfs / "2301.00007.pdf")  # the wrong PDF for this HTML
    _copy(PAPERS / "basic/paper.html", html / "2301.00007.html")
    _copy(PAPERS / "basic/paper.html", html / "2301.00008.html")  # no pdf
    return html, pdfs


def small_dump(root: Path, names=("basic", "floats", "robust")) -> Dump:
    for i, name in enumerate(names, 1):
        _copy(PAPERS / name / "paper.pdf", root / f"2302.{i:05d}.pdf")
        _copy(PAPERS / name / "paper.html", root / f"2302.{i:05d}.html")
    return Dump(input=root)


def manifest(out: Path, name: str = "manifest.jsonl") -> list[PaperResult]:
    return [PaperResult.from_dict(json.loads(line)) for line in (out / name).read_text().splitlines()]


def last_run(out: Path) -> dict[str, PaperResult]:
    records = manifest(out)
    run = records[-1].run
    return {r.paper: r for r in records if r.run == run}


def paper_dirs(out: Path) -> set[str]:
    return {p.name for p in out.iterdir() if p.is_dir() and p.name != "logs" and not p.name.startswith(".")}


def tree(out: Path) -> dict[str, bytes]:
    """Every paper file except timings.json (wall clock), by relative path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.glob("[!.]*/*"))
            if p.parent.name != "logs" and p.name != "timings.json"}


# ----------------------------------------------------------------------- ids, discovery ---


@pytest.mark.parametrize("name, expected", [
    ("2308.13418v2", ("2308.13418", 2)),
    ("2308.13418", ("2308.13418", 0)),
    ("arXiv:2308.13418v10", ("2308.13418", 10)),
    ("0704.0001", ("0704.0001", 0)),
    ("hep-th/9901001", ("hep-th9901001", 0)),
    ("hep-th9901001v3", ("hep-th9901001", 3)),
    ("math.AG/0101001v1", ("math.AG0101001", 1)),
    ("cond-mat9912001", ("cond-mat9912001", 0)),
    ("my paper", ("my paper", 0)),
    ("a/b", ("a_b", 0)),
])
def test_parse_id(name, expected):
    assert parse_id(name) == expected


def test_paper_result_and_job_round_trip():
    from nougat_align.source.archive import BulkMember

    r = PaperResult(paper="2301.00011", status="partial", reason="", pages=3, kept=2,
                    drops={"low score": 1}, warnings=("w",), seconds=1.5,
                    timings={"latexml": 1.0, "render": 0.1}, pdf="a.tar:2301/2301.00011v1.pdf",
                    html="b.tar:2301/2301.00011.gz", bibliography_source="bbl", run="r")
    assert PaperResult.from_dict(json.loads(r.to_json())) == r
    assert PaperResult.from_dict(json.loads(PaperResult(paper="p", status="ok").to_json())) == \
        PaperResult(paper="p", status="ok")
    job = PaperJob(paper="2301.00011", pdf="a.tar", pdf_member=BulkMember("a.tar", "2301/x.pdf", 512, 9),
                   source="b.tar", source_member=BulkMember("b.tar", "2301/x.gz", 1024, 7))
    assert PaperJob.from_dict(json.loads(json.dumps(job.to_dict()))) == job


def test_discover_pairs_by_id_versions_tars_and_problems(tmp_path):
    html, pdfs = make_dump(tmp_path)
    figures = tmp_path / "figures"
    _copy(PAPERS / "basic/paper.html", figures / "ignored.html")
    (figures / "2301.00001v2.json").write_text("[]")
    dump = Dump(html=html, pdfs=pdfs, figures=figures)
    jobs = {j.paper: j for j in dump.jobs()}
    assert set(jobs) == {f"2301.0000{i}" for i in (1, 3, 4, 5, 6, 7, 8)} | {"hep-th9901001"}
    assert jobs["2301.00001"].pdf.endswith("2301.00001v2.pdf")
    assert jobs["2301.00001"].html.endswith("2301.00001.html")
    assert jobs["2301.00001"].figures.endswith("2301.00001v2.json")
    assert jobs["hep-th9901001"].html.endswith("hep-th9901001v1.html")
    tarred = jobs["2301.00003"]
    assert tarred.pdf.endswith("arXiv_pdf_2301_001.tar") and tarred.pdf_member.name == "2301/2301.00003v2.pdf"
    assert tarred.pdf_member.offset > 0
    assert tarred.pdf_member.size == (PAPERS / "mathheavy/paper.pdf").stat().st_size
    assert jobs["2301.00005"].problem == "no html"
    assert jobs["2301.00008"].problem == "no pdf" and not jobs["2301.00008"].pdf
    assert all(not j.problem for p, j in jobs.items() if p not in ("2301.00005", "2301.00008"))
    assert dump.count() == 7  # PDFs


def test_discover_one_input_folder_with_files_and_subfolders(tmp_path):
    _copy(PAPERS / "basic/paper.pdf", tmp_path / "2304.00001v1.pdf")
    _copy(PAPERS / "basic/paper.html", tmp_path / "2304.00001.html")
    for name in ("paper.pdf", "paper.html", "paper.tex"):
        _copy(PAPERS / "floats" / name, tmp_path / "2304.00002" / name)
    _copy(PAPERS / "robust/paper.pdf", tmp_path / "2304.00003" / "paper.pdf")  # source only
    _copy(PAPERS / "robust/paper.tex", tmp_path / "2304.00003" / "paper.tex")
    _copy(FIXTURES / "sources/single.gz", tmp_path / "2304.00004.gz")
    _copy(PAPERS / "twocol/paper.pdf", tmp_path / "2304.00004.pdf")
    jobs = {j.paper: j for j in Dump(input=tmp_path).jobs()}
    assert set(jobs) == {"2304.00001", "2304.00002", "2304.00003", "2304.00004"}
    assert jobs["2304.00002"].html == str(tmp_path / "2304.00002" / "paper.html")
    assert jobs["2304.00002"].source == ""  # it has HTML
    assert jobs["2304.00003"].source == str(tmp_path / "2304.00003")  # the folder is the source
    assert jobs["2304.00004"].source == str(tmp_path / "2304.00004.gz")
    assert not any(j.problem for j in jobs.values())


def test_shards_partition_the_papers(tmp_path):
    html, pdfs = make_dump(tmp_path)
    everything = {j.paper for j in Dump(html=html, pdfs=pdfs).jobs()}
    shards = [{j.paper for j in Dump(html=html, pdfs=pdfs, shard=(i, 3)).jobs()} for i in range(3)]
    assert set().union(*shards) == everything
    assert sum(map(len, shards)) == len(everything)
    assert all(shard_of(p, 3) == i for i, s in enumerate(shards) for p in s)
    with pytest.raises(batch.InputError):
        batch.parse_shard("3/3")


# ---------------------------------------------------------------------------- the run ---


def test_run_records_every_paper_and_rerun_skips(tmp_path):
    html, pdfs = make_dump(tmp_path / "dump")
    out = tmp_path / "out"
    stats = run_batch(Dump(html=html, pdfs=pdfs), Settings(out=str(out), **FAST), workers=2, timeout=60)
    recs = last_run(out)
    assert {p: r.status for p, r in recs.items()} == {
        "2301.00001": "ok", "hep-th9901001": "ok", "2301.00003": "ok", "2301.00004": "partial",
        "2301.00005": "failed", "2301.00006": "failed", "2301.00007": "failed", "2301.00008": "failed"}
    assert recs["2301.00005"].reason == "no html" and recs["2301.00008"].reason == "no pdf"
    assert recs["2301.00006"].reason == "not a readable PDF (FileDataError)"
    assert "2301.00006.pdf" in recs["2301.00006"].error
    mismatched = recs["2301.00007"]
    assert mismatched.reason.startswith("no page kept") and mismatched.kept == 0
    assert any("do not match" in w for w in mismatched.warnings)
    assert recs["2301.00001"].kept == recs["2301.00001"].pages == 5 and recs["2301.00001"].timings
    assert recs["2301.00003"].pdf.endswith("arXiv_pdf_2301_001.tar:2301/2301.00003v2.pdf")
    # only complete paper folders; the tar member's meta names the PDF as the file would
    assert paper_dirs(out) == {"2301.00001", "hep-th9901001", "2301.00003", "2301.00004", "2301.00007"}
    assert not list(out.glob(".*.tmp"))
    assert json.loads((out / "2301.00003/meta.json").read_text())["pdf"] == "2301.00003v2.pdf"
    # the same bytes as calling the per-paper function directly
    direct = pipeline.process_paper(html / "2301.00004.html", PAPERS / "twocol/paper.pdf",
                                    tmp_path / "direct" / "2301.00004", **FAST)
    assert direct.kept == recs["2301.00004"].kept
    for name in ("meta.json", "01.mmd", "04.mmd"):  # twocol's page 5: LaTeXML-style references
        got = (out / "2301.00004" / name).read_text()
        assert got == (tmp_path / "direct/2301.00004" / name).read_text().replace(
            "paper.pdf", "2301.00004.pdf"), name
    # stats.json and the log
    saved = json.loads((out / "stats.json").read_text())
    assert saved == stats
    assert stats["papers"] == {"ok": 3, "partial": 1, "failed": 4, "timeout": 0, "skipped": 0}
    assert stats["pages"]["total"] == 23 and stats["papers_processed"] == 6
    assert stats["paper_failure_reasons"]["no html"] == 1
    assert len(list((out / "logs").glob("run-*.log"))) == 1
    assert "2301.00006: failed" in next((out / "logs").glob("run-*.log")).read_text()

    stats2 = run_batch(Dump(html=html, pdfs=pdfs), Settings(out=str(out), **FAST), workers=2)
    recs2 = last_run(out)
    assert stats2["papers_processed"] == 0
    assert {p for p, r in recs2.items() if r.status == "skipped" and r.reason == "done"} == paper_dirs(out)
    assert recs2["2301.00006"].status == "skipped" and recs2["2301.00006"].reason == "failed before"
    assert recs2["2301.00005"].reason == "no html"  # looked for again: the HTML may have arrived

    run_batch(Dump(html=html, pdfs=pdfs), Settings(out=str(out), **FAST), workers=1, retry_failed=True, limit=6)
    recs3 = last_run(out)
    assert len(recs3) == 6 and recs3["2301.00006"].status == "failed"


def _sleepy_process_paper(real, slow: str, seconds: float):
    def wrapper(markdown, pdf, out_dir, **kw):
        if Path(out_dir).name == slow:
            time.sleep(seconds)
        return real(markdown, pdf, out_dir, **kw)
    return wrapper


def test_timeout_is_recorded_and_run_goes_on(tmp_path, monkeypatch):
    # the local pool forks its workers from this process, so they see the patch
    monkeypatch.setattr(pipeline, "process_paper",
                        _sleepy_process_paper(pipeline.process_paper, "2302.00002", 60))
    out = tmp_path / "out"
    stats = run_batch(small_dump(tmp_path / "in"), Settings(out=str(out), **FAST), workers=2, timeout=2)
    recs = last_run(out)
    assert recs["2302.00002"].status == "timeout" and recs["2302.00002"].error == "stopped after 2 s"
    assert recs["2302.00001"].status == "ok" and recs["2302.00003"].status == "ok"
    assert stats["papers"]["timeout"] == 1
    assert paper_dirs(out) == {"2302.00001", "2302.00003"}
    # a timeout is lasting: the next run skips it unless asked to retry
    run_batch(small_dump(tmp_path / "in"), Settings(out=str(out), **FAST), workers=1, timeout=2)
    assert last_run(out)["2302.00002"].reason == "failed before"


# a batch in a child process whose worker stops inside process_paper's atomic_dir, after
# writing the temp folder and before renaming it; it writes its pid to MARK and waits
SLOW_RUN = textwrap.dedent("""
    import os, sys, time
    from contextlib import contextmanager
    from pathlib import Path
    import nougat_align.pipeline as pl
    real = pl.atomic_dir

    @contextmanager
    def slow(target):
        with real(target) as tmp:
            yield tmp
            if Path(target).name == os.environ["SLOW"]:
                Path(os.environ["MARK"]).write_text(str(os.getpid()))
                time.sleep(120)
    pl.atomic_dir = slow
    if sys.argv[1] == "cli":
        from nougat_align.cli import main
        sys.argv = ["nougat-align"] + sys.argv[2:]
        main()
    else:
        from nougat_align.run.batch import Dump, Settings, run_batch
        run_batch(Dump(input=Path(sys.argv[2])), Settings(out=sys.argv[3], figures="none", images=False),
                  workers=1, timeout=300, progress=False, summary=False)
""")


def _start_slow(tmp_path: Path, args: list[str], slow: str):
    mark = tmp_path / "mark"
    env = {**os.environ, "SLOW": slow, "MARK": str(mark), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_RUN, *args], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not mark.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the slow paper never started: {proc.communicate()[1].decode()[-2000:]}")
        time.sleep(0.05)
    time.sleep(0.1)
    return proc, int(mark.read_text())


def test_worker_killed_mid_paper_loses_only_that_paper(tmp_path):
    small_dump(tmp_path / "in")
    out = tmp_path / "out"
    proc, worker = _start_slow(tmp_path, ["lib", str(tmp_path / "in"), str(out)], "2302.00002")
    assert list(out.glob(".2302.00002.*.tmp"))  # the paper is half written, in its temp folder
    os.kill(worker, signal.SIGKILL)
    assert proc.wait(timeout=60) == 0, proc.communicate()[1].decode()[-2000:]
    recs = last_run(out)
    assert recs["2302.00002"].status == "failed" and recs["2302.00002"].reason == "worker crashed"
    assert "SIGKILL" in recs["2302.00002"].error
    assert recs["2302.00001"].status == "ok" and recs["2302.00003"].status == "ok"
    assert paper_dirs(out) == {"2302.00001", "2302.00003"} and not list(out.glob(".*.tmp"))
    run_batch(small_dump(tmp_path / "in"), Settings(out=str(out), **FAST), workers=1)  # a crash is retried
    recs = last_run(out)
    assert recs["2302.00002"].status == "ok"
    assert {r.status for p, r in recs.items() if p != "2302.00002"} == {"skipped"}
    assert paper_dirs(out) == {"2302.00001", "2302.00002", "2302.00003"}


def test_killed_run_leaves_no_partial_paper_and_resumes(tmp_path):
    small_dump(tmp_path / "in")
    out = tmp_path / "out"
    proc, _ = _start_slow(tmp_path, ["lib", str(tmp_path / "in"), str(out)], "2302.00002")
    os.killpg(proc.pid, signal.SIGKILL)  # the whole run, workers included, at once
    proc.wait(timeout=30)
    assert paper_dirs(out) == {"2302.00001"}  # complete folders only
    assert list(out.glob(".2302.00002.*.tmp"))  # the debris is hidden ...
    run_batch(small_dump(tmp_path / "in"), Settings(out=str(out), **FAST), workers=1)
    assert not list(out.glob(".*.tmp"))  # ... and removed by the next run, which completes
    assert paper_dirs(out) == {"2302.00001", "2302.00002", "2302.00003"}
    recs = last_run(out)
    assert recs["2302.00001"].status == "skipped" and recs["2302.00002"].status == "ok"


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(tmp_path):
    small_dump(tmp_path / "in")
    out = tmp_path / "out"
    proc, _ = _start_slow(tmp_path, ["cli", "run", "--input", str(tmp_path / "in"), "-o", str(out),
                                     "--workers", "1", "--figures", "none", "--no-images", "-q"], "2302.00002")
    os.kill(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    assert "interrupted" in proc.communicate()[1].decode()
    stats = json.loads((out / "stats.json").read_text())
    assert stats["interrupted"] and stats["papers"]["ok"] == 1
    assert paper_dirs(out) == {"2302.00001"} and not list(out.glob(".*.tmp"))
    run_batch(small_dump(tmp_path / "in"), Settings(out=str(out), **FAST), workers=1)
    assert paper_dirs(out) == {"2302.00001", "2302.00002", "2302.00003"}


def test_shards_into_one_output_equal_one_run(tmp_path):
    html, pdfs = make_dump(tmp_path / "dump")
    run_batch(Dump(html=html, pdfs=pdfs), Settings(out=str(tmp_path / "whole"), **FAST), workers=2)
    for i in range(2):  # as two Slurm array tasks would
        run_batch(Dump(html=html, pdfs=pdfs, shard=(i, 2)), Settings(out=str(tmp_path / "sharded"), **FAST),
                  workers=1)
    assert tree(tmp_path / "whole") == tree(tmp_path / "sharded")
    per_shard = [manifest(tmp_path / "sharded", f"manifest-{i}-of-2.jsonl") for i in range(2)]
    assert sorted(r.paper for m in per_shard for r in m) == sorted(r.paper for r in manifest(tmp_path / "whole"))
    assert (tmp_path / "sharded" / "stats-1-of-2.json").exists()


# ------------------------------------------------------------------------------- Dask ---


def test_dask_local_cluster_gives_the_same_outputs(tmp_path):
    dump = small_dump(tmp_path / "in", names=("basic", "twocol", "robust"))
    _copy(PAPERS / "basic/paper.html", tmp_path / "in" / "2302.00009.html")
    (tmp_path / "in" / "2302.00009.pdf").write_bytes(b"not a pdf")
    settings = dict(figures="detect", images=True, dpi=30)
    run_batch(dump, Settings(out=str(tmp_path / "local"), **settings), workers=2)
    # plus a paper that never finishes: its HTML is a named pipe nobody writes
    stuck = tmp_path / "stuck.html"
    os.mkfifo(stuck)
    jobs = list(dump.jobs()) + [PaperJob(paper="stuck", pdf=str(PAPERS / "basic/paper.pdf"), html=str(stuck))]
    stats = run_batch(jobs, Settings(out=str(tmp_path / "dask"), **settings), workers=2, dask="local", timeout=20)  # room for a loaded machine; only "stuck" waits it out
    local, dask = tree(tmp_path / "local"), tree(tmp_path / "dask")
    assert local and local.keys() == dask.keys()
    assert [k for k in local if local[k] != dask[k]] == []
    recs = last_run(tmp_path / "dask")
    assert {p: r.status for p, r in recs.items()} == {
        "2302.00001": "ok", "2302.00002": "partial", "2302.00003": "ok", "2302.00009": "failed", "stuck": "timeout"}
    assert recs["2302.00009"].reason == last_run(tmp_path / "local")["2302.00009"].reason
    assert stats["executor"] == "dask local"


# ----------------------------------------------------------------------- LaTeX sources ---


def test_sources_without_html_are_converted_with_latexml(tmp_path):
    require_tool("latexmlc", "pdflatex")
    build = tmp_path / "build"
    _copy(FIXTURES / "sources/single.tex", build / "single.tex")
    subprocess.run(["pdflatex", "-interaction=batchmode", "single.tex"], cwd=build, check=True,
                   capture_output=True, timeout=120)
    pdfs, sources = tmp_path / "pdfs", tmp_path / "src"
    _copy(build / "single.pdf", pdfs / "2303.00001v1.pdf")
    _copy(FIXTURES / "sources/single.gz", sources / "2303.00001")  # arXiv's extension-less gzip
    _copy(build / "single.pdf", pdfs / "2303.00002.pdf")
    _copy(FIXTURES / "sources/notlatex.gz", sources / "2303.00002.gz")
    out = tmp_path / "out"
    run_batch(Dump(pdfs=pdfs, sources=sources), Settings(out=str(out), **FAST), workers=2, timeout=60)
    recs = last_run(out)
    assert recs["2303.00001"].status in ("ok", "partial") and recs["2303.00001"].kept >= 1
    assert list((out / ".cache/html").glob("*.html"))
    assert recs["2303.00002"].status == "failed" and recs["2303.00002"].reason == "not latex"


def test_bulk_tars_are_read_in_place_paired_and_converted(tmp_path):
    """arXiv's bulk shape: sources and PDFs in two tars of one folder, nothing unpacked
    but the paper being converted; PDF-only and corrupt members recorded with a reason."""
    require_tool("latexmlc", "pdflatex", "bibtex")
    bulk = FIXTURES / "sources" / "bulk"
    dump = Dump(pdfs=bulk, sources=bulk)
    jobs = {j.paper: j for j in dump.jobs()}
    assert set(jobs) == {"2301.00011", "2301.00012", "2301.00013", "2301.00014"}
    assert jobs["2301.00012"].source_member.name == "2301/2301.00012.gz"
    assert jobs["2301.00012"].pdf_member.name == "2301/2301.00012v2.pdf"
    assert jobs["2301.00013"].problem == "pdf-only submission"
    before = sorted(p.name for p in bulk.iterdir())
    out = tmp_path / "out"
    stats = run_batch(dump, Settings(out=str(out), **FAST), workers=2, timeout=120)
    assert sorted(p.name for p in bulk.iterdir()) == before  # read in place
    recs = last_run(out)
    bbl = recs["2301.00011"]
    assert bbl.status in ("ok", "partial") and bbl.kept >= 1 and bbl.bibliography_source == "bbl"
    assert bbl.timings["latexml"] > 0
    # the LaTeXML report's mode and seconds travel to the manifest line (no picture: fast, no fallback)
    assert bbl.latexml_mode == "fast" and not bbl.fallback_reason and bbl.fast_seconds > 0
    assert bbl.full_seconds == 0 and bbl.pictures_skipped == 0 and bbl.expl3_packages == ()
    line = next(json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()
                if json.loads(x)["paper"] == "2301.00011")
    assert line["latexml_mode"] == "fast" and line["fast_seconds"] > 0 and "full_seconds" not in line
    meta = json.loads((out / "2301.00011" / "meta.json").read_text())
    assert meta["bibliography_source"] == "bbl" and meta["pdf"] == "2301.00011v1.pdf"
    # the references are the .bbl's (the PDF's), not LaTeXML's rendering of a .bib
    pages = "".join(p.read_text() for p in sorted((out / "2301.00011").glob("*.mmd")))
    assert "only the submitted bbl file describes" in pages
    assert "following the protocol of Zebra (2001)" in pages and "(Zebra, 2001)" in pages  # natbib as printed
    assert recs["2301.00012"].status in ("ok", "partial") and recs["2301.00012"].bibliography_source == "none"
    assert recs["2301.00013"].status == "failed" and recs["2301.00013"].reason == "pdf-only submission"
    assert recs["2301.00014"].status == "failed" and recs["2301.00014"].reason == "corrupt archive"
    assert stats["latexml"]["runs"] == 2 and stats["bibliography_sources"] == {"bbl": 1, "none": 1}
    assert stats["latexml_modes"] == {"fast": 2} and stats["latexml_fallback_reasons"] == {}
    assert stats["expl3_packages"] == {} and stats["pictures_skipped"] == 0
    assert stats["stage_seconds_per_paper"]["latexml"] > 0
    assert {s["paper"] for s in stats["latexml"]["slowest"]} == {"2301.00011", "2301.00012"}
    from rich.console import Console

    console = Console(file=io.StringIO(), width=200)
    console.print(batch.summary_table(stats))
    text = console.file.getvalue()
    assert "LaTeXML" in text and "bbl 1" in text and "fast 2" in text, text
    assert stats["paper_failure_reasons"] == {"pdf-only submission": 1, "corrupt archive": 1}


# --------------------------------------------------------------------------------- CLI ---


def test_cli_run_and_index_options_all_have_help():
    import typer.main

    from nougat_align.cli import app

    group = typer.main.get_command(app)
    for name in ("run", "index"):
        command = group.commands[name]
        assert command.help
        for param in command.params:
            assert getattr(param, "help", None), f"{name} {param.name} has no help"


def test_cli_rejects_bad_arguments_in_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", "from nougat_align.cli import main; main()", "run",
                          "--pdfs", str(tmp_path), "-o", str(tmp_path / "out")],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "nougat-align: error: with a PDF folder, give an HTML folder and/or a sources folder"]


def test_bulk_tars_in_one_input_folder_or_given_as_files(tmp_path):
    """--input: the bulk tars of sources and PDFs side by side in one folder; or each tar
    given itself as --sources / --pdfs."""
    for tar in (FIXTURES / "sources" / "bulk").iterdir():
        _copy(tar, tmp_path / "dump" / tar.name)
    jobs = {j.paper: j for j in Dump(input=tmp_path / "dump").jobs()}
    assert set(jobs) == {"2301.00011", "2301.00012", "2301.00013", "2301.00014"}
    assert jobs["2301.00011"].source_member.name == "2301/2301.00011.gz"
    assert jobs["2301.00013"].problem == "pdf-only submission"
    # the two tars given as files rather than folders
    bulk = FIXTURES / "sources" / "bulk"
    jobs = {j.paper: j for j in Dump(pdfs=bulk / "arXiv_pdf_2301_001.tar",
                                     sources=bulk / "arXiv_src_2301_001.tar").jobs()}
    assert set(jobs) == {"2301.00011", "2301.00012", "2301.00013", "2301.00014"}
    assert jobs["2301.00012"].source_member.name == "2301/2301.00012.gz"
    with pytest.raises(batch.InputError):
        Dump(pdfs=bulk, sources=FIXTURES / "sources" / "multi.tar.gz")  # a submission, not a bulk tar

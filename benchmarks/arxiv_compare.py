"""arXiv's own LaTeXML command line against nougat-align's conversion, per corpus paper
(``python benchmarks/bulk_bench.py compare ...``; this module holds its work).

    bulk_bench.py compare --side arxiv [--arxiv-limit 600] [--only a,b]   # arXiv's command
    bulk_bench.py compare --side ours  [--bindings DIR]                   # latexml_to_html
    bulk_bench.py compare --side full  [--bindings DIR]                   # ... fast=False
    bulk_bench.py compare --report [--count-timeout-at 600]

arXiv's side is ``latexmlc --format=html5 --nodefaultresources --timestamp=0
--preload=[nobibtex]latexml.sty`` in a private copy of the source, no speed options, no
--path to our bindings; a run is stopped (its whole process group) at ``--arxiv-limit``
seconds.  Runs recorded by ``bulk_bench.py options`` (config ``arxiv``, same command) in
the same WORK are reused, not run again.  Ours is :func:`latexml_to_html` (fast conversion,
full one when needed); ``--side full`` is ``latexml_to_html(fast=False)`` (no picture
stubs), run only on papers whose source loads a package the stubs replace (for the others
the fast conversion IS the full one: no stub is loaded).  CPU seconds are the children's rusage (user + sys) around each run.

``--report`` prints per paper: arXiv's CPU s and outcome, ours CPU s, mode and outcome,
and whether our markdown (``html_to_markdown``: text, floats, footnotes) is identical to the
markdown of our full conversion where that one finished (and, for information, to arXiv's:
that differs by our other choices too: the main file, natbib labels, --noparse); then totals, median
and 90th percentile per paper and the total ratio.  A timed-out arXiv run counts its
measured CPU seconds, and (second column set) ``--count-timeout-at`` seconds when that is
larger: the limit a run may have been stopped at early to save CPU is said in the output.
Everything goes under WORK (/tmp), nothing into the repository.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

ARXIV = ("--format=html5", "--nodefaultresources", "--timestamp=0", "--preload=[nobibtex]latexml.sty")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _records(path: Path) -> dict[str, dict]:
    out = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            out[r["slug"]] = r
    return out


def _append(path: Path, rec: dict) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")
    print(json.dumps(rec), flush=True)


def run_arxiv(paper: Path, main: str, work: Path, limit: float) -> dict:
    """arXiv's command on a private copy of ``paper/src``, stopped at ``limit`` seconds."""
    out = work / "html" / "arxiv" / f"{paper.name}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = work / "tmp" / f"{paper.name}-arxiv"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(paper / "src", tmp)
    cmd = ["nice", "-n", "10", "latexmlc", *ARXIV, f"--destination={tmp / '_out' / 'paper.html'}", main]
    before, t0 = _cpu(), time.monotonic()
    timed_out = False
    with open(tmp / "_latexmlc.log", "wb") as log:
        proc = subprocess.Popen(cmd, cwd=(tmp / main).parent, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    wall, cpu = time.monotonic() - t0, _cpu() - before
    html = tmp / "_out" / "paper.html"
    ok = (not timed_out and proc.returncode == 0 and html.is_file()
          and re.search(rb"<article\b", html.read_bytes()) is not None)
    if ok:
        shutil.copyfile(html, out)
    shutil.rmtree(tmp, ignore_errors=True)
    return {"slug": paper.name, "config": "arxiv", "returncode": proc.returncode, "wall": round(wall, 2),
            "cpu": round(cpu, 2), "html": str(out) if ok else "",
            "outcome": "ok" if ok else ("timeout" if timed_out else "failed"), "limit": limit}


def uses_stubbed_package(paper: Path) -> bool:
    """Does the source load a package that bindings/pictures/ replaces?"""
    from nougat_align.source.latexml import PICTURES

    names = {p.name[:-len(".sty.ltxml")] for p in PICTURES.glob("*.sty.ltxml")} - {"nougat-pictures"}
    pattern = re.compile(r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")
    for path in (paper / "src").rglob("*"):
        if path.suffix in (".tex", ".sty", ".cls") and path.is_file():
            for m in pattern.finditer(path.read_text(encoding="utf-8", errors="replace")):
                if names & {x.strip() for x in m.group(1).split(",")}:
                    return True
    return False


def run_ours(paper: Path, main: str, work: Path, timeout: float, fast: bool = True) -> dict:
    """latexml_to_html on a copy of ``paper/src`` whose ``00README.json`` names ``main`` as
    the top-level file, as an arXiv submission names it (the corpus folders are repository
    folders: in three of them our own guess would pick another file than arXiv's side runs)."""
    from nougat_align.source.latexml import latexml_to_html

    out = work / "html" / ("ours" if fast else "full") / f"{paper.name}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    src = work / "tmp" / f"{paper.name}-ours"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(paper / "src", src)
    (src / "00README.json").write_text(json.dumps({"sources": [{"filename": main, "usage": "toplevel"}]}))
    before, t0 = _cpu(), time.monotonic()
    report = latexml_to_html(src, out, timeout=timeout, check=False, fast=fast)
    wall, cpu = time.monotonic() - t0, _cpu() - before
    shutil.rmtree(src, ignore_errors=True)
    return {"slug": paper.name, "wall": round(wall, 2), "cpu": round(cpu, 2), "main": report.main_file,
            "outcome": "ok" if report.ok else report.reason, "detail": report.detail,
            "mode": report.latexml_mode, "fallback_reason": report.fallback_reason,
            "fast_seconds": report.fast_seconds, "full_seconds": report.full_seconds,
            "pictures_skipped": report.pictures_skipped, "expl3_packages": list(report.expl3_packages),
            "html": str(out) if report.ok else ""}


def arxiv_runs(work: Path) -> dict[str, dict]:
    """arXiv-command runs: ``options.jsonl`` (config arxiv, all finished) then ours."""
    runs = {}
    path = work / "options.jsonl"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["config"] == "arxiv":
                ok = bool(r["html"]) and re.search(rb"<article\b", Path(r["html"]).read_bytes()) is not None
                outcome = "ok" if ok else ("latexmlc's own --timeout (600 s wall)" if r["wall"] >= 600
                                           else "failed")
                runs[r["slug"]] = {**r, "outcome": outcome, "limit": None, "html": r["html"] if ok else ""}
    runs.update(_records(work / "arxiv-limited.jsonl"))
    return runs


def use_bindings(extra: Path, work: Path, name: str) -> None:
    """Convert with our bindings plus ``extra``'s (e.g. another worktree's expl3 stand-ins
    before they are merged): a merged copy under WORK, ours winning a name both have; the
    picture stubs stay ours (``PICTURES``)."""
    from nougat_align.source import latexml as lx

    merged = work / f"bindings-{name}"  # one per side: two sides may run at once
    shutil.rmtree(merged, ignore_errors=True)
    shutil.copytree(lx.BINDINGS, merged, ignore=shutil.ignore_patterns(lx.PICTURES.name))
    for path in Path(extra).glob("*.ltxml"):
        if not (merged / path.name).exists():
            shutil.copy(path, merged / path.name)
    lx.BINDINGS = merged


def side(args, papers: list[Path], main_file) -> None:
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.side == "arxiv":
        done = arxiv_runs(work)
        for paper in papers:
            if paper.name not in done:
                _append(work / "arxiv-limited.jsonl", run_arxiv(paper, main_file(paper), work, args.arxiv_limit))
        return
    if args.bindings:
        use_bindings(Path(args.bindings), work, args.side)
    name = "ours.jsonl" if args.side == "ours" else "full.jsonl"
    done = _records(work / name)
    if args.side == "full":  # the cheapest first (arXiv's CPU seconds), so most finish early
        cost = {slug: r["cpu"] for slug, r in arxiv_runs(work).items()}
        papers = sorted(papers, key=lambda p: cost.get(p.name, 1e9) if arxiv_runs(work).get(p.name, {}).get("html") else 1e9)
    for paper in papers:
        if paper.name not in done and (args.side == "ours" or uses_stubbed_package(paper)):
            _append(work / name, run_ours(paper, main_file(paper), work, args.timeout,
                                          fast=args.side == "ours"))


# What LaTeXML makes of a picture when it digests one and the markdown keeps: a formula
# holding a tikz-cd diagram as TeX, node text leaking as a paragraph.  "Outside pictures"
# compares the markdown with these taken out (and floats without their text offsets).
_PICTURE_TEX = re.compile(r"\\tikzcd|\\begin\{tikzpicture\}|\\tikz\b|\\arrow\[|\\addplot|\\pgf")
_MATH_SPAN = re.compile(r"\\\[.*?\\\]|\\\(.*?\\\)", re.S)


def outside_pictures(md: tuple) -> tuple:
    text, floats, notes = md
    text = _MATH_SPAN.sub(lambda m: "" if _PICTURE_TEX.search(m.group(0)) else m.group(0), text)
    blocks = [" ".join(b.split()) for b in text.split("\n\n")]
    blocks = [b for b in blocks if b and not _PICTURE_TEX.search(b)]
    strip = lambda items: [{k: v for k, v in x.items() if k != "anchor"} for x in items]
    return blocks, strip(floats), strip(notes)


_DISPLAY = re.compile(r"\\\[.*?\\\]", re.S)


def picture_formulas_only(ours: tuple, full: tuple) -> int:
    """How many display formulas alone tell ``ours`` from ``full`` (both outside_pictures'd),
    or -1 when something else differs.  A picture in a display (string diagrams, tikz-cd
    with other macros) is, in the full conversion, a formula of its node labels (``\\[f A X
    B\\]``); in ours it is skipped, so the formula is empty or gone."""
    (bo, fo, no), (bf, ff, nf) = ours, full
    if fo != ff or no != nf:
        return -1
    count = 0
    sm = difflib.SequenceMatcher(None, bf, bo, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        left = [" ".join(_DISPLAY.sub("", b).split()) for b in bf[i1:i2]]
        right = [" ".join(_DISPLAY.sub("", b).split()) for b in bo[j1:j2]]
        if [x for x in left if x] != [x for x in right if x]:
            return -1
        count += sum(len(_DISPLAY.findall(b)) for b in bf[i1:i2])
    return count


def _pct(values: list[float], q: float) -> float:
    """The q-quantile, linear between closest ranks."""
    v = sorted(values)
    if not v:
        return 0.0
    k = (len(v) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def report(args, papers: list[Path]) -> None:
    from nougat_align.html2md.convert import html_to_markdown

    work = Path(args.work)
    arxiv, ours, full = arxiv_runs(work), _records(work / "ours.jsonl"), _records(work / "full.jsonl")


    def md(path: str):
        m = html_to_markdown(Path(path))
        return (m.text, [f.to_dict() for f in m.floats], [f.to_dict() for f in m.footnotes])

    rows = []
    print("| paper | arXiv CPU s | arXiv outcome | ours CPU s | mode | ours outcome | pictures skipped "
          "| our full CPU s | markdown identical to our full | ... to arXiv's |")
    print("|---|--:|---|--:|---|---|--:|--:|---|---|")
    for paper in papers:
        a, o = arxiv.get(paper.name), ours.get(paper.name)
        if not a or not o:
            print(f"| {paper.name} | {'-' if not a else a['cpu']} | {'not run' if not a else a['outcome']} "
                  f"| {'-' if not o else o['cpu']} | | {'not run' if not o else o['outcome']} | | |")
            continue
        counted = a["cpu"]
        outcome = a["outcome"]
        if outcome == "timeout":  # stopped by us at --arxiv-limit: also counted at --count-timeout-at
            outcome = f"timeout at {a['limit']:g} s"
            counted = max(a["cpu"], args.count_timeout_at)
        if a["html"] and o["html"]:
            vs_arxiv = "yes" if md(a["html"]) == md(o["html"]) else "no"
        else:
            vs_arxiv = "n/a"
        f = full.get(paper.name)
        full_cpu = "-"
        if not o["html"]:
            same = "n/a (ours failed)"
        elif o["mode"] == "full" and f is None:  # the fallback: real packages, pictures still skipped
            same = "not run (ours is the fallback: real packages, pictures skipped)"
        elif f is None and not uses_stubbed_package(paper):
            same = "yes (no picture package: same run)"
        elif f is None:
            same = "not run"
        elif not f["html"]:
            same, full_cpu = f"n/a (full: {f['outcome']})", f"{f['cpu']:.1f}"
        else:
            mo, mf = md(o["html"]), md(f["html"])
            po, pf = outside_pictures(mo), outside_pictures(mf)
            n_pic = picture_formulas_only(po, pf) if po != pf else 0
            same = ("yes" if mo == mf else "yes outside pictures" if po == pf
                    else f"yes outside pictures ({n_pic} display formulas of picture labels)" if n_pic > 0
                    else "NO")
            full_cpu = f"{f['cpu']:.1f}"
        mode = o["mode"]
        if o["fallback_reason"]:
            kept = ", full one failed, fast kept" if o["mode"] == "fast" else ""
            mode += f" (fallback: {o['fallback_reason']}{kept}; full {o['full_seconds']:.0f} s wall)"
        print(f"| {paper.name} | {a['cpu']:.1f} | {outcome} | {o['cpu']:.1f} | {mode} | {o['outcome']} "
              f"| {o['pictures_skipped']} | {full_cpu} | {same} | {vs_arxiv} |")
        rows.append((paper.name, a["cpu"], counted, o["cpu"], o["outcome"] == "ok", same))
    if not rows:
        return
    n = len(rows)
    a_meas, a_count, ours_cpu = [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]
    judged = [r for r in rows if r[5].startswith(("yes", "NO"))]
    print(f"\npapers compared: {n}; ours ok: {sum(r[4] for r in rows)}/{n}; markdown identical to our "
          f"full conversion: {sum(r[5].startswith('yes') for r in judged)}/{len(judged)} "
          "(where the full one finished)")
    for label, values in (("arXiv, measured", a_meas),
                          (f"arXiv, a timeout counted at {args.count_timeout_at:g} s", a_count),
                          ("ours", ours_cpu)):
        print(f"{label}: total {sum(values):.0f} CPU s, median {_pct(values, 0.5):.1f} s, "
              f"p90 {_pct(values, 0.9):.1f} s per paper")
    print(f"total ratio arXiv/ours: measured {sum(a_meas) / sum(ours_cpu):.2f}x, "
          f"timeouts counted at {args.count_timeout_at:g} s {sum(a_count) / sum(ours_cpu):.2f}x")
    limits = sorted({arxiv[r[0]]["limit"] for r in rows if arxiv[r[0]]["outcome"] == "timeout"})
    if limits:
        print(f"NOTE: arXiv runs that timed out were stopped at {', '.join(f'{x:g}' for x in limits)} s; "
              f"the second arXiv line counts each at {args.count_timeout_at:g} s instead.")

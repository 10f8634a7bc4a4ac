#!/usr/bin/env python3
"""Are the labels on kept pages the ones the page prints?  (issue 16's check)

    python scripts/check_labels.py [-v] FOLDER [FOLDER ...]

FOLDER holds per-paper folders ``NAME/{paper.html,paper.pdf}`` (the fixture papers,
``../shared/corpus/real``).  Every paper is aligned; on every kept page, each numbered
heading's number and each caption's "Name N" must occur in ``pdftotext`` of that page
(``labels.unprinted_labels``).  Counted twice: on the page markdown as LaTeXML wrote it
(before) and as written, with the labels rewritten to what the page prints (after).
``-v`` lists every rewrite and every label still not printed.
"""
from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from nougat_align import html_to_markdown
from nougat_align.split.labels import numbered_labels, unprinted_labels
from nougat_align.split.align import align


def pdftotext(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def check(folder: Path, verbose: bool) -> tuple[int, int, int, int, int]:
    a = align(html_to_markdown(folder / "paper.html"), folder / "paper.pdf")
    labels = before = after = relabeled = unverified = 0
    sources = {f.id: f.mmd for f in a.markdown.floats + a.markdown.footnotes}
    for p in a.kept_pages:
        text = pdftotext(folder / "paper.pdf", p.page)
        plain = a.page_markdown(replace(p, relabels=()))
        labels += len(numbered_labels(plain))
        before += len(unprinted_labels(plain, text))
        still = unprinted_labels(a.page_markdown(p), text)
        after += len(still)
        relabeled += p.relabeled
        unverified += p.labels_unverified
        if verbose:
            for r in p.relabels:
                src = sources.get(r.target, "") if r.target else a.markdown.text
                print(f"  {folder.name} p{p.page} {r.kind}: {src[r.start:r.end]!r} -> {r.text!r}")
            for kind, label in still:
                print(f"  {folder.name} p{p.page} NOT PRINTED {kind} {label!r}")
    return labels, before, after, relabeled, unverified


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    folders = [Path(x) for x in argv if x != "-v"]
    if not folders:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    total = [0] * 5
    print(f"{'paper':24} {'labels':>6} {'before':>6} {'after':>6} {'relabeled':>9} {'unverified':>10}")
    for root in folders:
        for folder in sorted(p.parent for p in root.glob("*/paper.html") if (p.parent / "paper.pdf").exists()):
            row = check(folder, verbose)
            total = [t + r for t, r in zip(total, row)]
            print(f"{folder.name:24} {row[0]:6} {row[1]:6} {row[2]:6} {row[3]:9} {row[4]:10}")
    print(f"{'total':24} {total[0]:6} {total[1]:6} {total[2]:6} {total[3]:9} {total[4]:10}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

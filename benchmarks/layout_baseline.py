#!/usr/bin/env python3
"""A naive layout baseline: every PyMuPDF text block is one "Text" element.

    python benchmarks/layout_baseline.py benchmarks/synth-layout/ -o /tmp/baseline/

For each ``DIR/<paper>/paper.pdf`` it writes ``OUT/<paper>/layout.json`` in the shape of
``out/<paper>/layout.json``: per page, ``page.get_text("blocks")``'s text blocks in stream
order, each one element of category Text with the block's box and text.  No categories,
no boxes around drawings, no column order: what the layout scorer must score low.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pymupdf


def baseline_layout(pdf: Path) -> dict:
    pages = []
    with pymupdf.open(pdf) as doc:
        for page in doc:
            elements = []
            for x0, y0, x1, y1, text, _no, kind in page.get_text("blocks"):
                if kind != 0 or not text.strip():
                    continue
                elements.append({"id": f"b{len(elements)}", "category": "Text",
                                 "boxes": [[round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2)]],
                                 "text": " ".join(text.split()), "order": len(elements)})
            pages.append({"page": page.number + 1, "width": round(page.rect.width, 2),
                          "height": round(page.rect.height, 2), "elements": elements})
    return {"pages": pages}


def write_baseline(papers_dir: Path, out: Path) -> list[str]:
    """layout.json for every ``papers_dir/<paper>/paper.pdf``; the paper names."""
    names = []
    for pdf in sorted(papers_dir.glob("*/paper.pdf")):
        dest = out / pdf.parent.name
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "layout.json").write_text(json.dumps(baseline_layout(pdf)) + "\n", encoding="utf-8")
        names.append(pdf.parent.name)
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("papers", type=Path, help="folder of <paper>/paper.pdf")
    ap.add_argument("-o", "--out", type=Path, required=True, help="output folder")
    args = ap.parse_args(argv)
    names = write_baseline(args.papers, args.out)
    print(f"{len(names)} layouts -> {args.out}")
    return 0 if names else 1


if __name__ == "__main__":
    sys.exit(main())

"""nougat-align: page-aligned markdown from a paper's LaTeXML HTML and its PDF.

    from nougat_align import html_to_markdown, align
    md = html_to_markdown(Path("paper.html"))
    result = align(md, Path("paper.pdf"))

Names are imported lazily, so ``import nougat_align`` stays cheap (no scikit-learn, no
PyMuPDF) until a stage is used.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "html_to_markdown": "nougat_align.html2md",
    "align": "nougat_align.split",
    "detect_floats": "nougat_align.figures",
    "load_figures": "nougat_align.figures",
    "latexml_to_html": "nougat_align.latexml",
    "process_paper": "nougat_align.pipeline",
    "Markdown": "nougat_align.records",
    "Float": "nougat_align.records",
    "Footnote": "nougat_align.records",
    "FloatRecord": "nougat_align.records",
    "Alignment": "nougat_align.records",
    "PageText": "nougat_align.records",
    "NougatAlignError": "nougat_align.errors",
    "InputError": "nougat_align.errors",
    "ToolError": "nougat_align.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nougat_align' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

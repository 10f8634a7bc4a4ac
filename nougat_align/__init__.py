"""nougat-align: page-aligned markdown from a paper's LaTeXML HTML and its PDF.

    from nougat_align import html_to_markdown, align
    md = html_to_markdown(Path("paper.html"))
    result = align(md, Path("paper.pdf"))

The names below are imported on first use (PEP 562 ``__getattr__``), so ``import
nougat_align`` and ``nougat-align --help`` stay fast: scikit-learn, scipy, numpy, PyMuPDF
and lxml load only when a stage that needs them runs.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "InputError": "errors", "NougatAlignError": "errors", "ToolError": "errors",
    "Alignment": "records", "Float": "records", "FloatRecord": "records", "Footnote": "records",
    "Markdown": "records", "PageText": "records", "PaperMeta": "records",
    "html_to_markdown": "html2md.convert",
    "detect_floats": "pdf.floats.detect", "load_figures": "pdf.floats.pdffigures",
    "align": "split.align",
    "latexml_to_html": "source.latexml",
    "process_paper": "pipeline",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nougat_align' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"nougat_align.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from nougat_align.errors import InputError, NougatAlignError, ToolError  # noqa: F401
    from nougat_align.pdf.floats.detect import detect_floats  # noqa: F401
    from nougat_align.pdf.floats.pdffigures import load_figures  # noqa: F401
    from nougat_align.html2md.convert import html_to_markdown  # noqa: F401
    from nougat_align.source.latexml import latexml_to_html  # noqa: F401
    from nougat_align.pipeline import process_paper  # noqa: F401
    from nougat_align.records import (Alignment, Float, FloatRecord, Footnote, Markdown,  # noqa: F401
                                      PageText, PaperMeta)
    from nougat_align.split.align import align  # noqa: F401

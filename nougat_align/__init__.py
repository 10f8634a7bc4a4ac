"""nougat-align: page-aligned markdown from a paper's LaTeXML HTML and its PDF.

    from nougat_align import html_to_markdown, align
    md = html_to_markdown(Path("paper.html"))
    result = align(md, Path("paper.pdf"))

The stages are imported here, once, so that
timing a call measures the call and a worker process pays the import a single time.
"""
from __future__ import annotations

__version__ = "0.1.0"

from nougat_align.errors import InputError, NougatAlignError, ToolError  # noqa: E402
from nougat_align.records import Alignment, Float, FloatRecord, Footnote, Markdown, PageText  # noqa: E402
from nougat_align.html2md import html_to_markdown  # noqa: E402
from nougat_align.figures import detect_floats, load_figures  # noqa: E402
from nougat_align.split import align  # noqa: E402
from nougat_align.latexml import latexml_to_html  # noqa: E402
from nougat_align.pipeline import process_paper  # noqa: E402

__all__ = [
    "Alignment", "Float", "FloatRecord", "Footnote", "InputError", "Markdown", "NougatAlignError",
    "PageText", "ToolError", "__version__", "align", "detect_floats", "html_to_markdown",
    "latexml_to_html", "load_figures", "process_paper",
]

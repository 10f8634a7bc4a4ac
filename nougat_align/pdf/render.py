"""Page images: PNG of every kept page, rendered with PyMuPDF."""
from __future__ import annotations

from typing import Iterable

import pymupdf

DEFAULT_DPI = 96


def render_pages(doc: "pymupdf.Document", pages: Iterable[int], dpi: int = DEFAULT_DPI) -> dict[int, bytes]:
    """PNG bytes of each 0-based page in ``pages`` (no alpha channel, deterministic)."""
    out = {}
    for i in pages:
        pix = doc[i].get_pixmap(dpi=dpi, alpha=False)
        out[i] = pix.tobytes("png")
    return out

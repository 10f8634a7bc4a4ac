"""Page images: PNG of every kept page, rendered with PyMuPDF."""
from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

if TYPE_CHECKING:
    import pymupdf

DEFAULT_DPI = 96
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def render_pages(doc: "pymupdf.Document", pages: Iterable[int], dpi: int = DEFAULT_DPI) -> dict[int, bytes]:
    """PNG bytes of each 0-based page in ``pages`` (no alpha channel, deterministic)."""
    out = {}
    for i in pages:
        pix = doc[i].get_pixmap(dpi=dpi, alpha=False)
        out[i] = pix.tobytes("png")
    return out


def png_size(path: Path) -> Optional[tuple[int, int]]:
    """Width and height of a PNG from its header; None when the file is not a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != PNG_SIGNATURE:
        return None
    return struct.unpack(">II", head[16:24])

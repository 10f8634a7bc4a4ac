"""The PDF the float detector and the crops read: a path or an open ``pymupdf.Document``,
checked, with each problem raised as a one-line ``InputError``."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from nougat_align.errors import InputError


def open_pdf(pdf: Any):
    """The document, and whether it was opened here (then the caller closes it)."""
    import pymupdf

    if isinstance(pdf, pymupdf.Document):
        if pdf.is_encrypted and pdf.needs_pass:
            raise InputError("the PDF is encrypted (password needed)")
        return pdf, False
    path = Path(pdf)
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a PDF")
    if not path.is_file():
        raise InputError(f"PDF not found: {path}")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as e:  # pymupdf raises several types for unreadable files
        raise InputError(f"{path}: not a readable PDF ({e})") from None
    if not doc.is_pdf:
        doc.close()
        raise InputError(f"{path}: not a PDF")
    if doc.needs_pass:
        doc.close()
        raise InputError(f"{path}: the PDF is encrypted (password needed)")
    if doc.page_count == 0:
        doc.close()
        raise InputError(f"{path}: the PDF has no pages")
    return doc, True

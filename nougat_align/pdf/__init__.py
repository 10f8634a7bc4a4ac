"""The PDF side: what each page prints, where its floats are, and its image.

- ``text``: lines per page (PyMuPDF) with running heads, page numbers, margin stamps and
  float regions marked.
- ``floats/``: the built-in figure/table detector (captions, then regions), and
  pdffigures2-compatible JSON in and out.
- ``render``: page PNGs.
"""

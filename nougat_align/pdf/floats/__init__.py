"""Figures and tables of a PDF without Java: the built-in float detector and pdffigures2 JSON.

- ``geometry``: page text as segments, the layout (body size, columns), margins, headings, body lines.
- ``captions``: caption candidates (a label that opens a block) and the lines that continue them.
- ``regions``: each caption's float region, grown from the drawings, images and text next to it.
- ``detect``: ``detect_floats``: the pages worth a look, captions scored, the best kept per label.
- ``document``: ``open_pdf``, the PDF check shared by the detector and the crops.
- ``pdffigures``: pdffigures2-compatible JSON in and out (``load_figures``, ``save_figures``), PNG crops.
"""

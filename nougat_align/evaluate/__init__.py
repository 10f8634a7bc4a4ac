"""The scorer behind ``nougat-align eval``: page splits scored against exact truth
(``--truth``) or by their agreement with the PDF's text (``--pdf-text``), and page layouts
against layout truth (``--layout-truth``).

It shares no code with what it scores: these modules import nothing from ``nougat_align``
but ``nougat_align.errors`` and each other (not the splitter, not its PDF text extractor).

- ``words.py``: word normalization, body words, headings; reading pages and ``truth.json``
- ``truth.py``: truth mode: word alignment, per-paper metrics, summary, ``evaluate_truth``
- ``pdf_text.py``: PDF-text mode: ``pdftotext`` pages and prose, ``evaluate_pdf_text``
- ``numbers.py``: PDF-text mode's numbers measure (a label's digit runs outside math the
  page prints; citation numbers it does not)
- ``layout.py``: layout mode: ``layout.json`` boxes, categories, text and reading order
  against ``layout_truth.json``, ``evaluate_layout``
- ``tables.py``: the markdown table ``eval`` prints for each mode
"""

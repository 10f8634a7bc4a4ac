"""The scorer behind ``nougat-align eval``: page splits scored against exact truth
(``--truth``) or by their agreement with the PDF's text (``--pdf-text``).

It shares no code with what it scores: these modules import nothing from ``nougat_align``
but ``nougat_align.errors`` and each other (not the splitter, not its PDF text extractor).

- ``words.py``: word normalization, body words, headings; reading pages and ``truth.json``
- ``truth.py``: truth mode: word alignment, per-paper metrics, summary, ``evaluate_truth``
- ``pdf_text.py``: PDF-text mode: ``pdftotext`` pages and prose, ``evaluate_pdf_text``
- ``numbers.py``: PDF-text mode's numbers measure (a label's digit runs outside math the
  page prints; citation numbers it does not)
- ``tables.py``: the markdown table ``eval`` prints for either mode
"""

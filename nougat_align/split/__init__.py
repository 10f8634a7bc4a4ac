"""The page split: a paper's markdown cut into its PDF pages, each page checked both ways.

Called in this order by ``align.align``:

- ``lines``: the PDF's pages as the aligner sees them (each line's words and role).
- ``classifier``: TF-IDF + linear SVM trained on the PDF's lines predicts each chunk's page.
- ``staircase``: the exact Gini-impurity staircase over those predictions.
- ``trim`` and ``cuts``: each boundary pinned to a character, kept off words, headings and
  displays.
- ``placement``: floats and footnotes to the page that prints them.
- ``labels``, ``references``, ``contents``: labels rewritten as the page prints them
  (numbers, caption names, marks; a reference list or a table of contents rebuilt).
- ``citations``: citations and number references rewritten as the page prints them
  (renumbered across the paper, or cut out).
- ``check`` and ``numbers``: each label checked both ways (precision, coverage) and for
  numbers the page does not print; unprinted spans cut out.
"""

"""LaTeXML HTML to Nougat-style markdown (``convert.html_to_markdown``).

- ``convert``: reads the HTML and walks it (blocks, inline text); hands each kind of element
  to its part.
- Parts, one per kind of element (each takes the walk as ``output.Walk``, never the
  converter): ``sections`` (headings, abstract, theorems), ``front`` (authors, keywords),
  ``lists`` (lists, bibliography), ``floats`` (figures, tables, captions), ``tables``
  (tabular), ``math`` (TeX, equations), ``code`` (listings), ``notes`` (footnotes).
- ``output``: what has been written (blocks, floats and footnotes held aside, warnings).
- ``tree``: small lxml helpers.  ``mmd``: how markdown is written, from plain values.
"""

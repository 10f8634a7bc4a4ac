"""The source side: an arXiv source (a tar, a gzipped .tex, a folder, a bulk tar member) to
LaTeXML HTML.

- ``archive``: what a source is from its bytes; safe unpacking; bulk tars read in place.
- ``mainfile``: which ``.tex`` LaTeX would run on, and its bibliography (``.bbl``/``.bib``).
- ``latexml``: Debian's ``latexmlc`` run as arXiv runs it, with a health report and a cache.
- ``procs``: child processes in their own process group, stopped whole on a timeout.
- ``bindings/``: our own LaTeXML bindings (package data), first on ``latexmlc``'s path.
"""

"""A run over a dump of papers (``nougat-align run``).

- ``inputs``: where the papers are (files, folders, bulk tars), paired by arXiv id.
- ``work``: one paper's job (LaTeXML when needed, then ``pipeline.process_paper``).
- ``executors``: the jobs in a local process pool (Pebble) or on Dask.
- ``batch``: the run itself: manifest, resume, timeouts, atomic outputs.
- ``summary``: running totals, ``stats.json``, progress bar, summary; the manifest reader.
"""

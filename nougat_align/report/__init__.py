"""``nougat-align view``: the static HTML report of a run (CSS/JS in ``assets/``).

- ``runs``: a run's papers read (meta.json, manifest, timings), and the PDF/markdown dropped pages need, sha-checked
- ``markdown``: nougat-style markdown as HTML (``render_mmd``), and the HTML escaping every page uses
- ``charts``: the overview's inline SVG bar charts and score histograms
- ``paper``: one paper's page, ``papers/<paper>.html``, with the page images it renders
- ``layout``: ``layout.json``'s boxes as an SVG over each page image, legend and toggle
- ``overview``: the overview, ``index.html``, with the table of every paper
- ``build``: ``build_report``: the report folder written, its mark file, files no longer needed removed
"""

"""Element-level layout of the kept pages: ``layout.json`` (after ``split/`` in the data flow).

- ``blocks``: a page's label cut into the markdown of its elements, each with a DocLayNet category
- ``boxes``: PDF lines with exact boxes; the gutter; one box per column piece of an element
- ``match``: which element each PDF line prints (word trigrams, then float regions and neighbours)
- ``order``: reading order from the page's geometry
- ``check``: each element against the words in its boxes; the page's body words in their boxes
- ``page``: ``page_layout`` (one page) and ``paper_layout`` (a paper's ``Layout``)
"""

"""What a run's pages become for training.

- ``index``: Nougat's JSONL index with its ``.seek.map``, and Parquet shards for ``datasets``.
- ``layout``: ``--coco``, ``--grounded``, ``--crops``: the pages' ``layout.json`` for layout models.
- ``style``: ``--style nougat``, the conventions of Nougat's released data over our pages.
"""

"""Reading order from geometry (``layout.order``)."""
from __future__ import annotations

from nougat_align.layout.order import reading_order


def test_a_row_of_author_blocks_reads_left_to_right_in_one_column():
    # tops a fraction of a point apart: the row still reads left to right
    els = [("Title", [(170, 110, 440, 127)]),
           ("Text", [(86, 144.5, 201, 169)]), ("Text", [(227, 144.5, 385, 167)]),
           ("Text", [(411, 144.25, 526, 169)]), ("Text", [(72, 200, 540, 260)])]
    assert reading_order(els, None) == [0, 1, 2, 3, 4]


def test_a_row_across_the_gutter_is_full_width_and_reads_left_to_right():
    els = [("Title", [(180, 80, 432, 96)]),
           ("Text", [(245, 113.0, 360, 138)]),  # across the gutter at 306
           ("Text", [(105, 113.4, 212, 135)]), ("Text", [(392, 113.2, 508, 138)]),
           ("Text", [(221, 147, 391, 171)]),
           ("Section-header", [(51, 198, 111, 208)]), ("Text", [(50, 226, 301, 388)]),
           ("Text", [(311, 201, 562, 306)])]
    assert reading_order(els, 306.0) == [0, 2, 1, 3, 4, 5, 6, 7]


def test_paragraphs_in_two_columns_are_not_a_row():
    els = [("Text", [(311, 100, 562, 300)]), ("Text", [(50, 100, 301, 300)])]
    assert reading_order(els, 306.0) == [1, 0]

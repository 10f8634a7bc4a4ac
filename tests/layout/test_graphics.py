"""Float boxes tight around their drawings and images (``layout.graphics``)."""
from __future__ import annotations

from nougat_align.layout.graphics import float_ink, groups, tight


def test_touching_boxes_are_one_group():
    frame = [(189, 200, 423, 200.4), (189, 200, 189.4, 320), (422.6, 200, 423, 320), (189, 319.6, 423, 320)]
    rules = [(219.7, 119.8, 392.3, 120.2), (219.7, 133.7, 392.3, 134.1)]
    got = sorted(groups(frame + rules))
    assert got == [(189, 200, 423, 320), (219.7, 119.8, 392.3, 120.2), (219.7, 133.7, 392.3, 134.1)]


def test_a_rule_of_the_float_below_is_not_the_tables():
    # the detector's table region reaches down onto the top of the figure's frame
    drawn = [(219.7, 119.8, 392.3, 120.2), (219.7, 188.3, 392.3, 188.7),
             (188.8, 199.9, 423.2, 200.3), (189.0, 200.1, 189.4, 319.9),
             (422.6, 200.1, 423.0, 319.9), (188.8, 319.7, 423.2, 320.1)]
    regions = {"T1": (188.8, 119.8, 423.2, 200.3), "F1": (150.0, 195.0, 460.0, 330.0)}
    ink = float_ink(drawn, regions)
    assert ink["T1"] == (219.7, 119.8, 392.3, 188.7)
    assert ink["F1"] == (188.8, 199.9, 423.2, 320.1)
    # the table's box: its rules and its cells' ink, inside its region
    assert tight(regions["T1"], ink["T1"], [(226.0, 122.0, 386.0, 185.0)]) == (219.7, 119.8, 392.3, 188.7)
    assert tight(regions["T1"], None, []) == regions["T1"]

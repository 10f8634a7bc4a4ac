"""The one normalization both sides of the alignment share."""
from __future__ import annotations

import pytest

from conftest import ROOT
from nougat_align.normalize import norm_lines, norm_string, norm_words, tokenize


@pytest.mark.parametrize("tex, glyphs", [
    (r"\(p(\Theta|D)=\int p(\Theta,\alpha|D)\,\mathrm{d}\alpha\quad,\)", "p(Θ|D) = ∫ p(Θ, α|D) dα,"),
    (r"\(\frac{N}{2}+1\)", "N\n2 +1"),
    (r"\(\ell_{2}\leq x\)", "ℓ2 ≤ 𝑥"),
    ("café — the ﬁrst “quote”", "cafe - the first \"quote\""),
    (r"astrophysics\({}^{1}\)", "astrophysics1"),
    (r"range. ∎", "range. □"),
])
def test_markdown_tex_and_pdf_glyphs_normalize_alike(tex, glyphs):
    assert norm_string(tex) == norm_string(glyphs)


def test_fast_path_equals_the_path_with_offsets():
    for path in sorted((ROOT / "tests" / "golden" / "html2md").glob("*.mmd")):
        text = path.read_text(encoding="utf-8")
        assert norm_words(text) == tokenize(text).words


def test_offsets_point_back_into_the_text():
    text = r"A _walk_ from \((0,0)\) to café."
    toks = tokenize(text)
    spans = [text[a:b] for a, b in zip(toks.starts, toks.ends)]
    assert toks.words == ["a", "walk", "from", "0", "0", "to", "cafe"]
    assert spans == ["A", "walk", "from", "0", "0", "to", "café"]
    joined, owner = toks.joined()
    assert joined == "awalkfrom00tocafe" and owner[joined.index("cafe")] == 6


def test_norm_lines_equals_norm_words_per_line():
    lines = ["Hello wörld α-β", "", r"\mathrm{x} – 12", "ﬁnal line\nwith a break"]
    assert norm_lines(lines) == [norm_words(line) for line in lines]
    assert norm_lines([]) == []

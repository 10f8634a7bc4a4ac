"""The PDF's pages as the aligner sees them: each line's normalized words and role
(body, furniture, float, aside), whether the markdown's running text holds it, and what
the page prints (``PrintedPage``) for the two-sided page check.

``classify_lines`` builds them from ``pdf_text``'s lines and the paper's markdown; a page's
``edge_candidates`` are the PDF words the trim matches at its start and end.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Sequence

from nougat_align.pdf import text as pdf_text
from nougat_align.normalize import Tokens, norm_lines, norm_words
from nougat_align.records import Markdown

PATTERN_CHARS = 120  # normalized characters of a page's first/last words that are matched
MIN_PATTERN = 16  # shorter patterns are not evidence
TRY_LINES = 6  # plausible lines at each end of a page where the pattern may start
PROSE_LINE = 5  # words: a line inside a figure this long is prose the label must hold
MISMATCH_SHARE = 0.3  # fewer of the PDF's body lines found in the markdown: not this paper


@dataclass(frozen=True)
class PrintedPage:
    """What one PDF page prints, in normalized words: ``printed`` all of it (any role, in
    reading order, line-end hyphenation undone), ``body`` what its label must hold."""

    printed: tuple[str, ...]
    body: tuple[str, ...]

    @cached_property
    def trigrams(self) -> set[tuple[str, str, str]]:
        w = self.printed
        return set(zip(w, w[1:], w[2:]))


def join_hyphenated(lines: Iterable[tuple[list[str], bool]]) -> list[str]:
    """Words of consecutive lines; a line ending in a hyphen (``hyphen`` True) is joined
    with the next line's first word (``compu-`` + ``tation``)."""
    out: list[str] = []
    glue = False
    for words, hyphen in lines:
        if glue and words and out:
            out[-1] += words[0]
            words = words[1:]
        out.extend(words)
        glue = hyphen and bool(words)
    return out


@dataclass
class Line:
    words: list[str]
    role: str
    matched: bool = False  # most of its word trigrams occur in the markdown's running text
    hyphen: bool = False  # the line ends in a hyphen after a letter (a word broken here)


@dataclass
class Page:
    index: int
    lines: list[Line]
    has_text: bool
    aside_words: list[str] = field(default_factory=list)
    blank: bool = False  # nothing drawn at all (``PdfPage.blank``)
    contents: bool = False  # a table of contents (``contents_page``)

    def body(self) -> list[Line]:
        return [ln for ln in self.lines if ln.role == "body"]

    @cached_property
    def printed(self) -> PrintedPage:
        """All words the page prints, and the body words its label must hold: not the
        running heads, page numbers and margin stamps, nor the short lines inside a figure
        (axis labels, legends, diagram nodes), which a label does not transcribe; a line
        of prose inside a figure region counts."""
        return PrintedPage(
            printed=tuple(join_hyphenated((ln.words, ln.hyphen) for ln in self.lines)),
            body=tuple(join_hyphenated((ln.words, ln.hyphen) for ln in self.lines
                                       if ln.role in ("body", "aside")
                                       or (ln.role == "float" and len(ln.words) >= PROSE_LINE))))

    def edge_candidates(self, from_end: bool) -> list[tuple[str, str]]:
        """(skipped text, pattern) pairs to try for the page's first (last) words: the
        pattern starts at each of the first few plausible lines in turn, so a table or a
        figure's labels at the top of the page can be stepped over."""
        lines = self.body()[::-1] if from_end else self.body()
        out = []
        for i, ln in enumerate(lines):
            if len(out) >= TRY_LINES:
                break
            if not ln.matched:
                continue
            pattern = ""
            for other in lines[i:]:
                if not other.matched and len(pattern) >= MIN_PATTERN:
                    break  # keep the pattern to prose the markdown has (math differs)
                piece = "".join(other.words)
                pattern = piece + pattern if from_end else pattern + piece
                if len(pattern) >= PATTERN_CHARS:
                    break
            pattern = pattern[-PATTERN_CHARS:] if from_end else pattern[:PATTERN_CHARS]
            if len(pattern) >= MIN_PATTERN:
                skipped = lines[:i][::-1] if from_end else lines[:i]  # in reading order
                out.append(("".join("".join(x.words) for x in skipped), pattern))
        return out


    def edge_or_all(self, edge: tuple[str, str], from_end: bool) -> tuple[str, str]:
        """``edge``; when no line of the page is one the markdown has in its text (a float
        and a display equation, no prose), the first (last) words of all its body lines,
        so that such a page is scored on what it prints, not on nothing."""
        if edge[1]:
            return edge
        pattern = "".join("".join(ln.words) for ln in self.body())
        pattern = pattern[-PATTERN_CHARS:] if from_end else pattern[:PATTERN_CHARS]
        return ("", pattern) if len(pattern) >= MIN_PATTERN else edge


def trigrams(words: Sequence[str]) -> set[tuple[str, str, str]]:
    return set(zip(words, words[1:], words[2:]))



def mismatched(pages: list[Page]) -> bool:
    """Not the same paper: few of the PDF's body lines (of three words or more) have
    their words in the markdown's running text."""
    lines = [ln for p in pages for ln in p.lines if ln.role in ("body", "aside") and len(ln.words) >= 3]
    found = sum(ln.matched or ln.role == "aside" for ln in lines)
    return len(lines) >= 20 and found < MISMATCH_SHARE * len(lines)



def classify_lines(md: Markdown, toks: Tokens, pdf_pages: list[pdf_text.PdfPage]) -> list[Page]:
    """Tokenize PDF lines; mark lines the markdown holds aside, and lines it has in its text."""
    body = trigrams(toks.words)
    aside: set[tuple[str, str, str]] = set()
    for f in md.floats:
        aside |= trigrams(norm_words(f.mmd))
    for n in md.footnotes:
        aside |= trigrams(norm_words(n.mmd))
    pages = []
    for pp in pdf_pages:
        lines = []
        aside_words: list[str] = []
        for pl, words in zip(pp.lines, norm_lines([pl.text for pl in pp.lines])):
            raw = pl.text.rstrip()
            ln = Line(words=words, role=pl.role,
                       hyphen=raw.endswith("-") and len(raw) > 1 and raw[-2].isalpha())
            if ln.role == "body" and 0 < len(words) < 3 and lines and lines[-1].role == "aside":
                prev = lines[-1].words[-2:]
                if len(prev) == 2 and (*prev, words[0]) in aside:
                    ln.role = "aside"  # the short last line of a footnote or caption
            elif ln.role == "body" and len(words) >= 3:
                grams = trigrams(words)
                in_body = len(grams & body) / len(grams)
                in_aside = len(grams & aside) / len(grams)
                if in_aside >= 0.5 and in_aside > in_body:
                    ln.role = "aside"
                else:
                    ln.matched = in_body >= 0.5
            if ln.role in ("aside", "float"):
                aside_words.extend(words)
            lines.append(ln)
        contents = contents_page(lines)
        if contents:  # its titles are the markdown's headings, not this page's text
            for ln in lines:
                ln.matched = False
        pages.append(Page(index=pp.index, lines=lines, has_text=pp.has_text, aside_words=aside_words,
                           blank=pp.blank, contents=contents))
    return pages


def contents_page(lines: list[Line]) -> bool:
    """A table of contents: a line among the first three reads "Contents" (its title, or
    the running head of a continued table: "x  Contents"), and at least a third of the
    body lines are numbers (section numbers, page numbers)."""
    body = [ln.words for ln in lines if ln.role == "body" and ln.words]
    head = [ln.words for ln in lines if ln.role in ("body", "furniture") and ln.words][:3]
    if not any(w in (["contents"], ["table", "of", "contents"]) for w in head):
        return False
    return sum(all(x.isdigit() for x in w) for w in body) >= len(body) / 3

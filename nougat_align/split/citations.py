"""Numbers as the page prints them: citations, equation, figure, table and section
references in a kept page's label rewritten from the page's own text (DESIGN §8).

LaTeXML renders the bibliography from the ``.bib`` in its own order whenever it can, so
every in-text citation may carry another number than the PDF prints (``[15]`` where the
page prints ``[3]``), another style (``Harikae et al. (2010)`` where it prints ``[32]``),
or a raw key (``Barlow:1993dm``).  A bag of letter-words cannot see that; this module
fixes what the page tells and cuts what it cannot:

1. ``page_edits``: the label's prose words and the page's words are aligned
   (``difflib``); a differing stretch of at most ``MAX_STRETCH`` words on either side that
   holds a number on the label's side, whose numbers are not the page's, and that stands
   between ``ANCHOR`` equal words on both sides is rewritten as the page prints it there
   (the raw text of the page's lines between the anchors) -- when that is short and plain
   (no glyphs, no line breaks of the label inside).  A bracketed citation group the page
   prints where the label holds nothing is inserted likewise.
2. ``renumber``: from the single citations step 1 rewrote (``[15]`` -> ``[3]``) a map of
   the paper's citation numbers is made (an old number kept when at least two thirds of
   its rewrites agree); citation groups still holding a number the page does not print
   are renumbered with it when the page prints every new number, and cut out otherwise.

Stand-off, like ``labels``: every rewrite is a ``Relabel`` (kind ``citation`` for a
bracketed group or author-year, ``number`` for any other number) over the running text or
a caption; the page check (``check``, ``numbers``) then measures the result.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Optional, Sequence

from nougat_align.normalize import tokenize
from nougat_align.records import Alignment, PageText, Relabel
from nougat_align.split.check import not_prose_spans
from nougat_align.split.numbers import AUTHOR_YEAR, CITE_GROUP, cite_numbers, digit_runs, expand

ANCHOR = 2  # equal words on each side of a rewritten stretch
MAX_STRETCH = 10  # words of a stretch, on either side
MAX_PRINTED_CHARS = 90
_BARRIER = "\x00"  # a word that never matches: math, code, spans already rewritten
_PLAIN = re.compile(r"[\w\s\[\]().,;:&'\u2019\-\u2013\u2014/+*]*")
_LABEL_MARKUP = re.compile(r"\n|\\\(|\\\[|`|\]\(|\||#|\\begin")
_DASHES = str.maketrans({"\u2013": " ", "\u2014": " ", "\u2212": " "})  # one char each: offsets stay
_INSERTABLE = re.compile(r"\s*\[[\d,;\s\-\u2013]+\][.,;:]?\s*")


def _page_tokens(pdf_page) -> tuple[list[str], list[tuple[int, int, int]]]:
    """The page's words (furniture left out) and, per word, (line, start, end)."""
    words, where = [], []
    for i, ln in enumerate(pdf_page.lines):
        if ln.role == "furniture":
            continue
        toks = tokenize(ln.text.translate(_DASHES))  # 32–36 is two words
        for w, s, e in zip(toks.words, toks.starts.tolist(), toks.ends.tolist()):
            words.append(w)
            where.append((i, s, e))
    return words, where


def _label_tokens(text: str, a: int, b: int, blocked: Sequence[tuple[int, int]]
                  ) -> tuple[list[str], list[tuple[int, int]]]:
    """The words of ``text[a:b]`` with their spans; words in math, code or ``blocked``
    spans are barriers."""
    toks = tokenize(text[a:b].translate(_DASHES))
    spans = [(x + a, y + a) for x, y in not_prose_spans(text[a:b])] + list(blocked)
    words, where = [], []
    for w, s, e in zip(toks.words, toks.starts.tolist(), toks.ends.tolist()):
        s, e = s + a, e + a
        words.append(_BARRIER if any(x <= s < y or x < e <= y for x, y in spans) else w)
        where.append((s, e))
    return words, where


def _printed_between(pdf_page, where, j1: int, j2: int) -> Optional[str]:
    """The page's raw text after word ``j1 - 1`` and before word ``j2`` (at most two lines),
    or None when it spans more or is not plain text."""
    (l0, _, e0), (l1, s1, _) = where[j1 - 1], where[j2]
    lines = pdf_page.lines
    if l0 == l1:
        if e0 > s1:
            return None  # two words of one token
        raw = lines[l0].text[e0:s1]
    elif l1 == l0 + 1:
        head, tail = lines[l0].text[e0:].rstrip(), lines[l1].text[:s1]
        if re.search(r"[A-Za-z]-$", head) and tail[:1].islower():
            return None  # a word broken over the lines: not a stretch of numbers
        raw = head + " " + tail
    else:
        return None
    raw = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", raw))
    if len(raw) > MAX_PRINTED_CHARS or not _PLAIN.fullmatch(raw):
        return None
    return raw


def _stretches(ops, words: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """Differing stretches ``(i1, i2, j1, j2)`` between runs of equal words: neighbouring
    differences joined across fewer than ``ANCHOR`` equal words; a stretch is kept when
    at least one equal word stands on each side and ``ANCHOR`` on both together.  A
    difference holding a barrier (math) is joined to none."""
    def barred(op) -> bool:
        return _BARRIER in words[op[1]:op[2]]

    out = []
    k = 0
    while k < len(ops):
        if ops[k][0] == "equal":
            k += 1
            continue
        start = k
        while k + 2 < len(ops) and ops[k + 1][0] == "equal" and ops[k + 1][2] - ops[k + 1][1] < ANCHOR \
                and ops[k + 2][0] != "equal" and not barred(ops[k]) and not barred(ops[k + 2]):
            k += 2
        end = k
        k += 1
        if start == 0 or end == len(ops) - 1:
            continue
        before, after = ops[start - 1], ops[end + 1]
        if (before[2] - before[1]) + (after[2] - after[1]) < ANCHOR:
            continue
        out.append((ops[start][1], ops[end][2], ops[start][3], ops[end][4]))
    return out


def _kind(old: str, new: str) -> str:
    return "citation" if CITE_GROUP.search(old) or CITE_GROUP.search(new) or "al." in old else "number"


def page_edits(text: str, a: int, b: int, target: str, blocked: Sequence[tuple[int, int]],
               page_words: list[str], page_where: list, pdf_page) -> list[Relabel]:
    """Rewrites of ``text[a:b]`` (the running text when ``target`` is "", else a float's
    or footnote's markdown) whose numbers differ from what the page prints there."""
    words, where = _label_tokens(text, a, b, blocked)
    if not words or not page_words:
        return []
    ops = SequenceMatcher(None, words, page_words, autojunk=False).get_opcodes()
    edits = []
    for i1, i2, j1, j2 in _stretches(ops, words):
        if i2 - i1 > MAX_STRETCH or j2 - j1 > MAX_STRETCH or _BARRIER in words[i1:i2]:
            continue
        la, lb = where[i1 - 1][1], where[i2][0]
        if la > lb:
            continue
        old = text[la:lb]
        # a stretch ending (starting) a paragraph reaches over the blank line to the next
        # paragraph's first word (from the previous one's last word): the break is no part
        # of it, nor the punctuation ending the previous paragraph; when its numbers all
        # stand on one side of the break, that side alone is rewritten
        lead = None
        if i1 < i2 and "\n" in old:
            first, last = old.index("\n"), old.rindex("\n")
            head, tail = old[:first], old[last + 1:]
            if digit_runs(head) and not tail.strip():
                lb = la + len(head.rstrip())
                lead = ""
            elif digit_runs(tail) and re.fullmatch(r"[\s.,;:!?)]*", head):
                la += last + 1
                lead = head.strip()
            old = text[la:lb]
        if _LABEL_MARKUP.search(old):
            continue
        new = _printed_between(pdf_page, page_where, j1, j2)
        if new is None:
            continue
        if lead == "":
            new = new.rstrip()
        elif lead is not None:
            if not new.lstrip().startswith(lead):
                continue
            new = new.lstrip()[len(lead):].lstrip()
        if i1 == i2:
            if not re.fullmatch(r"\s*[.,;:]?\s*", old) or not _INSERTABLE.fullmatch(new):
                continue
        elif not digit_runs(old) or Counter(digit_runs(old)) == Counter(digit_runs(new)):
            continue
        new = (" " if old[:1].isspace() and new[:1] != " " else "") + new
        edits.append(Relabel(target=target, start=la, end=lb, text=new, kind=_kind(old, new)))
    return edits


_LIST_ITEM = re.compile(r"^\* .*$", re.M)


def _blocked(p: PageText, target: str, text: str = "") -> list[tuple[int, int]]:
    """Spans of ``target`` already rewritten (a cross-reference ``labels`` renumbered
    after a caption is not: the page's own text says more) or cut, and, in the running
    ``text``, its list items (a reference list is the page's own, ``references``)."""
    spans = [(r.start, r.end) for r in p.relabels if r.target == target and r.kind != "reference"]
    if target == "":
        spans += list(p.removed) + [m.span() for m in _LIST_ITEM.finditer(text, p.start, p.end)
                                    if _in_bibliography(text, m.start())]
    return spans


_BIB_HEADING = re.compile(r"^#{1,6} .*(?:References|REFERENCES|Bibliography|BIBLIOGRAPHY|Literature).*$", re.M)


def _in_bibliography(text: str, at: int) -> bool:
    """``at`` lies under a References/Bibliography heading (before any later heading)."""
    heads = [m for m in _BIB_HEADING.finditer(text, 0, at)]
    if not heads:
        return False
    return re.search(r"^#{1,6} ", text[heads[-1].end():at], re.M) is None


def relabel_numbers(alignment: Alignment, pdf_pages: Sequence) -> Alignment:
    """``alignment`` with the numbers of every kept page's running text, captions and
    footnotes rewritten as the page prints them (steps 1 and 2 of the module docstring)."""
    md = alignment.markdown
    sources = {f.id: f.mmd for f in md.floats + md.footnotes}
    pages = []
    for p in alignment.pages:
        if not p.kept or p.page - 1 >= len(pdf_pages):
            pages.append(p)
            continue
        pdf_page = pdf_pages[p.page - 1]
        pw, pwhere = _page_tokens(pdf_page)
        edits = page_edits(md.text, p.start, p.end, "", _blocked(p, "", md.text), pw, pwhere, pdf_page)
        for fid in p.floats + p.footnotes:
            if fid in sources:
                src = sources[fid]
                edits += page_edits(src, 0, len(src), fid, _blocked(p, fid), pw, pwhere, pdf_page)
        kept = tuple(r for r in p.relabels if r.kind != "reference" or not any(
            e.target == r.target and e.start < r.end and r.start < e.end for e in edits))
        pages.append(replace(p, relabels=kept + tuple(edits)) if edits else p)
    mapping = citation_map([r for p in pages for r in p.relabels if r.kind == "citation"], md, sources)
    pages = [cut_numbers(md.text, sources, renumber(md.text, sources, p, pdf_pages[p.page - 1], mapping),
                         pdf_pages[p.page - 1])
             if p.kept and p.page - 1 < len(pdf_pages) else p for p in pages]
    return replace(alignment, pages=tuple(pages))


def citation_map(edits: Sequence[Relabel], md, sources: dict[str, str]) -> dict[str, str]:
    """A citation as LaTeXML wrote it -> as the page prints it, from the rewrites of step 1
    (``[15]`` -> ``[3]``, ``Arens and Sehgal (1994)`` -> ``[17]``; for a numeric group of
    one number also the number alone, ``15`` -> ``3``); a citation whose rewrites disagree
    more than a third is left out."""
    seen: dict[str, Counter] = defaultdict(Counter)
    for r in edits:
        old = (md.text if r.target == "" else sources.get(r.target, ""))[r.start:r.end]
        a, b = CITE_GROUP.findall(old), CITE_GROUP.findall(r.text)
        if len(a) == 1 and len(b) == 1:
            x, y = expand(a[0]), expand(b[0])
            if len(x) == 1 and len(y) == 1:
                seen[x[0]][y[0]] += 1
        cite = AUTHOR_YEAR.search(old)
        if cite and len(b) == 1 and not CITE_GROUP.search(old):
            seen[cite.group(0)][f"[{b[0]}]"] += 1
    out = {}
    for old, news in seen.items():
        new, n = news.most_common(1)[0]
        if n * 3 >= 2 * sum(news.values()):
            out[old] = new
    return out


def _format(numbers: list[str], ranges: bool) -> str:
    """Citation numbers as a group's inside, sorted, runs of three or more as ranges
    (``3, 7–9``) when the page prints ranges."""
    nums = sorted(set(int(n) for n in numbers))
    parts, i = [], 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        if ranges and j - i >= 2:
            parts.append(f"{nums[i]}\u2013{nums[j]}")
        else:
            parts.extend(str(n) for n in nums[i:j + 1])
        i = j + 1
    return ", ".join(parts)


def _cut(src: str, a: int, start: int, end: int, target: str) -> Relabel:
    """A citation cut out with the space before it."""
    if start > a and src[start - 1] == " ":
        start -= 1
    return Relabel(target=target, start=start, end=end, text="", kind="citation")


def renumber(text: str, sources: dict[str, str], p: PageText, pdf_page,
             mapping: dict[str, str]) -> PageText:
    """Citations of ``p`` that hold a number its page does not print: a numeric group
    renumbered with ``mapping`` and an author-year citation rewritten with it when the
    page prints every new number, else cut out."""
    printed_text = " ".join(ln.text for ln in pdf_page.lines)
    printed = set(digit_runs(printed_text))
    in_groups = {d for g in re.findall(r"\[([^\[\]]{1,80})\]", printed_text) for d in digit_runs(g)}
    if in_groups:  # a page printing bracketed citations: a citation's numbers are among theirs
        printed = in_groups
    ranges = bool(re.search(r"\d\s?[\u2013-]\s?\d+\]", printed_text))
    edits = []
    targets = [("", text, p.start, p.end)] + [(i, sources[i], 0, len(sources[i]))
                                              for i in p.floats + p.footnotes if i in sources]
    for target, src, a, b in targets:
        blocked = _blocked(p, target, src) + [(x + a, y + a) for x, y in not_prose_spans(src[a:b])]
        found = [(m, True) for m in CITE_GROUP.finditer(src, a, b)]
        found += [(m, False) for m in AUTHOR_YEAR.finditer(src, a, b)]
        for m, numeric in sorted(found, key=lambda x: x[0].start()):
            if any(x < m.end() and m.start() < y for x, y in blocked):
                continue
            nums = cite_numbers(m.group(0))
            if not nums or all(n in printed for n in nums):
                continue
            blocked.append(m.span())
            if numeric:
                new = [mapping.get(n) for n in nums]
                if all(n is not None and n in printed for n in new):
                    edits.append(Relabel(target=target, start=m.start(1), end=m.end(1),
                                         text=_format(new, ranges), kind="citation"))
                    continue
            else:
                new_text = mapping.get(m.group(0))
                if new_text and all(n in printed for n in digit_runs(new_text)):
                    edits.append(Relabel(target=target, start=m.start(), end=m.end(), text=new_text,
                                         kind="citation"))
                    continue
            edits.append(_cut(src, a, m.start(), m.end(), target))
    return replace(p, relabels=p.relabels + tuple(edits)) if edits else p


MAX_CUTS = 3  # more unprinted numbers on a page: left for the check to drop it
_TOKEN_AROUND = re.compile(r"[\w.\-/:\u2013]*\d[\w.\-/:\u2013]*")


def cut_numbers(text: str, sources: dict[str, str], p: PageText, pdf_page) -> PageText:
    """The numbers of ``p``'s prose its page does not print (each printed number answers
    for one of the label's, in reading order), cut out -- the word holding it, with its
    parentheses when it stands alone in them -- when there are at most ``MAX_CUTS``; a
    number starting a line (a list marker, a heading's) is never cut."""
    printed = Counter(d for ln in pdf_page.lines for w in tokenize(ln.text).words for d in digit_runs(w))
    rewritten = Counter(d for r in p.relabels for d in digit_runs(r.text))
    printed -= rewritten  # the page's numbers the rewrites already answer for
    cuts: list[Relabel] = []
    targets = [("", text, p.start, p.end)] + [(i, sources[i], 0, len(sources[i]))
                                              for i in p.floats + p.footnotes if i in sources]
    for target, src, a, b in targets:
        blocked = _blocked(p, target, src) + [(x + a, y + a) for x, y in not_prose_spans(src[a:b])]
        blocked += [(r.start, r.end) for r in p.relabels if r.target == target]
        for m in _TOKEN_AROUND.finditer(src, a, b):
            if any(x < m.end() and m.start() < y for x, y in blocked):
                continue
            x, y = m.span()
            while y > x and src[y - 1] in ".:-/\u2013":
                y -= 1
            missing = []
            for d in digit_runs(src[x:y]):
                if printed[d] > 0:
                    printed[d] -= 1
                else:
                    missing.append(d)
            if not missing:
                continue
            line_start = src.rfind("\n", 0, x) + 1
            if not src[line_start:x].strip(" #*-") and (src[line_start:line_start + 1] == "#" or re.match(
                    r"\(?[0-9]+[.)]\s", src[x:])):
                return p  # a list marker or a heading number: not ours to cut
            if x > a and y < b and src[x - 1] == "(" and src[y] == ")":
                x, y = x - 1, y + 1
            cuts.append(replace(_cut(src, a, x, y, target), kind="number"))
    if not cuts or len(cuts) > MAX_CUTS:
        return p
    return replace(p, relabels=p.relabels + tuple(cuts))

"""Which block each PDF line of a page prints.

Running heads and page numbers (``furniture``) are elements of their own.  Every other
line votes with the word trigrams it prints (read across line ends, hyphenation undone):
each trigram a block's words hold gives that block a vote, shared among the blocks that
hold it.  A line is its block's when it has votes.  The lines left (display math, table
rules, figure labels, a lone equation number) are placed by where they are: inside a
float's region they are that float's Picture or Table; between the lines of one block
they are that block's; between two blocks with markdown blocks in between that no line
printed yet (a display equation) they are those, cut at their widest vertical gaps.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Optional, Sequence

from nougat_align.layout.blocks import Block
from nougat_align.layout.boxes import LineBox, side
from nougat_align.normalize import norm_words
from nougat_align.records import FloatRecord

SHORT = 6  # words: a block this short (a heading) is also found by its word pairs
NEAR = 1.6
DISPLAY_GAP = 0.6  # line heights of white space above or below a display
STRONG = 2.0  # votes: a line out of markdown order with this many stays with its block  # line heights: an unplaced line this close to a block's line joins it


def _stream(lines: Sequence[LineBox]) -> tuple[list[str], list[int]]:
    """The words of ``lines`` in order with the line each came from; a word broken at a
    line end is joined and owned by the line where it starts."""
    words: list[str] = []
    owner: list[int] = []
    glue = False
    for k, ln in enumerate(lines):
        ws = ln.norm
        if glue and ws and words:
            words[-1] += ws[0]
            ws = ws[1:]
        words.extend(ws)
        owner.extend([k] * len(ws))
        glue = ln.hyphen and bool(ws)
    return words, owner


def vote(lines: Sequence[LineBox], blocks: Sequence[Block]) -> list[Optional[int]]:
    """For each line, the block its words' trigrams point to (None: no trigram matched)."""
    index: dict[tuple[str, ...], set[int]] = defaultdict(set)
    pairs: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for b, blk in enumerate(blocks):
        w = blk.words
        for g in zip(w, w[1:], w[2:]):
            index[g].add(b)
        if 0 < len(w) < 3:  # a short heading or item: its words, padded, are its trigram
            index[(*w, "", "")[:3]].add(b)
        if 0 < len(w) <= SHORT:  # and its word pairs ("I." and "INTRODUCTION" two lines)
            for g in zip(w, w[1:]):
                pairs[g].add(b)
    words, owner = _stream(lines)
    votes: list[dict[int, float]] = [defaultdict(float) for _ in lines]
    for n, table, weight in ((3, index, 1.0), (2, pairs, 0.5)):
        for i in range(len(words) - n + 1):
            hit = table.get(tuple(words[i:i + n]))
            if not hit:
                continue
            share = weight / len(hit)
            # a trigram is its middle word's line's evidence (a display line's first
            # words do not vote for the sentence that leads into it); a pair both lines'
            for j in ({owner[i + 1]} if n == 3 else set(owner[i:i + n])):
                for b in hit:
                    votes[j][b] += share
    for k, ln in enumerate(lines):  # a line of one or two words alone
        if not votes[k] and 0 < len(ln.norm) < 3:
            hit = index.get((*ln.norm, "", "")[:3])
            for b in hit or ():
                votes[k][b] += 1.0 / len(hit)
    out: list[Optional[int]] = []
    weight: list[float] = []
    prev: Optional[int] = None
    for v in votes:
        if not v:
            out.append(None)
            weight.append(0.0)
            continue
        best = max(v.values())
        tied = sorted(b for b, x in v.items() if x >= best - 1e-9)
        # a tie: the block after the previous line's, in markdown order
        pick = next((b for b in tied if prev is not None and b >= prev), tied[0])
        out.append(pick)
        weight.append(best)
        prev = pick
    running = [k for k, b in enumerate(out) if b is not None and blocks[b].source == ""]
    keep = {running[i] for i in _in_order([(out[k], weight[k]) for k in running])}
    # a line with strong evidence stays where it points (e-mail addresses set as footnotes)
    return [b if b is None or blocks[b].source != "" or k in keep or weight[k] >= STRONG else None
            for k, b in enumerate(out)]


def _in_order(seq: list[tuple[int, float]]) -> list[int]:
    """Positions in ``seq`` ((block, weight) of the running-text lines, in the order the
    page writes them) of the heaviest chain whose blocks never go back: the page prints
    its running text in markdown order, so a line voting for an earlier block is wrong
    (a formula's letters matching another formula)."""
    if not seq:
        return []
    size = max(b for b, _ in seq) + 2
    tree = [(0.0, -1)] * (size + 1)  # Fenwick tree of (best chain weight, its last position) by block

    def query(b: int) -> tuple[float, int]:
        best, i = (0.0, -1), b + 1
        while i > 0:
            best = max(best, tree[i])
            i -= i & -i
        return best

    def update(b: int, val: tuple[float, int]) -> None:
        i = b + 1
        while i <= size:
            tree[i] = max(tree[i], val)
            i += i & -i

    back = [-1] * len(seq)
    score = [0.0] * len(seq)
    for pos, (b, w) in enumerate(seq):
        s, p = query(b)
        score[pos], back[pos] = s + w, p
        update(b, (score[pos], pos))
    pos = max(range(len(seq)), key=lambda i: (score[i], -i))
    chain = []
    while pos >= 0:
        chain.append(pos)
        pos = back[pos]
    return chain


def _region_of(ln: LineBox, regions: list[tuple[tuple[float, ...], int]]) -> Optional[int]:
    for (x0, y0, x1, y1), b in regions:
        if x0 - 2 <= ln.cx <= x1 + 2 and y0 - 2 <= ln.cy <= y1 + 2:
            return b
    return None


def float_regions(blocks: Sequence[Block], records: Sequence[FloatRecord], page: int,
                  float_kinds: dict[str, tuple[str, str]]) -> dict[str, FloatRecord]:
    """The detector's record for each float on ``page`` (0-based), by float id;
    ``float_kinds`` maps a float id to its (kind, number)."""
    by_key = {(r.fig_type.lower(), r.name.upper()): r for r in records if r.page == page}
    out = {}
    for fid, (kind, number) in float_kinds.items():
        rec = by_key.get((kind, number.upper()))
        if rec is not None:
            out[fid] = rec
    return out


def assign(lines: Sequence[LineBox], blocks: Sequence[Block], regions: dict[str, FloatRecord],
           split_at: Optional[float] = None, ink: Optional[dict] = None) -> list[Optional[int]]:
    """The block index of every non-furniture line of the page (None: no block);
    ``split_at`` is the page's gutter (``boxes.gutter``); ``ink`` a float's drawings
    and images by float id (``graphics.float_ink``)."""
    content = [k for k, ln in enumerate(lines) if ln.role != "furniture"]
    sub = [lines[k] for k in content]
    got = vote(sub, blocks)
    ink = ink or {}
    owners = [(rec.region_boundary, b) for b, blk in enumerate(blocks) if blk.category in ("Picture", "Table")
              for rec in [regions.get(blk.float_id)] if rec is not None and rec.region_boundary is not None]
    boxes = [((r.x1, r.y1, r.x2, r.y2), b) for r, b in owners]
    for k, ln in enumerate(sub):  # inside a float's region: that float's
        if got[k] is None or blocks[got[k]].source == "" and ln.role == "float":
            b = _region_of(ln, boxes)
            drawn = ink.get(blocks[b].float_id) if b is not None else None
            if got[k] is not None and drawn is not None and _region_of(ln, [(drawn, b)]) is None:
                continue  # running text in the region's margin, off the float's drawings
            if b is not None:
                got[k] = b
    _fill_gaps(sub, blocks, got, split_at)
    _displays(sub, blocks, got)
    out: list[Optional[int]] = [None] * len(lines)
    for k, b in zip(content, got):
        out[k] = b
    return out


def _fill_gaps(lines: Sequence[LineBox], blocks: Sequence[Block], got: list[Optional[int]],
               split_at: Optional[float]) -> None:
    """Runs of unplaced lines: to the unprinted running-text blocks between their
    neighbours' blocks, else to a neighbour's block they sit close to."""
    used = {b for b in got if b is not None}
    k = 0
    while k < len(lines):
        if got[k] is not None:
            k += 1
            continue
        j = k
        while j < len(lines) and got[j] is None:
            j += 1
        prev = next((got[i] for i in range(k - 1, -1, -1) if got[i] is not None and blocks[got[i]].source == ""),
                    None)
        nxt = next((got[i] for i in range(j, len(lines)) if got[i] is not None and blocks[got[i]].source == ""),
                   None)
        lo = -1 if prev is None else prev
        hi = len(blocks) if nxt is None else nxt
        free = [b for b in range(lo + 1, hi) if b not in used and blocks[b].source == "" and
                (blocks[b].category in ("Formula", "Table") or blocks[b].category == "Text" and blocks[b].words)]
        run = list(range(k, j))
        if free:
            for b, part in zip(free, _cut(lines, run, len(free))):
                for i in part:
                    got[i] = b
                used.add(b)
        else:
            for i in run:  # each line beside the one before it (placed just now) or the next
                got[i] = _near(lines, got, i, i, j, split_at)
            for i in run:  # then beside any line of the run (a limit above a sum sign)
                if got[i] is None:
                    got[i] = _near(lines, got, i, k, j, split_at, within=True)
        k = j


def _cut(lines: Sequence[LineBox], run: list[int], n: int) -> list[list[int]]:
    """``run`` (line indices in order) cut into ``n`` parts at its widest vertical gaps
    (fewer parts when it has fewer lines)."""
    if n <= 1 or len(run) <= 1:
        return [run]
    gaps = sorted(range(1, len(run)), key=lambda i: (-abs(lines[run[i]].box[1] - lines[run[i - 1]].box[3]), i))
    cuts = sorted(gaps[:n - 1])
    out, at = [], 0
    for c in cuts + [len(run)]:
        out.append(run[at:c])
        at = c
    return out


def _near(lines: Sequence[LineBox], got: list[Optional[int]], i: int, k: int, j: int,
          split_at: Optional[float], within: bool = False) -> Optional[int]:
    """The block of the line just before the run or just after it (``within``: or of
    a line of the run placed already), when line ``i`` sits within ``NEAR`` line heights
    of it in the same column."""
    ln = lines[i]
    h = max(ln.box[3] - ln.box[1], 4.0)
    near = []
    for o in (k - 1, j, *(range(k, j) if within else ())):
        if o != i and 0 <= o < len(lines) and got[o] is not None:
            other = lines[o].box
            overlap = min(ln.box[2], other[2]) - max(ln.box[0], other[0])
            gap = max(other[1] - ln.box[3], ln.box[1] - other[3])
            if overlap > 0 and gap < NEAR * h:
                near.append((gap - (0.25 * h if o == k - 1 else 0.0), o))
    if near:  # the clearly closer (a sum's limit is its sign's, not the sentence's above)
        return got[min(near)[1]]
    # on the baseline of the nearest placed line on its side of the gutter (an equation's
    # number, the rest of a split line)
    best, pick = float("inf"), None
    for o, other in enumerate(lines):
        b = other.box
        if got[o] is None or o == i or side(b, split_at) != side(ln.box, split_at):
            continue
        if min(ln.box[3], b[3]) - max(ln.box[1], b[1]) > 0.5 * min(h, b[3] - b[1]):
            gap = max(b[0] - ln.box[2], ln.box[0] - b[2], 0.0)
            if gap < best:
                best, pick = gap, got[o]
    return pick


def _displays(lines: Sequence[LineBox], blocks: Sequence[Block], got: list[Optional[int]]) -> None:
    """A display no line was given to, whose lines went to the paragraph before it (its
    symbols are that sentence's inline math too): the lines after that paragraph's last
    wide vertical gap are the display's; likewise the lines before the first wide gap of
    the paragraph after it."""
    placed = set(got)
    for f, blk in enumerate(blocks):
        if blk.category != "Formula" or blk.source:
            continue
        own = [lines[k].box for k, g in enumerate(got) if g == f]
        for nb, tail in ((f - 1, True), (f + 1, False)):
            if not 0 <= nb < len(blocks) or blocks[nb].source:
                continue
            mine = [k for k, g in enumerate(got) if g == nb]
            if len(mine) < 2:
                continue
            gaps = [i for i in range(1, len(mine)) if _wide(lines[mine[i - 1]], lines[mine[i]])]
            if not gaps:
                continue
            part = mine[gaps[-1]:] if tail else mine[:gaps[0]]
            # a display with lines takes only pieces on its own baselines ("f(Y) =")
            beside = any(_same_row(lines[k].box, b) for k in part for b in own)
            if len(part) < len(mine) and (f not in placed or beside):
                for k in part:
                    got[k] = f
                placed.add(f)
                break


def _same_row(a: tuple, b: tuple) -> bool:
    return min(a[3], b[3]) - max(a[1], b[1]) > 0.5 * min(a[3] - a[1], b[3] - b[1])


def _wide(a: LineBox, b: LineBox) -> bool:
    """``b`` starts below ``a`` after white space of ``DISPLAY_GAP`` line heights or more."""
    h = min(a.box[3] - a.box[1], b.box[3] - b.box[1])
    return b.box[1] - a.box[3] > DISPLAY_GAP * max(h, 4.0)


def headings_at_the_edge(lines: Sequence[LineBox], blocks: Sequence[Block], got: list[Optional[int]]) -> None:
    """A heading printed at the page's top edge, whose number (or whole line) the aligner
    took for a running head or page number: the furniture lines on one row that, with the
    heading's own lines on that row, print exactly the heading's words (in order, left
    to right) are the heading's, and body lines from now on."""
    for b, blk in enumerate(blocks):
        if blk.category not in ("Section-header", "Title") or blk.source or not blk.words:
            continue
        mine = [k for k, g in enumerate(got) if g == b]
        rows = [lines[mine[0]]] if mine else [ln for ln in lines if ln.role == "furniture"]
        for anchor in rows:
            # the row's lines left to right (a line the gaps gave to the paragraph below
            # too: "Complexity" after a "6.3" taken for a running head); a run of them
            # with the anchor in it that prints the heading's words exactly
            row = sorted((k for k, ln in enumerate(lines) if _same_row(ln.box, anchor.box)
                          and (got[k] == b or got[k] is None or ln.role != "furniture")),
                         key=lambda k: lines[k].box[0])
            at = next(i for i, k in enumerate(row) if lines[k] is anchor)
            run = next((row[i:j] for i in range(at + 1) for j in range(at + 1, len(row) + 1)
                        if _prints(lines, row[i:j], blk.words)), None)
            extra = [k for k in run or () if got[k] != b]
            if extra:
                for k in extra:
                    got[k] = b
                    lines[k].role = "body"
                break


def _prints(lines: Sequence[LineBox], run: list[int], words: tuple[str, ...]) -> bool:
    return tuple(w for k in run for w in (lines[k].norm or norm_words(lines[k].text))) == tuple(words)


_TAG = re.compile(r"^\(\s*([\w.\-]+)\s*\)$")


def tags_beside_displays(lines: Sequence[LineBox], blocks: Sequence[Block], got: list[Optional[int]]) -> None:
    """An equation number the aligner took for a running foot or head (a display at the
    page's bottom edge): a furniture line "(6)" on the row of a display's line, whose
    markdown carries ``\\tag{6}``, is that display's."""
    for k, ln in enumerate(lines):
        m = _TAG.match(ln.text.strip()) if ln.role == "furniture" and got[k] is None else None
        if m is None:
            continue
        for o, g in enumerate(got):
            if (g is not None and blocks[g].category == "Formula" and _same_row(lines[o].box, ln.box)
                    and f"\\tag{{{m.group(1)}}}" in blocks[g].text):
                got[k] = g
                ln.role = "body"
                break


def ends_taken_for_furniture(lines: Sequence[LineBox], blocks: Sequence[Block], got: list[Optional[int]]) -> None:
    """A short last line of an element ("1995." closing a reference) the aligner took for
    a running head: a furniture line right below a line of a block (within a line height,
    overlapping it across) whose words are that block's last words is that block's."""
    for k, ln in enumerate(lines):
        if ln.role != "furniture" or got[k] is not None or not ln.norm or k == 0:
            continue
        prev = next((i for i in range(k - 1, -1, -1) if lines[i].role != "furniture"), None)
        if prev is None or got[prev] is None:
            continue
        above, h = lines[prev].box, ln.box[3] - ln.box[1]
        close = 0 <= ln.box[1] - above[3] < h and min(ln.box[2], above[2]) > max(ln.box[0], above[0])
        words = blocks[got[prev]].words
        if close and len(words) > len(ln.norm) and tuple(words[-len(ln.norm):]) == tuple(ln.norm):
            got[k] = got[prev]
            ln.role = "body"

"""Labels as printed: heading numbers, caption names, theorem heads, footnote marks and
end-of-proof marks made to read the way the PDF page prints them.

LaTeXML numbers and names things in its own house style (``Figure 3:`` where IEEEtran
prints ``Fig. 3:``, ``II-B1`` where it prints ``1)``, ``**Remark**.`` where amsthm prints an
italic *Remark.*); the page is the authority (DESIGN §8).  ``relabel`` looks at every
label-like prefix of a kept page's markdown, finds the same line in that page's PDF text by
the words that follow the label, and takes what the page prints before them:

* headings ``## 2.1 Title`` -> the printed number (``2.1.``, ``B.``, ``2)``, none); the
  ``#`` level stays;
* caption lines ``Figure 3: text`` -> the printed name and number (``Fig. 3:``, ``TABLE I``);
* theorem heads ``**Remark**.`` -> ``_Remark._`` when the page sets it in italic (fonts read
  from the PDF spans), proof heads likewise;
* footnote lines ``Footnote 2: text`` -> the printed mark;
* end-of-proof marks ``∎`` -> ``□`` when the page draws an open box (amsthm draws it with
  four rules, so the text layer has nothing; the drawing is what tells).

Where the page does not tell (the line is not found, the title is math, the mark is not in
the text layer), LaTeXML's label stays and is counted as ``labels_unverified``.

Stand-off: nothing in ``Markdown`` changes.  Each rewrite is a ``Relabel`` (which string:
the running text or a float/footnote id; character span; printed text) in
``PageText.relabels``; ``Alignment.page_markdown`` applies them when the page is written,
and meta.json lists them, so the offsets still index the one markdown string.
"""
from __future__ import annotations

import bisect
import re
import time
from dataclasses import replace
from typing import Optional, Sequence

import pymupdf

from nougat_align.normalize import norm_string, tokenize
from nougat_align.records import Alignment, PageText, Relabel

KEY_CHARS = 40  # normalized characters of a title/caption used to find its line

# what a printed heading number may look like: "2", "2.1.", "II.", "B.", "2)", "A.1",
# "Chapter 3", "Appendix A"; parenthesized "(a)" is a subfigure's, never a heading's
_PRINTED_HEAD = re.compile(
    r"(?:(?:Chapter|CHAPTER|Appendix|APPENDIX|Part|PART|Section|SECTION)\s+)?"
    r"(?:\d+|[IVXLC]+|[A-Za-z])(?:\s?[.\-\u2013]\s?(?:\d+|[A-Za-z]|[IVXLC]+))*\s?[.):]?")
_MD_NUMBER = re.compile(r"(?:(?:Chapter|Appendix|Part) )?(?:\d+|[IVXLC]+|[A-Z])(?:[.\-\u2013][A-Za-z0-9]+)*[.)]?")
_NAMES = (r"Figure|Fig\.?|Figs\.?|Table|Tab\.?|Algorithm|Alg\.?|Listing|Scheme|Chart|Plate"
          r"|Supplementary\s+Figure|Supplementary\s+Table")
_PRINTED_CAPTION = re.compile(
    rf"(?:{_NAMES}|(?i:FIGURE|FIG\.?|TABLE|ALGORITHM|LISTING))\s*"
    r"(?:[A-Z]?\d+[\w.\-]*?|[IVXL]+)\s*[:.|\u2014\u2013]?")
_PRINTED_MARK = re.compile(r"[^\s\w]{1,2}|\d{1,3}|[a-z]")
_HEADING_LINE = re.compile(r"^(#{1,6}) (.+)$", re.M)
_LIST_ITEM = re.compile(r"^ *(\d{1,3}[.)]|\(?[a-z]{1,4}\)|[ivx]{1,5}\.|[a-z]\.) (.+)$", re.M)
_PRINTED_ITEM = re.compile(r"\(?(?:\d{1,3}|[a-z]{1,4}|[A-Z]{1,2}|[ivxlc]{1,5})[.)]")
_TAG = re.compile(r"\\tag\{([^{}]{1,20})\}")
_THEOREM_HEAD = re.compile(r"^(\*\*([^*\n]{1,60})\*\*(\.?)|_((?:Proof)[^_\n]{0,40})_)", re.M)
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|medi|cmbx|cmb\d|-bd|bx\d", re.I)
_ITALIC_FONT = re.compile(r"ital|oblique|cmti|cmsl|cmmi|-it\b|slant|\bti\d", re.I)
OPEN_BOX, FILLED_BOX = "\u25a1", "\u220e"
_BOX_GLYPHS = {"\u25a1": "open", "\u25fb": "open", "\u2610": "open", "\u220e": "filled",
               "\u25a0": "filled", "\u25fc": "filled"}


# ------------------------------------------------------------------------- the check ---

_HEAD_NUMBER = re.compile(
    r"^#{1,6} +((?:(?:Chapter|Appendix|Part) )?(?:\d+|[IVXLC]+|[A-Z])(?:[.\-\u2013][A-Za-z0-9]+)*[.)]?) +(\S*)",
    re.M)
_CAPTION = re.compile(
    r"^((?:Figure|FIGURE|Fig\.|FIG\.|Table|TABLE|Tab\.|Algorithm|ALGORITHM|Listing)\s*"
    r"(?:[A-Z]?\d+(?:[.\-]\d+)*|[IVXL]+))(?=[:.|](?!\d)|\s*$)", re.M)


def numbered_labels(page_md: str) -> list[tuple[str, str, str]]:
    """(kind, label, the word after it) of a page's numbered headings ("heading", "II-B1",
    "Case") and captions ("caption", "Figure 3", "")."""
    out = [("heading", m.group(1), m.group(2)) for m in _HEAD_NUMBER.finditer(page_md)
           if re.search(r"[\dIVXLC]|^[A-Z]\.?$", m.group(1))]
    out += [("caption", m.group(1), "") for m in _CAPTION.finditer(page_md)]
    return out


def unprinted_labels(page_md: str, page_text: str) -> list[tuple[str, str]]:
    """The numbered headings and captions of ``page_md`` whose number or name ``page_text``
    (``pdftotext`` of the same page) does not print.  A heading's number must start a line
    or stand right before the heading's first word; a caption's "Name N" must occur (spaces
    aside)."""
    lines = [ln.strip() for ln in page_text.splitlines()]
    flat = re.sub(r"\s+", "", page_text)
    missing = []
    for kind, label, word in numbered_labels(page_md):
        if kind == "heading":
            at_start = re.compile(re.escape(label) + r"(?!\d|[.\-][\dA-Za-z])")
            before = re.compile(re.escape(label) + r"\s*" + re.escape(word[:6]), re.I)
            at_end = re.compile(r"(?<!\S)" + re.escape(label) + "$")
            ok = (any(at_start.match(ln) or at_end.search(ln) for ln in lines)
                  or bool(word and before.search(page_text)))
        else:
            ok = re.sub(r"\s+", "", label) in flat
        if not ok:
            missing.append((kind, label))
    return missing


# ----------------------------------------------------------------- finding lines -------


class _PageLines:
    """A page's PDF lines, searchable by normalized text (lowercase alphanumeric tokens
    without spaces, as the aligner compares), with the printed text before a hit."""

    def __init__(self, texts: Sequence[str], searchable: Sequence[bool]):
        self.texts = list(texts)
        self.searchable = list(searchable)
        self.keys: list[str] = []
        self.cuts: list[list[tuple[int, int, int]]] = []  # (key offset, raw start, raw end)
        for text in self.texts:
            toks = tokenize(text)
            key, cuts = "", []
            for w, s, e in zip(toks.words, toks.starts.tolist(), toks.ends.tolist()):
                cuts.append((len(key), s, e))
                key += w
            self.keys.append(key)
            self.cuts.append(cuts)
        self.offsets = [0]
        for k in self.keys:
            self.offsets.append(self.offsets[-1] + len(k))
        self.flat = "".join(self.keys)
        self.used: set[int] = set()  # lines already given to a label of this page

    def _raw_offset(self, i: int, k: int) -> Optional[int]:
        """Raw character offset in line ``i`` of normalized offset ``k`` (None when ``k``
        falls inside a token that normalization changed)."""
        for off, s, e in self.cuts[i]:
            if off == k:
                return s
            raw = self.texts[i][s:e]
            if off < k < off + (e - s) and raw.isascii() and raw.isalnum():
                return s + (k - off)
        return None

    def hits(self, key: str) -> list[tuple[int, str, str]]:
        """Lines where ``key`` starts (it may run on into the next lines): (line, printed
        text before it on that line, the previous line's text when it starts the line)."""
        out = []
        at = self.flat.find(key)
        while at >= 0:
            i = bisect.bisect_right(self.offsets, at) - 1
            usable = self.searchable[i] and i not in self.used
            raw = self._raw_offset(i, at - self.offsets[i]) if usable else None
            if raw is not None:
                prev = self.texts[i - 1].strip() if i > 0 and raw == 0 else ""
                out.append((i, self.texts[i][:raw].strip(), prev))
            at = self.flat.find(key, at + 1)
        return out

    def claim(self, key: str, form: "re.Pattern[str]", line_above: bool = True) -> Optional[str]:
        """What the page prints before ``key`` (on its line, or as the line above when
        ``key`` starts a line and ``line_above``), at the first hit whose prefix has the
        label's ``form``; that line is used up.  ``None`` when no hit has one."""
        for i, before, prev in self.hits(key):
            printed = before if before or not line_above else prev
            if form.fullmatch(printed):
                self.used.add(i)
                return printed
        return None

    def alone(self, i: int, key: str) -> bool:
        """Line ``i`` holds nothing but (the start of) ``key``."""
        return key.startswith(self.keys[i]) or self.keys[i] == key


def _key(text: str) -> str:
    return norm_string(text)[:KEY_CHARS]


def _same(a: str, b: str) -> bool:
    return re.sub(r"\s+", "", a) == re.sub(r"\s+", "", b)


# ------------------------------------------------------------------- the rewrite -------


def relabel(alignment: Alignment, pdf_pages: Sequence, doc=None) -> Alignment:
    """``alignment`` with every kept page's labels set to what its PDF page prints.

    ``pdf_pages``: the ``pdf_text.PdfPage`` list the aligner read (lines of every role);
    ``doc``: the open PyMuPDF document, for fonts (theorem heads) and drawings (proof
    boxes); without it those two are left as they are and counted unverified."""
    t0 = time.perf_counter()
    pages = []
    for p in alignment.pages:
        if not p.kept or p.page - 1 >= len(pdf_pages):
            pages.append(p)
            continue
        page = pdf_pages[p.page - 1]
        page_doc = doc[p.page - 1] if doc is not None else None
        pages.append(_relabel_page(alignment, p, page, page_doc))
    pages = _references(alignment, pages, pdf_pages)
    timings = {**alignment.timings, "labels": round(time.perf_counter() - t0, 5)}
    return replace(alignment, pages=tuple(pages), timings=timings)


_REF = re.compile(r"\b(Figures?|Figs?\.|Tables?|Tab\.|Sections?|Secs?\.|\u00a7|Chapters?|Appendix)"
                  r"[\s~]*([A-Z]?\d+(?:\.\d+)*|[IVX]+(?:\.\d+)*)\b")
_REF_KIND = {"fig": "figure", "tab": "table"}
_LAST_NUMBER = re.compile(r"([A-Z]?\d+(?:\.\d+)*|[IVXL]+|[A-Z])[.:)]?\s*$")


def _references(alignment: Alignment, pages: list[PageText], pdf_pages: Sequence) -> list[PageText]:
    """Cross-references in the running text ("Table~1", "Section 6.8") follow the numbers the
    labels were rewritten to ("TABLE I", "7.8"), on pages whose PDF text prints the new
    reference and not the old one."""
    sources = {f.id: (f.kind, f.mmd) for f in alignment.markdown.floats}
    numbers: dict[tuple[str, str], str] = {}
    for p in pages:
        for r in p.relabels:
            if r.kind == "caption" and r.target in sources:
                kind, mmd = sources[r.target]
                old, new = _LAST_NUMBER.search(mmd[r.start:r.end]), _LAST_NUMBER.search(r.text)
            elif r.kind == "heading" and r.target == "":
                kind = "section"
                old = _LAST_NUMBER.search(alignment.markdown.text[r.start:r.end])
                new = _LAST_NUMBER.search(r.text)
            else:
                continue
            if old and new and old.group(1) != new.group(1):
                numbers.setdefault((kind, old.group(1)), new.group(1))
    if not numbers:
        return pages
    text = alignment.markdown.text
    out = []
    for p in pages:
        if not p.kept or p.page - 1 >= len(pdf_pages):
            out.append(p)
            continue
        flat = re.sub(r"\s+", "", "".join(ln.text for ln in pdf_pages[p.page - 1].lines))
        edits = []
        for m in _REF.finditer(text, p.start, p.end):
            name, number = m.group(1), m.group(2)
            new = numbers.get((_REF_KIND.get(name[:3].lower(), "section"), number))
            if new and name + new in flat and name + number not in flat:
                edits.append(Relabel(target="", start=m.start(2), end=m.end(2), text=new, kind="reference"))
        out.append(replace(p, relabels=p.relabels + tuple(edits)) if edits else p)
    return out


def _relabel_page(alignment: Alignment, p: PageText, pdf_page, page_doc) -> PageText:
    md = alignment.markdown
    # the float records' captions (as printed, label first) after the page's lines: they
    # find a caption MuPDF reads as furniture (rotated) or splits oddly
    captions = [r.caption for r in alignment.float_records if r.page == p.page - 1 and r.caption]
    lines = _PageLines([ln.text for ln in pdf_page.lines] + captions,
                       [ln.role != "furniture" for ln in pdf_page.lines] + [True] * len(captions))
    text = md.text
    floats = {f.id: f for f in md.floats}
    notes = {n.id: n for n in md.footnotes}
    heads = list(_THEOREM_HEAD.finditer(text, p.start, p.end))
    spans = _spans(page_doc) if heads else []
    checks = [_heading(m, lines) for m in _HEADING_LINE.finditer(text, p.start, p.end)]
    checks += [_caption(f.id, f.mmd, f.caption, lines)
               for f in (floats[i] for i in p.floats if i in floats) if f.caption]
    flat = "".join(ln.text for ln in pdf_page.lines).replace(" ", "")
    checks += [_subfigure_tag(f.id, m, flat) for f in (floats[i] for i in p.floats if i in floats)
               for m in _SUBFIGURE_TAG.finditer(f.mmd)]
    checks += [_footnote(n, lines) for n in (notes[i] for i in p.footnotes if i in notes) if n.mark]
    checks += [_theorem(m, text, spans) for m in heads]
    checks += [_list_item(m, lines) for m in _LIST_ITEM.finditer(text, p.start, p.end)]
    checks += [([], f"({m.group(1)})".replace(" ", "") in flat) for m in _TAG.finditer(text, p.start, p.end)]
    edits = [e for edit, _ in checks for e in edit]
    unverified = sum(not ok for _, ok in checks)
    edit, bad = _proof_marks(text, p.start, p.end, pdf_page, page_doc)
    edits += edit
    unverified += bad
    return replace(p, relabels=tuple(edits), labels_unverified=unverified)


def _heading(m: "re.Match[str]", lines: _PageLines) -> tuple[list[Relabel], bool]:
    """A heading line: its number as printed (or no number when the page prints none)."""
    body = m.group(2)
    start = m.start(2)
    level = len(m.group(1))
    num = _MD_NUMBER.match(body)
    number = num.group() if num and body[num.end():num.end() + 1] == " " else ""
    if number and not re.search(r"[\dIVXLC]|^[A-Z]\.?$", number):
        number = ""
    title = body[len(number):].strip() if number else body
    key = _key(title)
    if len(key) < 3:
        return [], False
    equal, labelled, bare = None, None, None  # (line, printed) of each kind of hit
    for i, before, prev in lines.hits(key):
        # a number on the line before counts for numbered headings only (an unnumbered
        # title after a line "222" is not heading 222)
        if number and prev and not lines.searchable[i - 1] and not _same(prev.rstrip(".:)"), number.rstrip(".:)")):
            prev = ""  # a page number or running head above the title is not its number
        printed = before or (prev if _PRINTED_HEAD.fullmatch(prev) and (number or (
            re.fullmatch(r"(?:\d+(?:\.\d+)*|[IVXLC]+)\.", prev) and lines.alone(i, key))) else "")
        if before and not _PRINTED_HEAD.fullmatch(before):
            continue
        if printed and _same(printed, number):
            equal = (i, printed)
            break
        if printed:
            if labelled is None and (number or re.fullmatch(r"[\dIVXLC.\s]+", printed)):
                labelled = (i, printed)
        elif bare is None and (lines.alone(i, key) or (level >= 4 and len(key) >= 8)):
            # alone on its line, or a run-in subsubsection/paragraph head (llncs prints
            # "Night Shifts Night shifts were..." without a number)
            bare = (i, "")
    if not number and bare is not None:
        equal = bare  # unnumbered, and printed without a number
    hit = equal or labelled or bare
    if hit is None:
        return [], False
    lines.used.add(hit[0])
    if hit is equal:
        return [], True
    printed = hit[1]
    end = start + len(number) + 1 if number else start
    return [Relabel(target="", start=start, end=end, text=f"{printed} " if printed else "",
                    kind="heading")], True


def _caption(fid: str, mmd: str, caption: str, lines: _PageLines) -> tuple[list[Relabel], bool]:
    """A float's caption line ``Label: caption``: the label as printed."""
    at = mmd.rfind(caption)
    if at <= 0:
        return [], True  # no label written: nothing to reconcile
    line_start = mmd.rfind("\n", 0, at) + 1
    label = mmd[line_start:at]
    if not label.strip():
        return [], True
    key = _key(caption)
    if len(key) < 3:
        return [], False
    printed = lines.claim(key, _PRINTED_CAPTION)
    if printed is None:
        return [], False
    if _same(printed + " ", label):
        return [], True
    return [Relabel(target=fid, start=line_start, end=at, text=printed + " ", kind="caption")], True


_SUBFIGURE_TAG = re.compile(r"^\(([a-z]|[ivx]{1,4})\)(?:\n\n|$)", re.M)


def _subfigure_tag(fid: str, m: "re.Match[str]", flat: str) -> tuple[list[Relabel], bool]:
    """A subfigure's caption that is only its tag, ``(a)`` on a line of its own (LaTeXML
    numbers subfigures the PDF may leave unlabelled): left out when the page does not
    print ``(a)``."""
    if m.group(0).rstrip() in flat:
        return [], True
    return [Relabel(target=fid, start=m.start(), end=m.end(), text="", kind="subfigure")], True


def _footnote(note, lines: _PageLines) -> tuple[list[Relabel], bool]:
    """``Footnote 2: text``: the mark as printed at the foot of the page."""
    key = _key(note.text)
    prefix = f"Footnote {note.mark}: "
    if len(key) < 3 or not note.mmd.startswith(prefix):
        return [], False
    printed = lines.claim(key, _PRINTED_MARK)
    if printed is None:
        return [], False
    if printed == note.mark:
        return [], True
    return [Relabel(target=note.id, start=len("Footnote "), end=len(prefix) - 2,
                    text=printed, kind="footnote")], True


def _list_item(m: "re.Match[str]", lines: _PageLines) -> tuple[list[Relabel], bool]:
    """An ordered list item ``1. text``: its marker as printed (``1)``, ``(a)``, ``i.``)."""
    key = _key(m.group(2))
    if len(key) < 3:
        return [], False
    printed = lines.claim(key, _PRINTED_ITEM, line_above=False)
    if printed is None:
        return [], False
    if printed == m.group(1):
        return [], True
    return [Relabel(target="", start=m.start(1), end=m.end(1), text=printed, kind="list")], True


def _spans(page_doc) -> list[tuple[str, str, bool, bool]]:
    """(line text, first span text, bold, italic) of every line of the page."""
    if page_doc is None:
        return []
    out = []
    try:
        blocks = page_doc.get_text("dict", flags=pymupdf.TEXT_MEDIABOX_CLIP)["blocks"]  # no images
    except Exception:
        return []
    for b in blocks:
        for ln in b.get("lines", ()):
            spans = [s for s in ln["spans"] if s["text"].strip()]
            if spans:
                s = spans[0]
                bold = bool(s["flags"] & 16) or bool(_BOLD_FONT.search(s["font"]))
                italic = bool(s["flags"] & 2) or bool(_ITALIC_FONT.search(s["font"]))
                line = "".join(x["text"] for x in ln["spans"]).strip()
                out.append((line, s["text"].strip(), bold, italic))
    return out


def _theorem(m: "re.Match[str]", text: str, spans: list) -> tuple[list[Relabel], bool]:
    """A theorem-like head at a paragraph start: its number and its bold or italic as the
    page sets them.  The head's line is a bold/italic line start of the same name whose
    words after the head are the paragraph's; a line used is used up."""
    bold_md = m.group(2) is not None
    head = (m.group(2) if bold_md else m.group(4)).strip()
    name = head.split()[0].rstrip(".")
    numbered = re.compile(re.escape(name) + r"(?:\s+(?:[A-Z]?\d+(?:[.\-]\d+)*|[IVXLC]+)\b)?")
    md_head = numbered.match(head)
    md_after = norm_string(head[md_head.end():] + text[m.end(1):m.end(1) + 200])
    for k, (line, first, bold, italic) in enumerate(spans):
        if not first.startswith(name) or not (bold or italic):
            continue  # a roman "Theorem 3 shows" in the running text is no head
        printed = numbered.match(line)
        after = norm_string(line[printed.end():])[:12]
        same_number = printed.group() == md_head.group() and printed.group() != name
        if not same_number and not md_after.startswith(after):
            continue  # another line starting with the name (a heading "Proof of ...")
        del spans[k]
        if bold_md and printed.group() != md_head.group():  # "Theorem 1" for "Theorem 3.1"
            head = printed.group() + head[md_head.end():]
        if bold == bold_md and head == (m.group(2) or m.group(4)).strip():
            return [], True
        if bold:
            new = f"**{head}**{m.group(3) or ''}" if bold_md else f"**{head}**"
        else:  # **Remark**. -> _Remark._
            new = f"_{head}{m.group(3) or ''}_" if bold_md else m.group(1)
        if new == m.group(1):
            return [], True
        return [Relabel(target="", start=m.start(1), end=m.end(1), text=new, kind="theorem")], True
    return [], False


def _proof_marks(text: str, a: int, b: int, pdf_page, page_doc) -> tuple[list[Relabel], int]:
    """End-of-proof marks ``∎`` on the page: ``□`` when the page prints open boxes only
    (a glyph in the text, or amsthm's four rules), kept when it prints filled ones."""
    at = [i for i in range(a, b) if text[i] == FILLED_BOX]
    if not at:
        return [], 0
    kinds = {_BOX_GLYPHS[c] for ln in pdf_page.lines for c in ln.text if c in _BOX_GLYPHS}
    if page_doc is not None and not kinds:
        kinds = _drawn_boxes(page_doc)
    if kinds == {"open"}:
        return [Relabel(target="", start=i, end=i + 1, text=OPEN_BOX, kind="proof") for i in at], 0
    return [], 0 if kinds == {"filled"} else len(at)


def _drawn_boxes(page_doc) -> set[str]:
    """"open" for a small square drawn as four strokes, "filled" for a small filled one."""
    kinds: set[str] = set()
    try:
        drawings = page_doc.get_drawings()
    except Exception:
        return kinds
    strokes = []
    for d in drawings:
        r = d["rect"]
        if d.get("type") == "f" and 3 < r.width < 10 and abs(r.width - r.height) < 1:
            kinds.add("filled")
        elif d.get("type") == "s" and (r.width < 0.5 or r.height < 0.5) and max(r.width, r.height) < 10:
            strokes.append(r)
    for r in strokes:  # a left edge: a vertical stroke with a top, a bottom and a right edge
        if r.width < 0.5:
            tops = [s for s in strokes if s.height < 0.5 and abs(s.y0 - r.y0) < 1 and 0 <= s.x0 - r.x0 < 1]
            rights = [s for s in strokes if s.width < 0.5 and s is not r and abs(s.y0 - r.y0) < 1
                      and 3 < s.x0 - r.x0 < 10]
            if tops and rights:
                kinds.add("open")
    return kinds

"""The values that pass between stages, in one module.

Every record is a frozen dataclass with ``to_dict()`` / ``from_dict()`` (JSON-ready, and
round-trip tested).  Text is held once: the page split is a list of character offsets into
``Markdown.text`` (stand-off), strings are cut only when pages are written.
"""
from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass, field
from typing import Any, Optional


class Record:
    """to_dict / from_dict for frozen dataclasses whose fields are plain values, tuples,
    dicts, or other Records (also inside tuples and Optionals)."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _dump(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                kwargs[f.name] = _load(hints[f.name], data[f.name])
        return cls(**kwargs)


def _dump(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def _load(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union:  # Optional[X]
        inner = [a for a in args if a is not type(None)]
        return _load(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        item = args[0] if args else Any
        return tuple(_load(item, v) for v in value)
    if origin is dict:
        return {k: _load(args[1], v) for k, v in value.items()} if args else dict(value)
    if isinstance(tp, type) and issubclass(tp, Record):
        return tp.from_dict(value)
    return value


# ---------------------------------------------------------------- markdown (html2md) ---


@dataclass(frozen=True)
class Float(Record):
    """A figure, table or algorithm held aside from the running text.

    ``anchor`` is the character offset in ``Markdown.text`` where the float stood in the
    HTML; ``mmd`` is exactly what gets appended to the page that prints it.
    """

    id: str
    kind: str  # "figure" | "table" | "algorithm"
    number: str  # "3", "II", "A.1"; "" when unnumbered
    caption: str
    mmd: str
    anchor: int


@dataclass(frozen=True)
class Footnote(Record):
    """A footnote held aside; ``mmd`` is its line (``Footnote 2: ...``)."""

    id: str
    mark: str
    text: str
    mmd: str
    anchor: int


@dataclass(frozen=True)
class Markdown(Record):
    """A paper as Nougat-style markdown: running text plus floats and footnotes aside."""

    text: str
    floats: tuple[Float, ...] = ()
    footnotes: tuple[Footnote, ...] = ()
    warnings: tuple[str, ...] = ()
    title: str = ""


# ------------------------------------------------------------- floats in the PDF -------


@dataclass(frozen=True)
class Box(Record):
    """A rectangle in PDF points, origin at the top-left of the page (pdffigures2's)."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class FloatRecord(Record):
    """A figure or table found in the PDF (by pdffigures2 or our detector).

    Reads and writes pdffigures2's JSON objects, so either source feeds the same code.
    """

    name: str  # the number as printed: "3", "II", "A1"
    fig_type: str  # "Figure" | "Table"
    page: int  # 0-based
    caption: str
    caption_boundary: Optional[Box] = None
    region_boundary: Optional[Box] = None
    source: str = "detector"  # "detector" | "pdffigures2"

    def to_pdffigures2(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "figType": self.fig_type,
            "page": self.page,
            "caption": self.caption,
        }
        if self.caption_boundary is not None:
            out["captionBoundary"] = self.caption_boundary.to_dict()
        if self.region_boundary is not None:
            out["regionBoundary"] = self.region_boundary.to_dict()
        return out

    @classmethod
    def from_pdffigures2(cls, obj: dict[str, Any], source: str = "pdffigures2") -> "FloatRecord":
        """One object of a pdffigures2 ``figures`` list or ``regionless-captions`` list."""
        cap_box = obj.get("captionBoundary") or obj.get("boundary")
        reg_box = obj.get("regionBoundary")
        return cls(
            name=str(obj.get("name", "")),
            fig_type="Table" if str(obj.get("figType", "Figure")).lower().startswith("tab") else "Figure",
            page=int(obj["page"]),
            caption=str(obj.get("caption") or obj.get("text") or ""),
            caption_boundary=Box.from_dict(cap_box) if cap_box else None,
            region_boundary=Box.from_dict(reg_box) if reg_box else None,
            source=source,
        )


# ------------------------------------------------------------------ alignment ----------


@dataclass(frozen=True)
class Relabel(Record):
    """One label rewritten to what the page prints (``labels.relabel``): in ``target`` (""
    for ``Markdown.text``, else a float or footnote id, whose ``mmd`` it indexes) the
    characters ``[start, end)`` become ``text``.  Applied when the page is written."""

    target: str
    start: int
    end: int
    text: str
    kind: str  # heading | caption | theorem | footnote | proof | list | reference | citation | number


@dataclass(frozen=True)
class PageText(Record):
    """One PDF page's share of the markdown, as offsets into ``Markdown.text``.

    ``uncertainty`` is the character interval in which the page start could lie with a
    near-optimal staircase; ``reason`` says why a page is not kept ("" when kept).
    ``precision`` is the share of the label's words the page prints, ``coverage`` the
    share of the page's body words the label holds (``split.check``); ``removed`` are
    spans of ``[start, end)`` the page does not print, left out of its label.
    """

    page: int  # 1-based
    start: int
    end: int
    score: float
    start_score: float = 0.0
    end_score: float = 0.0
    kept: bool = False
    reason: str = ""
    uncertainty: tuple[int, ...] = ()
    floats: tuple[str, ...] = ()  # Float ids appended to this page
    footnotes: tuple[str, ...] = ()  # Footnote ids appended to this page
    relabels: tuple[Relabel, ...] = ()  # labels rewritten to what the page prints
    labels_unverified: int = 0  # labels kept as LaTeXML wrote them: the page does not tell
    precision: float = 0.0
    coverage: float = 0.0
    removed: tuple[tuple[int, int], ...] = ()

    @property
    def relabeled(self) -> int:
        return len(self.relabels)

    def label_text(self, text: str, start: Optional[int] = None, end: Optional[int] = None) -> str:
        """``text[start:end]`` (``Markdown.text``; the page's own span by default) with the
        relabels applied and the ``removed`` spans left out."""
        cuts = tuple(Relabel(target="", start=a, end=b, text="", kind="removed") for a, b in self.removed)
        return _apply(text, self.relabels + cuts, "", self.start if start is None else start,
                      self.end if end is None else end)

    def aside_text(self, mmd: str, target: str, start: int = 0, end: Optional[int] = None) -> str:
        """``mmd[start:end]`` of the float or footnote ``target`` with its relabels applied."""
        return _apply(mmd, self.relabels, target, start, end)


@dataclass(frozen=True)
class Alignment(Record):
    """The result of splitting one paper's markdown into its PDF pages.

    ``status`` is "ok" (every page kept), "partial" (some kept) or "failed" (none kept);
    ``warnings`` holds paper-level problems (wrong PDF, no text layer, ...).
    """

    markdown: Markdown
    num_pages: int
    pages: tuple[PageText, ...]
    status: str = "ok"
    warnings: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    float_records: tuple[FloatRecord, ...] = ()  # what the detector or pdffigures2 found

    def page_markdown(self, page: PageText) -> str:
        """The markdown written for ``page``: its text, then its floats and footnotes."""
        parts = [page.label_text(self.markdown.text).strip()]
        by_id = {f.id: f.mmd for f in self.markdown.floats}
        by_id.update({f.id: f.mmd for f in self.markdown.footnotes})
        parts += [_apply(by_id[i], page.relabels, i) for i in page.floats + page.footnotes if i in by_id]
        text = "\n\n".join(p for p in parts if p)
        return text + "\n" if text else ""  # a blank page: an empty file

    @property
    def kept_pages(self) -> list[PageText]:
        return [p for p in self.pages if p.kept]


def _apply(text: str, relabels: tuple[Relabel, ...], target: str, start: int = 0,
           end: Optional[int] = None) -> str:
    """``text[start:end]`` with the relabels of ``target`` that fall inside applied."""
    end = len(text) if end is None else end
    out, at = [], start
    for r in sorted((r for r in relabels if r.target == target and start <= r.start <= r.end <= end),
                    key=lambda r: r.start):
        if r.start < at:
            continue  # overlapping rewrites: the first wins
        out += [text[at:r.start], r.text]
        at = r.end
    out.append(text[at:end])
    return "".join(out)


# ---------------------------------------------------------------- one paper's outcome ---


@dataclass(frozen=True)
class PaperResult(Record):
    """What happened to one paper: ``process_paper`` returns it, the batch runner completes it
    and appends it to ``OUT/manifest.jsonl`` (one JSON line per paper per run attempt).

    ``status``: ok | partial | failed | timeout | skipped.  ``reason`` is a short cause for
    counting (``no html``, ``pdf-only submission``, ``timeout``, ``done``, ...) and ``error``
    the full one-line message.  ``drops`` counts dropped pages by reason.  ``timings`` holds
    stage seconds (``latexml`` when the HTML was converted in this run).
    ``bibliography_source`` says where a converted source's references came from
    (bbl | bibtex | latexml | inline | none; empty when the HTML was given).  Also from the
    LaTeXML report of a converted source: ``latexml_mode`` (fast | full, the latter with its
    ``fallback_reason``), ``fast_seconds``/``full_seconds`` (when LaTeXML ran in this run),
    ``expl3_packages`` and ``pictures_skipped``.
    """

    paper: str
    status: str
    reason: str = ""
    error: str = ""
    pages: int = 0
    kept: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    relabeled: int = 0  # labels on kept pages rewritten to what the page prints
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    pdf: str = ""
    html: str = ""
    bibliography_source: str = ""
    latexml_mode: str = ""
    fallback_reason: str = ""
    fast_seconds: float = 0.0
    full_seconds: float = 0.0
    expl3_packages: tuple[str, ...] = ()
    pictures_skipped: int = 0
    run: str = ""

    def to_json(self) -> str:
        """One manifest line; fields at their default are left out (``from_dict`` restores them)."""
        defaults = PaperResult(paper="", status="").to_dict()
        data = {k: v for k, v in self.to_dict().items() if k in ("paper", "status") or v != defaults[k]}
        return json.dumps(data, ensure_ascii=False)


# ------------------------------------------------------------ meta.json (output) -------


@dataclass(frozen=True)
class PlacedFloat(Record):
    """A float appended to a page; its region when the detector or pdffigures2 found it
    on that page (``box_pt`` in PDF points, ``box_px`` in pixels of the page PNG)."""

    id: str
    kind: str
    number: str
    box_pt: Optional[tuple[float, ...]] = None
    box_px: Optional[tuple[int, ...]] = None

    def to_dict(self) -> dict[str, Any]:
        """Boxes only when known (as meta.json has always written them)."""
        return {k: v for k, v in super().to_dict().items() if v is not None}


@dataclass(frozen=True)
class PageMeta(Record):
    """One PDF page in ``meta.json``: kept or why not, score, offsets, floats placed on it."""

    page: int  # 1-based
    kept: bool
    reason: str
    score: float
    start_score: float = 0.0
    end_score: float = 0.0
    precision: float = 0.0  # share of the label's words the page prints (PageText)
    coverage: float = 0.0  # share of the page's body words the label holds
    removed: tuple[tuple[int, int], ...] = ()  # spans the page does not print, left out
    start: int = 0
    end: int = 0
    uncertainty: tuple[int, ...] = ()
    floats: tuple[PlacedFloat, ...] = ()
    footnotes: tuple[str, ...] = ()
    relabeled: int = 0  # labels rewritten to what the page prints ...
    labels_unverified: int = 0  # ... and kept as LaTeXML wrote them (the page does not tell)
    relabels: tuple[Relabel, ...] = ()
    layout: str = ""  # "ok" when layout.json has the page, else why not ("" when no layout was made)

    def to_dict(self) -> dict[str, Any]:
        """``layout`` only when a layout was made (meta.json without one is as it was)."""
        data = super().to_dict()
        if not self.layout:
            del data["layout"]
        return data


@dataclass(frozen=True)
class PaperMeta(Record):
    """A paper folder's ``meta.json``: written by ``pipeline.build_meta``, read by ``index``.

    Depends only on the inputs (no timings, no paths beyond the PDF's name), so the same
    inputs give a byte-identical file.
    """

    paper_id: str
    tool: str
    version: str
    pdf: str
    pdf_sha256: Optional[str]
    markdown_sha256: str
    num_pages: int
    kept: int
    status: str
    dpi: Optional[int]
    warnings: tuple[str, ...] = ()
    pages: tuple[PageMeta, ...] = ()
    bibliography_source: str = ""  # of a source converted in this run: bbl | bibtex | latexml | inline | none

    def to_dict(self) -> dict[str, Any]:
        """``bibliography_source`` only when known (a converted source)."""
        data = super().to_dict()
        if not self.bibliography_source:
            del data["bibliography_source"]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "PaperMeta":
        """Raises ``ValueError`` for text that is not a meta.json."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("meta.json is not a JSON object")
        try:
            return cls.from_dict(data)
        except (TypeError, KeyError, AttributeError) as e:
            raise ValueError(f"not a meta.json: {e}") from None


# ------------------------------------------------------------- layout.json (output) ----

LAYOUT_CATEGORIES = ("Title", "Section-header", "Text", "List-item", "Formula", "Table", "Picture",
                     "Caption", "Footnote", "Page-header", "Page-footer")  # DocLayNet's eleven


@dataclass(frozen=True)
class LayoutElement(Record):
    """One element of a page (``layout``): its DocLayNet category, its boxes (PDF points,
    y from the top; one per column piece), its markdown and its place in reading order.

    Stand-off like pages: ``source`` is "" when ``[start, end)`` indexes ``Markdown.text``,
    a float or footnote id when it indexes that one's ``mmd``, and "pdf" for a running head
    or page number (``text`` is what the page prints; no offsets).  ``text`` is the
    markdown as the page is written (relabels applied, removed spans left out); ``tex`` the
    LaTeX of a Formula.  ``checked``: the words inside the boxes and the markdown's words
    agree both ways (``precision``: share of the markdown's words in the boxes;
    ``coverage``: share of the boxes' words in the markdown).
    """

    id: str
    category: str
    boxes: tuple[tuple[float, ...], ...]
    text: str
    order: int
    tex: Optional[str] = None  # Formula only
    source: str = ""
    start: int = 0
    end: int = 0
    checked: bool = True
    precision: float = 1.0
    coverage: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """The listed keys first (``tex`` only for a Formula), then the stand-off and check."""
        data = super().to_dict()
        out = {k: data[k] for k in ("id", "category", "boxes", "text")}
        if self.category == "Formula":
            out["tex"] = self.tex or ""
        out["order"] = self.order
        out.update((k, data[k]) for k in ("source", "start", "end", "checked", "precision", "coverage"))
        return out


@dataclass(frozen=True)
class PageLayout(Record):
    """One kept page's elements, in reading order (``order`` 0, 1, ...)."""

    page: int  # 1-based
    width: float
    height: float
    elements: tuple[LayoutElement, ...] = ()


@dataclass(frozen=True)
class Layout(Record):
    """A paper's ``layout.json``: the pages that have a layout (``PageMeta.layout`` says
    why the others have none).  Same inputs, same bytes."""

    pages: tuple[PageLayout, ...] = ()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Layout":
        return cls.from_dict(json.loads(text))


def read_layout_pages(path) -> dict[int, dict[str, Any]]:
    """``{page: page dict}`` of a ``layout.json`` as JSON (readers that need no record);
    raises ``ValueError`` (not JSON), ``KeyError``/``TypeError`` (not that shape), ``OSError``."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return {int(p["page"]): p for p in data["pages"]}

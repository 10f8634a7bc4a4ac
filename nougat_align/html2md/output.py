"""What html2md has written so far: markdown blocks, and the floats, footnotes and
warnings held aside with the character offset where they stood.  Knows no HTML."""
from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Optional, Protocol

from nougat_align.html2md import mmd
from nougat_align.records import Float, Footnote, Markdown

_BLANKS = re.compile(r"\n{3,}")


class Walk(Protocol):
    """What a part (``sections``, ``lists``, ``floats``, ...) is handed: the walk over the
    article (``convert.Converter``), to write the blocks and inline text inside the element
    it renders, and the ``Output`` written so far.  The parts never import the converter."""

    out: "Output"

    def block(self, el, section_title: Optional[Callable[[object], bool]] = None) -> None: ...

    def inline(self, el, plain: bool = False, keep_breaks: bool = False, code: bool = False) -> str: ...

    def inline_children(self, el, plain: bool = False, keep_breaks: bool = False,
                        code: bool = False, strip: bool = True) -> str: ...

    def tabular(self, table) -> str: ...


class Output:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.length = 0  # characters of self.blocks joined with "\n\n"
        self.floats: list[Float] = []
        self.footnotes: list[Footnote] = []
        self.warnings: list[str] = []
        self.errors: Counter[str] = Counter()  # text of each dropped ltx_ERROR node
        self.title = ""
        self._float_ids: set[str] = set()
        self._footnote_ids: set[str] = set()

    def emit(self, block: str) -> None:
        """Append a paragraph (blank ones are left out)."""
        block = _BLANKS.sub("\n\n", block.strip("\n")).rstrip()
        if not block.strip():
            return
        if self.blocks:
            self.length += 2
        self.blocks.append(block)
        self.length += len(block)

    def anchor(self) -> int:
        """Offset where the next block will start."""
        return self.length + (2 if self.blocks else 0)

    def run_in(self, start: int, title: str) -> None:
        """Put ``title`` before the first block emitted since there were ``start`` blocks
        (a theorem's title run into its text), or emit it alone when none was."""
        if len(self.blocks) > start:
            self.blocks[start] = f"{title} {self.blocks[start]}"
            self.length += len(title) + 1
        else:
            self.emit(title)

    def add_float(self, fid: str, kind: str, number: str, caption: str, text: str, anchor: int) -> None:
        fid = fid or f"float{len(self.floats) + 1}"
        fid = _unique(fid, self._float_ids)
        self.floats.append(Float(id=fid, kind=kind, number=number, caption=caption, mmd=text, anchor=anchor))

    def add_footnote(self, nid: str, mark: str, text: str) -> None:
        nid = _unique(nid or f"note{len(self.footnotes) + 1}", self._footnote_ids)
        self.footnotes.append(Footnote(id=nid, mark=mark, text=text, mmd=mmd.footnote_line(mark, text),
                                       anchor=self.anchor()))

    def result(self) -> Markdown:
        warnings = list(self.warnings)
        if self.errors:
            names = ", ".join(f"{k} x{v}" if v > 1 else k for k, v in sorted(self.errors.items()))
            warnings.insert(0, f"dropped {sum(self.errors.values())} ltx_ERROR node(s): {names}")
        text = "\n\n".join(self.blocks) + "\n" if self.blocks else ""
        return Markdown(text=text, floats=tuple(self.floats), footnotes=tuple(self.footnotes),
                        warnings=tuple(warnings), title=self.title)


def _unique(name: str, taken: set[str]) -> str:
    """``name``, primed until it is not in ``taken`` (and then taken)."""
    while name in taken:
        name += "'"
    taken.add(name)
    return name

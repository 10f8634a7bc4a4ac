"""Words and input shared by both scoring modes (``truth.py`` and ``pdf_text.py``).

Both modes read the output layout ``PRED/<paper>/NN.mmd`` (1-based page numbers; a page
without a file is a dropped page) with :func:`read_pred_pages`; :func:`load_truth` reads
and checks a synthetic paper's ``truth.json``.

Body words of a predicted page are its words after removing display and inline math
(``\\[...\\]``, ``\\(...\\)``), LaTeX environments (``\\begin{table}...\\end{table}`` and the
like) and caption / footnote paragraphs (a paragraph starting ``Figure N:``, ``Table N:``
or ``Footnote N:``); markdown markup (``#``, ``**``, ``_``, list bullets) disappears in the
word normalization (:func:`normalize_words`), which ``benchmarks/synth.py`` uses for the
truth too.  Caption and footnote sentences of the synthetic papers never occur in their
body text, so appended floats cannot be mistaken for body words.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Optional

from nougat_align.errors import InputError

_WORD = re.compile(r"[a-z]+|[0-9]+")
_LINE_END_HYPHEN = re.compile(r"(?<=[a-z])-[ \t]*\n[ \t]*(?=[a-z])")
_ENVIRONMENT = re.compile(r"\\begin\{([A-Za-z]+\*?)\}.*?\\end\{\1\}", re.S)
_DISPLAY_MATH = re.compile(r"\\\[.*?\\\]", re.S)
_INLINE_MATH = re.compile(r"\\\(.*?\\\)", re.S)
_FLOAT_LABEL = re.compile(
    r"^[\s*_]*(?P<kind>Figure|Fig\.|Table|Footnote)[\s~]*(?P<number>\d+)[\s*_]*[:.]",
    re.I)
PAGE_FILE = re.compile(r"^(\d+)\.mmd$")


# --------------------------------------------------------------------------- words

def normalize_words(text: str) -> list[str]:
    """The word normalization shared by the truth generator and the scorer.

    Unicode compatibility-decomposed (ligatures such as U+FB01 become ``fi``), accents
    and soft hyphens dropped, lower-cased, a hyphen at a line end joined with the next
    line (``exam-\\nple`` -> ``example``), then split into runs of ASCII letters and runs
    of digits: ``"Foot-note1 (x'y)"`` -> ``["foot", "note", "1", "x", "y"]``.  Splitting
    letters from digits keeps footnote marks and citation numbers off the words they
    touch.
    """
    text = unicodedata.normalize("NFKD", text.replace("\u00ad", ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _LINE_END_HYPHEN.sub("", text)
    return _WORD.findall(text)


def strip_math_and_environments(md: str) -> str:
    md = _ENVIRONMENT.sub(" ", md)
    md = _DISPLAY_MATH.sub(" ", md)
    return _INLINE_MATH.sub(" ", md)


def _paragraphs(md: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", md) if p.strip()]


def parse_page(md: str) -> dict[str, Any]:
    """Split one predicted page into body text and its caption / footnote paragraphs.

    Returns ``{"body": str, "captions": [(kind, number)], "footnotes": [number],
    "float_text": str}`` where ``kind`` is ``"Figure"`` or ``"Table"``.  Math and LaTeX
    environments are removed from the body; a paragraph whose first line starts with
    ``Figure N:``, ``Fig. N:``, ``Table N:`` or ``Footnote N:`` (bold/italic markup
    allowed) is a caption or footnote, wherever on the page it stands.
    """
    body: list[str] = []
    floats: list[str] = []
    captions: list[tuple[str, int]] = []
    footnotes: list[int] = []
    for para in _paragraphs(strip_math_and_environments(md)):
        m = _FLOAT_LABEL.match(para)
        if m is None:
            body.append(para)
            continue
        kind = m.group("kind").lower()
        number = int(m.group("number"))
        if kind == "footnote":
            footnotes.append(number)
        else:
            captions.append(("Table" if kind == "table" else "Figure", number))
        floats.append(para)
    return {"body": "\n\n".join(body), "captions": captions, "footnotes": footnotes,
            "float_text": "\n\n".join(floats)}


HEADING_LINE = re.compile(r"^#{1,6} \S")


def ends_in_heading(md: str) -> bool:
    """A page whose running text ends with a heading (floats and footnotes appended
    after the text do not count): LaTeX never prints a heading at the foot of a page."""
    paras = [p.strip() for p in _paragraphs(md)]
    while paras and (_FLOAT_LABEL.match(paras[-1]) or paras[-1].startswith("\\begin{")
                     or paras[-1].endswith("\\end{table}")):
        paras.pop()
    return bool(paras) and bool(HEADING_LINE.match(paras[-1].splitlines()[-1]))


def markdown_body_words(md: str) -> list[str]:
    """Normalized body words of a predicted page (no math, tables, captions, footnotes)."""
    return normalize_words(parse_page(md)["body"])


def markdown_page_words(md: str) -> list[str]:
    """Normalized words of a whole predicted page for PDF-text agreement: math and LaTeX
    environments removed, captions and footnotes kept (without the ``Footnote`` label,
    which the PDF does not print)."""
    text = strip_math_and_environments(md)
    text = re.sub(r"(?im)^[\s*_]*footnote(?=[\s~]*\d+[\s*_]*[:.])", " ", text)
    return normalize_words(text)


# --------------------------------------------------------------------------- input

def read_pred_pages(pred_dir: Path | str) -> dict[int, str]:
    """The predicted pages of one paper: ``{page_number: markdown}`` from ``NN.mmd``."""
    pred_dir = Path(pred_dir)
    if not pred_dir.is_dir():
        raise InputError(f"not a folder of predicted pages: {pred_dir}")
    pages: dict[int, str] = {}
    for f in pred_dir.iterdir():
        m = PAGE_FILE.match(f.name)
        if m and f.is_file():
            pages[int(m.group(1))] = f.read_text(encoding="utf-8", errors="replace")
    return pages


def read_json(path: Path, missing: str, what: str) -> Any:
    """A JSON file, or ``InputError``: ``missing`` when it does not exist, "unreadable
    ``what`` PATH: why" when it is not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(missing) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"unreadable {what} {path}: {e}") from None


def load_truth(path: Path | str) -> dict[str, Any]:
    """Read and check a ``truth.json`` (a file, or a folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "truth.json"
    truth = read_json(path, missing=f"no truth.json: {path}", what="truth file")
    missing = [k for k in ("words", "page_starts", "num_pages") if k not in truth]
    if missing:
        raise InputError(f"truth file {path} lacks {', '.join(missing)}")
    starts = truth["page_starts"]
    if (len(starts) != truth["num_pages"] or (starts and starts[0] != 0)
            or any(b < a for a, b in zip(starts, starts[1:]))
            or (starts and starts[-1] > len(truth["words"]))):
        raise InputError(f"truth file {path}: page_starts must be {truth['num_pages']} "
                         f"non-decreasing word indices starting at 0")
    return truth


# --------------------------------------------------------------------------- shared

def ratio(num: float, den: float) -> Optional[float]:
    """``num / den``, or None for a rate of nothing (``den`` 0)."""
    return num / den if den else None

"""The markdown table ``nougat-align eval`` prints: one row per paper and a pooled
``all`` row, for a truth-mode or a PDF-text-mode result."""
from __future__ import annotations

from typing import Any

from nougat_align.errors import InputError
from nougat_align.evaluate.pdf_text import LOW_COVERAGE, LOW_PRECISION
from nougat_align.evaluate.words import ratio


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    sep = "|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":"
                         for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def format_table(result: dict[str, Any]) -> str:
    """A markdown table of a :func:`~nougat_align.evaluate.truth.evaluate_truth` or
    :func:`~nougat_align.evaluate.pdf_text.evaluate_pdf_text` result: one row per paper and
    an ``all`` row (pooled)."""
    rows = []
    if result.get("mode") == "truth":
        header = ["paper", "pages", "kept", "word acc", "precision", "page exact",
                  "bnd med", "bnd p90", "floats", "footnotes", "headings", "heading at end",
                  "unprinted"]
        items = list(result["papers"].items()) + [("all", result["summary"])]
        for name, s in items:
            head_acc = s.get("heading_accuracy", ratio(s["headings_right"], s["headings"])
                             if "headings" in s else None)
            rows.append([name, _fmt(s["num_pages"]), _fmt(s["pages_kept"]),
                         _fmt(s["word_page_accuracy"]), _fmt(s["precision"]),
                         _fmt(s["page_exact_rate"]), _fmt(s["boundary_error_median"], 1),
                         _fmt(s["boundary_error_p90"], 1), _fmt(s["float_placement_accuracy"]),
                         _fmt(s["footnote_placement_accuracy"]), _fmt(head_acc),
                         _fmt(s["heading_at_end"]), _fmt(s["unprinted_pages"])])
        return _table(header, rows)
    if result.get("mode") == "pdf_text":
        header = ["paper", "pages", "kept", "precision", "coverage", "F1",
                  f"prec<{LOW_PRECISION}", f"cov<{LOW_COVERAGE}", "heading at end",
                  "numbers", "cite unprinted"]
        items = list(result["papers"].items()) + [("all", result["summary"])]
        for name, s in items:
            rows.append([name, _fmt(s["num_pages"]), _fmt(s["pages_kept"]),
                         _fmt(s["mean_precision"]), _fmt(s["mean_coverage"]), _fmt(s["mean_f1"]),
                         _fmt(s["low_precision"]), _fmt(s["low_coverage"]),
                         _fmt(s["heading_at_end"]), _fmt(s.get("numbers_share")),
                         _fmt(s.get("pages_cite_unprinted"))])
        return (_table(header, rows)
                + "\n(agreement of each kept page's markdown with its pdftotext text; not truth;"
                " prec/cov/heading and cite unprinted count kept pages; numbers: share of the"
                " labels' digit runs outside math the pages print)")
    if result.get("mode") == "layout":
        return format_layout(result)
    raise InputError("not an evaluation result (no 'mode')")


LAYOUT_COLUMNS = ["R@.5", "P@.5", "R@.85", "P@.85", "cat acc", "text F1", "order exact",
                  "order pairs"]


def layout_cells(s: dict[str, Any]) -> list[str]:
    """The LAYOUT_COLUMNS cells of one layout summary."""
    return [_fmt(s["recall@0.5"]), _fmt(s["precision@0.5"]), _fmt(s["recall@0.85"]),
            _fmt(s["precision@0.85"]), _fmt(s["category_accuracy"]), _fmt(s["text_f1"]),
            _fmt(s["order_exact"]), _fmt(s["order_pairs"])]


def format_layout(result: dict[str, Any]) -> str:
    """Layout mode: one row per paper and ``all``, then per category (pooled)."""
    items = list(result["papers"].items()) + [("all", result["summary"])]
    rows = [[name, _fmt(s["pages"]), _fmt(s["pages_predicted"]), _fmt(s["truth_boxes"]),
             _fmt(s["pred_boxes"])] + layout_cells(s) for name, s in items]
    out = _table(["paper", "pages", "predicted", "boxes", "pred boxes"] + LAYOUT_COLUMNS, rows)
    cats = result["summary"]["categories"]
    rows = [[c, _fmt(d["truth"]), _fmt(d["pred"]), _fmt(d["recall@0.5"]), _fmt(d["precision@0.5"]),
             _fmt(d["recall@0.85"]), _fmt(d["precision@0.85"])] for c, d in cats.items()]
    return out + "\n\n" + _table(["category", "truth", "pred", "R@.5", "P@.5", "R@.85", "P@.85"], rows)

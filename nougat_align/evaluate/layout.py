"""Layout mode of ``nougat-align eval``: predicted ``layout.json`` against layout truth.

Both sides have the shape of ``out/<paper>/layout.json`` (``{"pages": [{"page", "width",
"height", "elements": [{"id", "category", "boxes": [[x0, y0, x1, y1], ...], "text",
"tex", "order"}]}]}``, PDF points); the truth is ``layout_truth.json`` of
``benchmarks/synth.py --layout``.  Per page:

* **Boxes** are matched one to one, whatever their categories, greedily by IoU (highest
  first) among pairs with IoU >= t, for t = 0.5 and 0.85.  An element with several boxes
  (a paragraph continued in the next column) is matched box by box.
* Per category C, **recall@t** is the share of C's truth boxes matched to a predicted box
  of category C, **precision@t** the share of C's predicted boxes matched to a truth box
  of category C.  The ``all`` row ignores categories (localization only), and
  **category accuracy** is the share of boxes matched at 0.5 whose categories agree.
* **Elements** are paired through their boxes matched at 0.5: a truth element goes with
  the predicted element holding most of its matched boxes (one to one).  **Text F1**
  pools the word overlap (multisets, :func:`normalize_words` after removing ``\\(...\\)``
  and ``\\[...\\]`` math) of the paired elements: matched elements only, so it measures
  the text of what was found, not what was missed (box recall does that).
* **Reading order**: a page is **order exact** when every truth element is paired and the
  pairs' predicted ``order`` rises with the truth ``order``; **order pairs** is the share of
  pairs of paired elements in the same relative order on both sides.

Pages of the truth without a predicted page count with no predicted boxes (a dropped
page loses recall); ``pages predicted`` says how many had one.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Optional

from nougat_align.errors import InputError
from nougat_align.evaluate.words import normalize_words, ratio, read_json

CATEGORIES = ("Title", "Section-header", "Text", "List-item", "Formula", "Table", "Picture",
              "Caption", "Footnote", "Page-header", "Page-footer")
THRESHOLDS = (0.5, 0.85)
_MATH = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.S)


def load_layout(path: Path | str) -> dict[int, dict[str, Any]]:
    """``{page: page dict}`` of a layout.json (or layout_truth.json), checked."""
    path = Path(path)
    data = read_json(path, missing=f"no layout file: {path}", what="layout file")
    if not isinstance(data, dict) or not isinstance(data.get("pages"), list):
        raise InputError(f"layout file {path} has no \"pages\" list")
    pages = {}
    for p in data["pages"]:
        try:
            n = int(p["page"])
            for e in p["elements"]:
                if not e["boxes"] or any(len(b) != 4 or b[2] < b[0] or b[3] < b[1] for b in e["boxes"]):
                    raise ValueError(f"element {e.get('id')} has a bad box")
                if e["category"] not in CATEGORIES:
                    raise ValueError(f"element {e.get('id')}: unknown category {e['category']!r}")
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(f"layout file {path}: bad page entry ({err})") from None
        pages[n] = p
    return pages


def iou(a: list[float], b: list[float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _boxes(elements: list[dict]) -> list[tuple[int, list[float]]]:
    return [(i, [float(v) for v in b]) for i, e in enumerate(elements) for b in e["boxes"]]


def match_boxes(truth: list[tuple[int, list[float]]], pred: list[tuple[int, list[float]]],
                threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs (truth box index, predicted box index) with IoU >= threshold,
    greedily by IoU, highest first."""
    pairs = []
    for i, (_ti, tb) in enumerate(truth):
        for j, (_pi, pb) in enumerate(pred):
            v = iou(tb, pb)
            if v >= threshold:
                pairs.append((-v, i, j))
    pairs.sort()
    used_t, used_p, out = set(), set(), []
    for _v, i, j in pairs:
        if i not in used_t and j not in used_p:
            used_t.add(i)
            used_p.add(j)
            out.append((i, j))
    return out


def _words(text: Optional[str]) -> Counter:
    return Counter(normalize_words(_MATH.sub(" ", text or "")))


def _pair_elements(tboxes, pboxes, matches) -> dict[int, int]:
    """Truth element -> predicted element, by most matched boxes, one to one."""
    votes = Counter((tboxes[i][0], pboxes[j][0]) for i, j in matches)
    pairs, used_t, used_p = {}, set(), set()
    for (te, pe), _n in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
        if te not in used_t and pe not in used_p:
            used_t.add(te)
            used_p.add(pe)
            pairs[te] = pe
    return pairs


def score_page(truth: dict[str, Any], pred: Optional[dict[str, Any]]) -> dict[str, Any]:
    """Counts for one page (summed by :func:`summarize`)."""
    tel = truth["elements"]
    pel = pred["elements"] if pred else []
    tboxes, pboxes = _boxes(tel), _boxes(pel)
    out: dict[str, Any] = {"truth_boxes": len(tboxes), "pred_boxes": len(pboxes), "per_category": {}}
    for cat in CATEGORIES:
        out["per_category"][cat] = {"truth": sum(1 for e, _b in tboxes if tel[e]["category"] == cat),
                                    "pred": sum(1 for e, _b in pboxes if pel[e]["category"] == cat)}
    for t in THRESHOLDS:
        matches = match_boxes(tboxes, pboxes, t)
        out[f"matched@{t}"] = len(matches)
        for i, j in matches:
            tc, pc = tel[tboxes[i][0]]["category"], pel[pboxes[j][0]]["category"]
            if tc == pc:
                c = out["per_category"][tc]
                c[f"hit@{t}"] = c.get(f"hit@{t}", 0) + 1
        if t == 0.5:
            out["category_agree"] = sum(1 for i, j in matches if tel[tboxes[i][0]]["category"]
                                        == pel[pboxes[j][0]]["category"])
            pairs = _pair_elements(tboxes, pboxes, matches)
    overlap = twords = pwords = 0
    for te, pe in pairs.items():
        tw, pw = _words(tel[te].get("text")), _words(pel[pe].get("text"))
        overlap += sum((tw & pw).values())
        twords += sum(tw.values())
        pwords += sum(pw.values())
    out.update(text_overlap=overlap, text_truth_words=twords, text_pred_words=pwords)
    ranked = sorted(pairs, key=lambda te: tel[te]["order"])
    porder = [pel[pairs[te]]["order"] for te in ranked]
    n = len(porder)
    out["order_pairs_total"] = n * (n - 1) // 2
    out["order_pairs_right"] = sum(1 for a in range(n) for b in range(a + 1, n) if porder[a] < porder[b])
    out["order_exact"] = int(pred is not None and len(pairs) == len(tel)
                             and out["order_pairs_right"] == out["order_pairs_total"])
    out["predicted"] = int(pred is not None)
    return out


def summarize(pages: list[dict[str, Any]]) -> dict[str, Any]:
    """Pooled metrics over page counts from :func:`score_page` (module docstring)."""
    tot: Counter = Counter()
    cats: dict[str, Counter] = {c: Counter() for c in CATEGORIES}
    for p in pages:
        for k, v in p.items():
            if isinstance(v, (int, float)):
                tot[k] += v
        for c, d in p["per_category"].items():
            cats[c].update(d)
    overlap = tot["text_overlap"]
    prec, rec = ratio(overlap, tot["text_pred_words"]), ratio(overlap, tot["text_truth_words"])
    out: dict[str, Any] = {
        "pages": len(pages), "pages_predicted": tot["predicted"],
        "truth_boxes": tot["truth_boxes"], "pred_boxes": tot["pred_boxes"],
        "category_accuracy": ratio(tot["category_agree"], tot["matched@0.5"]),
        "text_f1": (2 * prec * rec / (prec + rec)) if prec and rec else (0.0 if prec is not None else None),
        "order_exact": ratio(tot["order_exact"], len(pages)),
        "order_pairs": ratio(tot["order_pairs_right"], tot["order_pairs_total"]),
    }
    for t in THRESHOLDS:
        out[f"recall@{t}"] = ratio(tot[f"matched@{t}"], tot["truth_boxes"])
        out[f"precision@{t}"] = ratio(tot[f"matched@{t}"], tot["pred_boxes"])
    out["categories"] = {}
    for c, d in cats.items():
        if not d["truth"] and not d["pred"]:
            continue
        out["categories"][c] = {"truth": d["truth"], "pred": d["pred"]}
        for t in THRESHOLDS:
            out["categories"][c][f"recall@{t}"] = ratio(d[f"hit@{t}"], d["truth"])
            out["categories"][c][f"precision@{t}"] = ratio(d[f"hit@{t}"], d["pred"])
    return out


def score_layout(truth: dict[int, dict], pred: dict[int, dict]) -> dict[str, Any]:
    """One paper: ``{page: page dict}`` on both sides."""
    return summarize([score_page(truth[n], pred.get(n)) for n in sorted(truth)])


def evaluate_layout(truth_dir: Path | str, pred_dir: Path | str) -> dict[str, Any]:
    """Score ``pred_dir/<paper>/layout.json`` against ``truth_dir/<paper>/layout_truth.json``
    (or one paper folder against a folder holding its ``layout.json``).  A paper without
    a predicted layout counts with no predicted page."""
    truth_dir, pred_dir = Path(truth_dir), Path(pred_dir)
    if not truth_dir.is_dir():
        raise InputError(f"not a truth folder: {truth_dir}")
    if not pred_dir.is_dir():
        raise InputError(f"not a prediction folder: {pred_dir}")
    if (truth_dir / "layout_truth.json").is_file():
        inner = pred_dir / truth_dir.name
        if not (pred_dir / "layout.json").is_file() and inner.is_dir():
            pred_dir = inner
        papers = [(truth_dir, pred_dir)]
    else:
        papers = [(t.parent, pred_dir / t.parent.name)
                  for t in sorted(truth_dir.glob("*/layout_truth.json"))]
        if not papers:
            raise InputError(f"no layout_truth.json in {truth_dir} or its subfolders")
    scores, all_pages = {}, []
    for tdir, pdir in papers:
        truth = load_layout(tdir / "layout_truth.json")
        pred = load_layout(pdir / "layout.json") if (pdir / "layout.json").is_file() else {}
        pages = [score_page(truth[n], pred.get(n)) for n in sorted(truth)]
        all_pages += pages
        scores[tdir.name] = summarize(pages)
    return {"mode": "layout", "truth": str(truth_dir), "pred": str(pred_dir),
            "papers": scores, "summary": summarize(all_pages)}

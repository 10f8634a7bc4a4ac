"""Which ``.tex`` of an unpacked source LaTeX would be run on, and what it cites from.

    main = find_main_file(root)          # MainFile(path="paper.tex", reason="only candidate")
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional

from nougat_align.records import Record
from nougat_align.source.archive import REASON_NO_MAIN, TEX_SUFFIXES, SourceProblem, ignored, safe_relpath

_CLASS_RE = re.compile(r"\\document(?:class|style)\s*(?:\[[^\]]*\]\s*)?\{\s*([^}\s]+)\s*\}", re.S)
_LATEXDIFF_RE = re.compile(r"^%DIF (?:LATEXDIFF|PREAMBLE)", re.M)
_DOCCLASS_RE = re.compile(r"\\document(?:class|style)\b")
_BEGIN_DOC_RE = re.compile(r"\\begin\s*\{\s*document\s*\}")
_COMMENT_ENV_RE = re.compile(r"\\begin\s*\{comment\}.*?\\end\s*\{comment\}", re.S)
_INCLUDE_RE = re.compile(
    r"\\(?:input|include|subfile|includestandalone|InputIfFileExists|loadglsentries)\*?"
    r"\s*(?:\[[^\]]*\]\s*)?\{([^}]+)\}"
    r"|\\input\s+([^\s{}\\%]+)"
    r"|\\(?:sub)?(?:import|inputfrom|includefrom)\*?\s*\{([^}]*)\}\s*\{([^}]+)\}")
_MAIN_NAMES = ("main", "ms", "paper", "article", "manuscript", "root", "arxiv")
# Words in a file name that mark a side document: whole words, or prefixes of 5+ letters.
_SIDE_WORDS = ("template", "sample", "example", "instruction", "guide", "readme", "test",
               "demo", "response", "rebuttal", "reply", "cover", "letter", "supp", "suppl",
               "poster", "slide", "talk", "standalone", "figure", "fig", "tikz", "table",
               "header", "preamble", "si")
_SIDE_CLASSES = ("standalone", "beamer", "tikzposter", "a0poster", "letter", "minimal")


def strip_comments(text: str) -> str:
    """TeX text without ``%`` comments and ``comment`` environments."""
    text = re.sub(r"(?<!\\)%[^\n]*", "", text)
    return _COMMENT_ENV_RE.sub("", text)


@dataclass(frozen=True)
class MainFile(Record):
    """The chosen main file (``path``, relative to the source root) and why."""

    path: str
    reason: str
    candidates: tuple[str, ...] = ()


def _readme_hints(root: Path) -> tuple[set[str], set[str]]:
    """Files named top-level and files to ignore, from arXiv's 00README.XXX / 00README.json."""
    top: set[str] = set()
    ignore: set[str] = set()
    for path in sorted(root.glob("00README*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(text)
            except ValueError:
                continue
            for entry in data.get("sources", []) if isinstance(data, dict) else []:
                if not isinstance(entry, dict) or "filename" not in entry:
                    continue
                usage = str(entry.get("usage", "")).lower()
                if usage.startswith("toplevel"):
                    top.add(str(entry["filename"]))
                elif usage == "ignore":
                    ignore.add(str(entry["filename"]))
            continue
        for line in text.splitlines():
            words = line.split("#", 1)[0].split()
            if len(words) >= 2:
                directive = words[1].lower()
                if directive == "toplevelfile":
                    top.add(words[0])
                elif directive == "ignore":
                    ignore.add(words[0])
    norm = lambda names: {str(safe_relpath(n)) for n in names if safe_relpath(n) is not None}
    return norm(top), norm(ignore)


def _resolve_include(name: str, base: PurePosixPath, known: dict[str, Path]) -> Optional[str]:
    name = name.strip().strip('"')
    rel = safe_relpath(name)
    if rel is None:
        return None
    for folder in (PurePosixPath(), base):
        for cand in (folder / rel, folder / (str(rel) + ".tex")):
            key = str(cand)
            if key in known:
                return key
    return None


def find_main_file(root: Path) -> MainFile:
    """Pick the file LaTeX would be run on, among the ``.tex`` files under ``root``.

    A candidate has ``\\documentclass`` (or ``\\documentstyle``) outside comments, and
    ``\\begin{document}`` in itself or in a file it ``\\input``s.  With several, the order
    of preference is: named ``toplevelfile`` in ``00README.XXX`` (or ``toplevel`` in
    ``00README.json``); not ``\\input``/``\\include``d by another file; with its own
    ``\\begin{document}``; a class other than standalone/beamer/poster; a name that does not
    look like a template, supplement, response or figure; not a latexdiff output (its
    ``%DIF`` marks: it prints both versions, not the paper); a ``.bbl`` of the same name; in
    the source's top folder (a class's bundled ``sty/bare_conf.tex`` template is not the
    paper, and a paper that loads its sections through a macro of its own, ``\\Input{intro}``,
    looks smaller than it); a name like main/ms/paper (or a version of one: ``paper1``,
    ``main_access``: a repository's newer version is usually the larger); the largest (with its ``\\input`` tree); then by name.
    Raises ``InputError`` (reason ``no main file``) when there is no candidate.
    """
    root = Path(root)
    top_hints, ignore_hints = _readme_hints(root)
    files: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(ignored(part) for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() in TEX_SUFFIXES and str(rel.as_posix()) not in ignore_hints:
            files[rel.as_posix()] = path
    raw = {rel: p.read_text(encoding="utf-8", errors="replace") for rel, p in files.items()}
    texts = {rel: strip_comments(text) for rel, text in raw.items()}
    includes: dict[str, set[str]] = {}
    for rel, text in texts.items():
        base = PurePosixPath(rel).parent
        found: set[str] = set()
        for m in _INCLUDE_RE.finditer(text):
            if m.group(4):
                target = _resolve_include(f"{m.group(3).rstrip('/')}/{m.group(4)}".lstrip("/"), base, files)
            else:
                target = _resolve_include(m.group(1) or m.group(2), base, files)
            if target and target != rel:
                found.add(target)
        includes[rel] = found
    included_by_other = {t for src, ts in includes.items() for t in ts}

    def tree(rel: str) -> set[str]:
        seen, todo = {rel}, [rel]
        while todo:
            for t in includes.get(todo.pop(), ()):
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return seen

    ranked = []
    for rel, text in texts.items():
        if not _DOCCLASS_RE.search(text):
            continue
        own_begin = bool(_BEGIN_DOC_RE.search(text))
        members = tree(rel)
        if not own_begin and not any(_BEGIN_DOC_RE.search(texts[t]) for t in members):
            continue
        m = _CLASS_RE.search(text)
        cls = m.group(1).lower() if m else ""
        stem = PurePosixPath(rel).stem.lower()
        words = [w for w in re.split(r"[^a-z0-9]+", stem) if w]
        side_name = any(w == s or (len(s) >= 5 and w.startswith(s)) for w in words for s in _SIDE_WORDS)
        has_bbl = (files[rel].with_suffix(".bbl")).is_file()
        size = sum(files[t].stat().st_size for t in members)
        criteria = (
            ("00README toplevelfile", rel in top_hints),
            ("not \\input by another file", rel not in included_by_other),
            ("own \\begin{document}", own_begin),
            ("document class", cls not in _SIDE_CLASSES),
            ("file name not a side file", not side_name),
            ("not a latexdiff output", not _LATEXDIFF_RE.search(raw[rel])),
            ("has a .bbl", has_bbl),
            ("in the top folder", "/" not in rel),
            ("main-like file name", bool(words) and words[0].rstrip("0123456789") in _MAIN_NAMES),
            ("largest", size),
        )
        ranked.append((criteria, rel))
    if not ranked:
        raise SourceProblem(REASON_NO_MAIN, "no .tex file with \\documentclass and \\begin{document}"
                             if files else "no .tex file in the source")
    ranked.sort(key=lambda item: (tuple(-int(v) for _, v in item[0]), item[1]))
    best_crit, best = ranked[0]
    candidates = tuple(rel for _, rel in ranked)
    if len(ranked) == 1:
        return MainFile(best, "only candidate", candidates)
    reason = "first by name"
    for (label, a), (_, b) in zip(best_crit, ranked[1][0]):
        if a != b:
            reason = label
            break
    return MainFile(best, reason, candidates)


# ------------------------------------------------------------------ bibliography ----------

_BIBLIOGRAPHY_RE = re.compile(r"\\bibliography\s*\{([^}]*)\}")
_THEBIBLIOGRAPHY_RE = re.compile(r"\\begin\s*\{\s*thebibliography\s*\}")


@dataclass(frozen=True)
class Bibliography(Record):
    """Where a paper's references can come from: ``bbl`` (``MAIN.bbl`` beside the main file,
    what BibTeX made for the PDF), ``bib`` (the ``.bib`` files ``\\bibliography`` names that
    exist), ``inline`` (a ``thebibliography`` environment in the TeX itself)."""

    bbl: bool = False
    bib: tuple[str, ...] = ()
    inline: bool = False


def find_bibliography(root: Path, main: str) -> Bibliography:
    """The bibliography sources of the paper whose main file is ``main`` (relative to ``root``)."""
    root = Path(root)
    main_path = root / main
    texts = [strip_comments(p.read_text(encoding="utf-8", errors="replace"))
             for p in sorted(root.rglob("*")) if p.is_file() and p.suffix.lower() in TEX_SUFFIXES]
    bibs: list[str] = []
    for text in texts:
        for m in _BIBLIOGRAPHY_RE.finditer(text):
            for name in m.group(1).split(","):
                name = name.strip()
                rel = safe_relpath(name if name.endswith(".bib") else name + ".bib") if name else None
                if rel is not None and ((main_path.parent / rel).is_file() or (root / rel).is_file()):
                    bibs.append(str(rel))
    return Bibliography(bbl=main_path.with_suffix(".bbl").is_file(), bib=tuple(dict.fromkeys(bibs)),
                        inline=any(_THEBIBLIOGRAPHY_RE.search(t) for t in texts))

"""The health of a LaTeXML conversion: its report, what its log says, and whether the fast
conversion (TikZ/pgf pictures skipped by our stubs) is worse than a full one would be.

:class:`ConversionReport` is written as a JSON sidecar ``PAPER.latexml.json`` beside
``PAPER.html`` (:func:`sidecar_path`, :func:`read_report`); :func:`parse_log` reads
LaTeXML's log, :func:`fallback_reason` decides from it whether the full conversion must run.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from nougat_align.records import Record
from nougat_align.source.archive import SOURCE_REASONS

SIDECAR_SUFFIX = ".latexml.json"
# The folder (under bindings/) of the picture stubs that only the fast conversion loads
PICTURES_DIRNAME = "pictures"
MODE_FAST, MODE_FULL = "fast", "full"

REASON_TIMEOUT = "latexml timeout"
REASON_MEMORY = "latexml out of memory"
REASON_FATAL = "latexml fatal error"
REASON_NO_DOCUMENT = "latexml wrote no document"
REASONS = SOURCE_REASONS + (REASON_TIMEOUT, REASON_MEMORY, REASON_FATAL, REASON_NO_DOCUMENT)
_MAX_MESSAGES = 30


@dataclass(frozen=True)
class ConversionReport(Record):
    """What happened when one source went through LaTeXML.

    ``ok`` is True when ``html`` holds a complete document (an ``<article>``, no fatal error,
    no timeout); otherwise ``reason`` is one of ``REASONS`` and ``detail`` says more.
    ``timeout`` is the base limit asked for, ``time_limit`` the one applied (scaled by the
    TeX size); ``bibliography_source`` is one of bbl | bibtex | latexml | inline | none.
    ``error_count`` counts ``ltx_ERROR`` nodes in the HTML (mostly macros of the paper's own
    .sty/.cls that LaTeXML does not know); ``errors``/``warnings`` are LaTeXML's own totals.
    Paths are strings: ``main_file`` and ``candidates`` are relative to the unpacked source.

    ``latexml_mode`` says which conversion made ``html``: ``fast`` (TikZ/pgf pictures
    skipped by our picture stubs, ``bindings/pictures/``) or ``full`` (no stubs: the fast
    one was worse, ``fallback_reason`` says why).  A ``fast`` report with a
    ``fallback_reason`` is one whose full conversion failed too (``detail`` says how), so the
    fast HTML was kept.  ``fast_seconds``/``full_seconds`` are each run's time (``seconds``
    is their sum); ``pictures_skipped`` counts pictures the kept HTML left out;
    ``expl3_packages`` the packages our expl3 stand-in kept from loading expl3.
    """

    source: str
    ok: bool
    reason: str = ""
    detail: str = ""
    html: str = ""
    main_file: str = ""
    main_reason: str = ""
    candidates: tuple[str, ...] = ()
    seconds: float = 0.0
    has_article: bool = False
    error_count: int = 0
    errors: int = 0
    warnings: int = 0
    fatal: str = ""
    undefined_macros: tuple[str, ...] = ()
    missing_packages: tuple[str, ...] = ()
    missing_files: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    skipped_members: tuple[str, ...] = ()
    returncode: Optional[int] = None
    timeout: float = 0.0
    memory_mb: int = 0
    latexml_version: str = ""
    source_sha256: str = ""
    cached: bool = False
    bibliography_source: str = ""
    time_limit: float = 0.0
    latexml_mode: str = ""
    fallback_reason: str = ""
    fast_seconds: float = 0.0
    full_seconds: float = 0.0
    expl3_packages: tuple[str, ...] = ()
    pictures_skipped: int = 0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        if not self.ok:
            return f"{Path(self.source).name}: {self.reason}: {self.detail}"
        extra = f", missing {', '.join(self.missing_packages)}" if self.missing_packages else ""
        mode = f"{self.latexml_mode} " if self.latexml_mode else ""
        why = f" ({self.fallback_reason})" if self.fallback_reason else ""
        return (f"{Path(self.source).name}: {self.main_file} -> {self.html} in {mode}{self.seconds:.1f} s{why}, "
                f"bibliography {self.bibliography_source or 'none'}, {self.error_count} ltx_ERROR{extra}")


def sidecar_path(html: Path) -> Path:
    """``PAPER.html`` -> ``PAPER.latexml.json`` (the report written beside the HTML)."""
    html = Path(html)
    return html.with_name(html.stem + SIDECAR_SUFFIX)


def read_report(path: Path) -> ConversionReport:
    """Load a sidecar written by ``latexml_to_html`` (give the sidecar or the HTML path)."""
    path = Path(path)
    if not path.name.endswith(SIDECAR_SUFFIX):
        path = sidecar_path(path)
    return ConversionReport.from_dict(json.loads(path.read_text(encoding="utf-8")))


# ------------------------------------------------------------------ the log --------------


_MESSAGE_RE = re.compile(r"^(Warning|Error|Fatal):([^:\s]+):(\S*)\s*(.*)$", re.M)
# Our expl3 stand-in (bindings/*.sty.ltxml): ``Warning:nougat:expl3 <package> requested expl3 (not loaded)``
_EXPL3_RE = re.compile(r"^Warning:nougat:expl3\s+(\S+)\s+requested expl3", re.M)
# Our picture stubs (bindings/pictures/): loaded, a picture skipped, something they cannot do
_STUB_RE = re.compile(r"Loading \S*/" + re.escape(PICTURES_DIRNAME) + r"/([\w.-]+?)\.sty\.ltxml")
_SKIPPED_RE = re.compile(r"^Info:nougat:picture-skipped\b", re.M)
_PICTURE_RE = re.compile(r"^Warning:nougat:picture\s+(.*?)(?:\s+at\s+\S+;\s+line\s+\d+.*)?$", re.M)


def _split_list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def parse_log(log: str) -> dict:
    """LaTeXML's counts, fatal message, undefined macros and missing files from its log;
    and our bindings' messages: packages kept from expl3 (``expl3``), picture stubs loaded
    (``stubs``), pictures skipped (``skipped``) and what the stubs could not do (``picture``)."""
    out = {"errors": 0, "warnings": 0, "fatal": "", "undefined": [], "packages": [], "files": [],
           "messages": [], "status": None, "expl3": [], "stubs": [], "skipped": 0, "picture": []}
    fatals = 0
    for m in re.finditer(r"^Conversion complete:(.*)$", log, re.M):
        line = m.group(1)
        for key, pat in (("warnings", r"(\d+) warnings?"), ("errors", r"(\d+) errors?")):
            n = re.search(pat, line)
            out[key] = max(out[key], int(n.group(1))) if n else out[key]
        n = re.search(r"(\d+) fatal", line)
        fatals = max(fatals, int(n.group(1))) if n else fatals
        u = re.search(r"undefined macros?\[([^\]]*)\]", line)
        if u:
            out["undefined"] += _split_list(u.group(1))
        f = re.search(r"missing files?\[([^\]]*)\]", line)
        if f:
            for name in _split_list(f.group(1)):
                (out["packages"] if name.endswith((".sty", ".cls")) else out["files"]).append(name)
    for m in _MESSAGE_RE.finditer(log):
        level, category, obj, text = m.groups()
        if level in ("Error", "Fatal") and len(out["messages"]) < _MAX_MESSAGES:
            out["messages"].append(m.group(0).strip()[:300])
        if level == "Fatal" and not out["fatal"]:
            out["fatal"] = f"{category}:{obj} {text}".strip()[:300]
        if category == "missing_file" and obj:
            b = re.search(r"(?:binding for|find) (package|class)(?: file)? ([^\s'\"]+)", text)
            bib = re.search(r"[Bb]ibliography '([^']+)'", text)
            if b:
                name = b.group(2)
                ext = ".sty" if b.group(1) == "package" else ".cls"
                out["packages"].append(name if name.endswith(ext) else name + ext)
            elif bib:
                out["files"].append(bib.group(1) if bib.group(1).endswith(".bib") else bib.group(1) + ".bib")
            elif obj.endswith((".sty", ".cls")):
                out["packages"].append(obj)
            else:
                out["files"].append(obj)
        if category == "undefined" and obj:
            out["undefined"].append(obj)
    if not out["fatal"] and fatals:
        out["fatal"] = "fatal error (see the LaTeXML log)"
    out["expl3"] = sorted(set(_EXPL3_RE.findall(log)))
    out["stubs"] = sorted(set(_STUB_RE.findall(log)))
    out["skipped"] = len(_SKIPPED_RE.findall(log))
    out["picture"] = [" ".join(m.split())[:200] for m in _PICTURE_RE.findall(log)]
    s = re.findall(r"^Status:conversion:(\d+)", log, re.M)
    out["status"] = int(s[-1]) if s else None
    packages = set(out["packages"])
    out["files"] = [f for f in out["files"] if f + ".sty" not in packages and f + ".cls" not in packages]
    for key in ("undefined", "packages", "files"):
        out[key] = sorted(set(out[key]))
    return out


_CLASS_ATTR_RE = re.compile(r"""class\s*=\s*["']([^"']*)["']""")


def count_ltx_errors(html: str) -> int:
    """Number of elements whose class list holds ``ltx_ERROR``."""
    return sum(1 for m in _CLASS_ATTR_RE.finditer(html) if "ltx_ERROR" in m.group(1).split())


# Macro and environment names that belong to pgf/TikZ and the packages built on it: undefined
# in the fast conversion, they were defined by the real package (which the stubs replaced).
_PGF_NAME_RE = re.compile(
    r"^\\(?:(?:pgf|tikz|tdplot|ctikz|forest|smartdiagram|gantt)\S*|(?:addplot3?|addlegendentry|"
    r"nextgroupplot|foreach|subnode|draw|filldraw|fill|path|node|coordinate|shade|shadedraw|clip|"
    r"pic|arrow|ar)$)|^\{(?:scope|pgfonlayer|axis|tikzpicture|tikzcd|forest|circuitikz)\}$")


def fallback_reason(health: dict, ok: bool, reason: str = "") -> str:
    """Why the fast conversion (its log read by :func:`parse_log`, ``ok``/``reason`` its
    outcome) is worse than a full one would be; "" when it is not, when no picture stub
    was loaded (then the two are the same conversion), or when the fast one ran out of time
    or memory (the full one digests everything the fast one did, and the pictures too)."""
    if not health["stubs"] or reason in (REASON_TIMEOUT, REASON_MEMORY):
        return ""
    if not ok:
        return f"fast conversion failed: {reason}"
    if health["picture"]:
        return f"picture stub: {health['picture'][0]}"
    pgf = [name for name in health["undefined"] if _PGF_NAME_RE.match(name)]
    if pgf:
        return "undefined in fast conversion: " + ", ".join(pgf[:5])
    return ""

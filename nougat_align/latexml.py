"""From an arXiv source to LaTeXML HTML: unpack, find the main file, run ``latexmlc``, report.

    report = latexml_to_html(Path("2308.13418.tar.gz"), Path("out/2308.13418.html"))
    html, report = ensure_html(Path("src/2308.13418"), Path("cache/html"))   # batch use

A source is what arXiv distributes: a (gzipped) tar of a folder, a gzipped single ``.tex``
(often a file without any extension), a plain ``.tex``, or a directory.  The kind is found
from the bytes, never from the name.  PDF-only and PostScript-only submissions are refused.

Conversion runs Debian's ``latexmlc --format=html5 --nodefaultresources`` in a private
temporary copy of the source (LaTeXML writes its log beside the input, and a source folder
must never be modified), in its own process group so a timeout kills the whole tree, and
under an address-space limit.  HTML5 output keeps every formula's TeX in the ``alttext``
attribute of ``<math>`` (LaTeXML 0.8.7's default, checked by the tests), which is what the
markdown converter reads.  ``--timestamp=0`` leaves the date out so the HTML is reproducible.

Health goes into a :class:`ConversionReport`, written as a JSON sidecar ``PAPER.latexml.json``
beside ``PAPER.html`` for successes and failures alike.  A failure raises ``InputError``
(bad source) or ``ToolError`` (LaTeXML failed, timed out, ran out of memory) with a one-line
message; the exception carries the report as ``.report`` and the short reason code is also
in ``report.reason`` (see ``REASONS``) so a batch can count drops by reason.
"""
from __future__ import annotations

import bz2
import dataclasses
import functools
import gzip
import hashlib
import json
import lzma
import os
import re
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional

from nougat_align.errors import InputError, ToolError
from nougat_align.records import Record
from nougat_align.write import write_bytes_atomic, write_text_atomic

LATEXMLC = "latexmlc"
SIDECAR_SUFFIX = ".latexml.json"
# Bump when the latexmlc options or the report change, so cached HTML is rebuilt.
CACHE_VERSION = 1
LATEXMLC_OPTIONS = ("--format=html5", "--nodefaultresources", "--timestamp=0")

# Short, stable reason codes (report.reason) for counting drops in a batch.
REASON_NOT_FOUND = "source not found"
REASON_PDF_ONLY = "pdf-only submission"
REASON_PS_ONLY = "postscript-only submission"
REASON_NOT_LATEX = "not latex"
REASON_BAD_ARCHIVE = "corrupt archive"
REASON_TOO_LARGE = "source too large"
REASON_NO_MAIN = "no main file"
REASON_TIMEOUT = "latexml timeout"
REASON_MEMORY = "latexml out of memory"
REASON_FATAL = "latexml fatal error"
REASON_NO_DOCUMENT = "latexml wrote no document"
REASONS = (REASON_NOT_FOUND, REASON_PDF_ONLY, REASON_PS_ONLY, REASON_NOT_LATEX,
           REASON_BAD_ARCHIVE, REASON_TOO_LARGE, REASON_NO_MAIN, REASON_TIMEOUT,
           REASON_MEMORY, REASON_FATAL, REASON_NO_DOCUMENT)
_SOURCE_REASONS = {REASON_NOT_FOUND, REASON_PDF_ONLY, REASON_PS_ONLY, REASON_NOT_LATEX,
                   REASON_BAD_ARCHIVE, REASON_TOO_LARGE, REASON_NO_MAIN}
# Failures that a larger limit might cure: a cached one is retried when the limit grows.
_LIMIT_REASONS = {REASON_TIMEOUT: "timeout", REASON_MEMORY: "memory_mb"}

MAX_UNPACKED_BYTES = 2 * 1024**3  # a decompression bomb stops here
_TEX_SUFFIXES = (".tex", ".ltx", ".latex")
_MAX_MESSAGES = 30


@dataclass(frozen=True)
class ConversionReport(Record):
    """What happened when one source went through LaTeXML.

    ``ok`` is True when ``html`` holds a complete document (an ``<article>``, no fatal error,
    no timeout); otherwise ``reason`` is one of ``REASONS`` and ``detail`` says more.
    ``error_count`` counts ``ltx_ERROR`` nodes in the HTML (mostly macros of the paper's own
    .sty/.cls that LaTeXML does not know); ``errors``/``warnings`` are LaTeXML's own totals.
    Paths are strings: ``main_file`` and ``candidates`` are relative to the unpacked source.
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

    def summary(self) -> str:
        """One line for logs and the CLI."""
        if not self.ok:
            return f"{Path(self.source).name}: {self.reason}: {self.detail}"
        extra = f", missing {', '.join(self.missing_packages)}" if self.missing_packages else ""
        return (f"{Path(self.source).name}: {self.main_file} -> {self.html} in {self.seconds:.1f} s, "
                f"{self.error_count} ltx_ERROR{extra}")


class _SourceProblem(InputError):
    """A source that cannot be converted; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, " ".join(detail.split())


def sidecar_path(html: Path) -> Path:
    """``PAPER.html`` -> ``PAPER.latexml.json`` (the report written beside the HTML)."""
    html = Path(html)
    return html.with_name(html.stem + SIDECAR_SUFFIX)


def read_report(path: Path) -> ConversionReport:
    """Load a sidecar written by :func:`latexml_to_html` (give the sidecar or the HTML path)."""
    path = Path(path)
    if not path.name.endswith(SIDECAR_SUFFIX):
        path = sidecar_path(path)
    return ConversionReport.from_dict(json.loads(path.read_text(encoding="utf-8")))


# ------------------------------------------------------------------ the tool --------------


def _find_latexmlc() -> str:
    exe = shutil.which(LATEXMLC)
    if exe is None:
        raise ToolError("latexmlc not found on PATH; install Debian's LaTeXML "
                        "(apt-get install latexml)")
    return exe


@functools.lru_cache(maxsize=None)
def _version_of(exe: str) -> str:
    try:
        out = subprocess.run([exe, "--VERSION"], capture_output=True, text=True, timeout=120,
                             errors="replace", stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolError(f"latexmlc --VERSION failed: {e}") from e
    m = re.search(r"version\s+([0-9][\w.\-]*)", out.stdout + out.stderr)
    return m.group(1) if m else "unknown"


def latexml_version() -> str:
    """The installed LaTeXML's version, e.g. ``"0.8.7"`` (ToolError when it is missing)."""
    return _version_of(_find_latexmlc())


# ------------------------------------------------------------------ unpacking -------------


def _sniff(head: bytes) -> str:
    """The kind of a file from its first bytes (at least 512 of them when available)."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head[257:262] == b"ustar":
        return "tar"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"%!PS") or head.startswith(b"\xc5\xd0\xd3\xc6"):
        return "postscript"
    return "data"


def _looks_like_text(sample: bytes) -> bool:
    if not sample:
        return False
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls <= len(sample) * 0.01


def _safe_name(name: str, default: str = "main") -> str:
    for ext in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".gz", ".bz2", ".xz", ".zip"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
            break
    name = re.sub(r"[^A-Za-z0-9._+-]", "_", name).strip("._") or default
    return name


def _safe_relpath(name: str) -> Optional[PurePosixPath]:
    """A member name as a relative path inside the archive, or None when it would escape."""
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or name.startswith("/"):
        return None
    parts = [part for part in p.parts if part not in ("", ".")]
    if not parts or any(part == ".." for part in parts):
        return None
    return PurePosixPath(*parts)


def _inside(root: Path, rel: PurePosixPath) -> Optional[Path]:
    target = (root / rel).resolve()
    try:
        target.relative_to(root.resolve())
    except ValueError:
        return None
    return target


def _copy_limited(reader, dest: Path, budget: list[int]) -> None:
    """Copy a binary stream into ``dest``, charging its size to ``budget[0]``."""
    with open(dest, "wb") as f:
        while True:
            chunk = reader.read(1 << 20)
            if not chunk:
                break
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise _SourceProblem(REASON_TOO_LARGE,
                                     f"unpacks to more than {MAX_UNPACKED_BYTES >> 20} MiB")
            f.write(chunk)


def _extract_tar(archive: Path, root: Path, budget: list[int]) -> list[str]:
    skipped: list[str] = []
    links: list[tuple[PurePosixPath, PurePosixPath]] = []
    try:
        with tarfile.open(archive, "r:*") as tf:
            for m in tf:
                rel = _safe_relpath(m.name)
                target = _inside(root, rel) if rel is not None else None
                if target is None:
                    skipped.append(m.name)
                    continue
                if m.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                elif m.isfile():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if target.is_dir():
                        skipped.append(m.name)
                        continue
                    reader = tf.extractfile(m)
                    if reader is None:
                        skipped.append(m.name)
                        continue
                    _copy_limited(reader, target, budget)
                elif m.issym() or m.islnk():
                    # Resolved after extraction, as a copy, only when it points inside.
                    base = rel.parent if m.issym() else PurePosixPath()
                    link = _safe_relpath(str(base / m.linkname)) if m.linkname else None
                    if link is None:
                        skipped.append(m.name)
                    else:
                        links.append((rel, link))
                else:  # devices, fifos
                    skipped.append(m.name)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise _SourceProblem(REASON_BAD_ARCHIVE, f"cannot read the tar archive ({e})") from e
    for rel, link in links:
        dst, src = _inside(root, rel), _inside(root, link)
        if dst is None or src is None or not src.is_file() or dst.exists():
            skipped.append(str(rel))
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return skipped


def _extract_zip(archive: Path, root: Path, budget: list[int]) -> list[str]:
    skipped: list[str] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                rel = _safe_relpath(info.filename)
                target = _inside(root, rel) if rel is not None else None
                if target is None or (info.external_attr >> 16) & 0o170000 == 0o120000:
                    skipped.append(info.filename)  # escaping name or a symlink
                    continue
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as reader:
                    _copy_limited(reader, target, budget)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as e:
        raise _SourceProblem(REASON_BAD_ARCHIVE, f"cannot read the zip archive ({e})") from e
    return skipped


_DECOMPRESSORS = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}


def unpack_source(src: Path, dest: Path) -> tuple[Path, list[str]]:
    """Lay ``src`` out as plain files under the empty folder ``dest``.

    Returns the source's root folder (``dest`` itself, or the single folder a tarball of a
    folder holds) and the archive members skipped for safety (absolute paths, ``..``,
    links leaving the tree, devices).  Raises ``InputError`` for PDF/PostScript-only
    submissions, data that is not LaTeX, and corrupt or oversized archives.
    """
    src, dest = Path(src), Path(dest)
    if not src.exists():
        raise _SourceProblem(REASON_NOT_FOUND, f"{src} does not exist")
    dest.mkdir(parents=True, exist_ok=True)
    budget = [MAX_UNPACKED_BYTES]
    skipped: list[str] = []
    if src.is_dir():
        shutil.copytree(src, dest, dirs_exist_ok=True, ignore_dangling_symlinks=True,
                        ignore=shutil.ignore_patterns(".git", ".svn", ".hg"))
        return _descend(dest), skipped

    name = _safe_name(src.name)
    payload = dest.parent / f".{dest.name}.payload"
    try:
        kind = _sniff(_head(src))
        if kind in _DECOMPRESSORS:
            try:
                with _DECOMPRESSORS[kind](src, "rb") as reader:
                    _copy_limited(reader, payload, budget)
            except (OSError, EOFError, lzma.LZMAError, zlib.error) as e:
                raise _SourceProblem(REASON_BAD_ARCHIVE, f"cannot decompress {kind} data ({e})") from e
            kind = _sniff(_head(payload))
        else:
            payload = src
        if kind == "data" and not _looks_like_text(_head(payload, 65536)) and tarfile.is_tarfile(payload):
            kind = "tar"  # an old tar without the ustar magic
        if kind == "tar":
            skipped = _extract_tar(payload, dest, budget)
        elif kind == "zip":
            skipped = _extract_zip(payload, dest, budget)
        elif kind == "pdf":
            raise _SourceProblem(REASON_PDF_ONLY, "the source is a PDF, there is no LaTeX to convert")
        elif kind == "postscript":
            raise _SourceProblem(REASON_PS_ONLY, "the source is PostScript, there is no LaTeX to convert")
        elif kind in _DECOMPRESSORS:
            raise _SourceProblem(REASON_NOT_LATEX, f"{kind} data inside compressed data")
        elif _looks_like_text(_head(payload, 65536)):
            if not name.lower().endswith(_TEX_SUFFIXES):
                name += ".tex"
            shutil.copyfile(payload, dest / name)
        else:
            raise _SourceProblem(REASON_NOT_LATEX, "binary data that is neither an archive nor TeX")
    finally:
        if payload != src:
            payload.unlink(missing_ok=True)
    return _descend(dest), skipped


def _head(path: Path, size: int = 1024) -> bytes:
    with open(path, "rb") as f:
        return f.read(size)


def _descend(root: Path) -> Path:
    """A tarball of a folder unpacks to that one folder: the source root is inside it."""
    while True:
        entries = [e for e in root.iterdir() if not _ignored(e.name)]
        if len(entries) == 1 and entries[0].is_dir():
            root = entries[0]
        else:
            return root


def _ignored(name: str) -> bool:
    return name in ("__MACOSX", ".DS_Store") or name.startswith("._")


# ------------------------------------------------------------- main-file detection --------

_CLASS_RE = re.compile(r"\\document(?:class|style)\s*(?:\[[^\]]*\]\s*)?\{\s*([^}\s]+)\s*\}", re.S)
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
    norm = lambda names: {str(_safe_relpath(n)) for n in names if _safe_relpath(n) is not None}
    return norm(top), norm(ignore)


def _resolve_include(name: str, base: PurePosixPath, known: dict[str, Path]) -> Optional[str]:
    name = name.strip().strip('"')
    rel = _safe_relpath(name)
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
    look like a template, supplement, response or figure; a ``.bbl`` of the same name; a
    name like main/ms/paper; the largest (with its ``\\input`` tree); then by name.
    Raises ``InputError`` (reason ``no main file``) when there is no candidate.
    """
    root = Path(root)
    top_hints, ignore_hints = _readme_hints(root)
    files: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(_ignored(part) for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() in _TEX_SUFFIXES and str(rel.as_posix()) not in ignore_hints:
            files[rel.as_posix()] = path
    texts = {rel: strip_comments(p.read_text(encoding="utf-8", errors="replace"))
             for rel, p in files.items()}
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
            ("has a .bbl", has_bbl),
            ("main-like file name", stem in _MAIN_NAMES),
            ("largest", size),
        )
        ranked.append((criteria, rel))
    if not ranked:
        raise _SourceProblem(REASON_NO_MAIN, "no .tex file with \\documentclass and \\begin{document}"
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


# ------------------------------------------------------------------ conversion -------------


def source_digest(src: Path) -> str:
    """sha256 of a source file's bytes, or of a folder's sorted relative paths and bytes."""
    src = Path(src)
    h = hashlib.sha256()
    if src.is_dir():
        for path in sorted(p for p in src.rglob("*") if p.is_file()):
            rel = path.relative_to(src).as_posix()
            if any(part in (".git", ".svn", ".hg") for part in path.relative_to(src).parts):
                continue
            h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            h.update(_file_digest(path) + b"\0")
        return h.hexdigest()
    return _file_digest(src).hex()


def _file_digest(path: Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


@dataclass
class _Run:
    returncode: Optional[int]
    seconds: float
    timed_out: bool
    log: str


def _run_latexmlc(exe: str, main: Path, root: Path, dest: Path, timeout: float,
                  memory_mb: int) -> _Run:
    """Run latexmlc on ``main`` in its folder; its own process group, killed on timeout.

    The memory limit is set by ``ulimit -v`` in a tiny ``sh`` that then execs latexmlc,
    rather than ``preexec_fn`` (not safe in a multi-threaded parent such as a Dask worker).
    """
    cmd = [exe, *LATEXMLC_OPTIONS, f"--timeout={int(timeout) + 60}",  # ours fires first
           f"--path={root}", f"--destination={dest}", main.name]
    if memory_mb and memory_mb > 0:
        cmd = ["/bin/sh", "-c", 'ulimit -v "$1" || exit 97; shift; exec "$@"', "sh",
               str(int(memory_mb) * 1024), *cmd]
    log_path = dest.parent / "latexmlc.log"
    start = time.monotonic()
    timed_out = False
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=main.parent, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        finally:
            _kill_group(proc, signal.SIGKILL)  # stray children (perl, gs, convert)
            proc.wait()
    seconds = time.monotonic() - start
    text = log_path.read_text(encoding="utf-8", errors="replace")
    return _Run(proc.returncode, round(seconds, 2), timed_out, text)


def _exit_detail(run: _Run) -> str:
    """Why latexmlc stopped without a Fatal message: its exit, and its last log line."""
    rc = run.returncode or 0
    if rc < 0:
        try:
            what = f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            what = f"killed by signal {-rc}"
    else:
        what = f"exited with code {rc}"
    lines = [ln.strip() for ln in run.log.splitlines() if ln.strip()]
    return f"latexmlc {what}" + (f": {lines[-1][:200]}" if lines else "")


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


_MESSAGE_RE = re.compile(r"^(Warning|Error|Fatal):([^:\s]+):(\S*)\s*(.*)$", re.M)


def _split_list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _parse_log(log: str) -> dict:
    """LaTeXML's counts, fatal message, undefined macros and missing files from its log."""
    out = {"errors": 0, "warnings": 0, "fatal": "", "undefined": [], "packages": [], "files": [],
           "messages": [], "status": None}
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


def _write_report(out: Path, report: ConversionReport) -> None:
    write_text_atomic(sidecar_path(out),
                      json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n")


def _raise_for(report: ConversionReport) -> None:
    cls = InputError if report.reason in _SOURCE_REASONS else ToolError
    err = cls(report.summary())
    err.report = report  # type: ignore[attr-defined]
    raise err


def latexml_to_html(src: Path, out: Path, timeout: float = 600, memory_mb: int = 4096,
                    check: bool = True) -> ConversionReport:
    """Convert the arXiv source ``src`` to LaTeXML HTML at ``out``; return the health report.

    ``out`` is written atomically and only on success; the report always goes to
    ``sidecar_path(out)``.  On failure, raises ``InputError``/``ToolError`` (one line, with
    ``.report``) unless ``check=False``, which returns the report with ``ok=False``.
    ``timeout`` (seconds) and ``memory_mb`` (address space; 0 = unlimited) bound latexmlc.
    """
    src, out = Path(src), Path(out)
    exe = _find_latexmlc()  # a missing tool is the machine's problem: no report, no cache
    version = _version_of(exe)
    base = dict(source=str(src), timeout=float(timeout), memory_mb=int(memory_mb),
                latexml_version=version)
    with tempfile.TemporaryDirectory(prefix="nougat-latexml-") as tmp:
        work = Path(tmp)
        try:
            digest = source_digest(src) if src.exists() else ""
            base["source_sha256"] = digest
            root, skipped = unpack_source(src, work / "src")
            base["skipped_members"] = tuple(skipped)
            main = find_main_file(root)
        except _SourceProblem as e:
            report = ConversionReport(ok=False, reason=e.reason, detail=e.detail, **base)
            _write_report(out, report)
            if check:
                _raise_for(report)
            return report
        base.update(main_file=main.path, main_reason=main.reason, candidates=main.candidates)
        dest = work / "out" / "paper.html"
        dest.parent.mkdir()
        run = _run_latexmlc(exe, root / main.path, root, dest, timeout, memory_mb)
        health = _parse_log(run.log)
        html_bytes = dest.read_bytes() if dest.is_file() else b""
        html = html_bytes.decode("utf-8", errors="replace")
        has_article = bool(re.search(r"<article\b", html))
        reason, detail = "", ""
        if run.timed_out:
            reason, detail = REASON_TIMEOUT, f"stopped after {timeout:g} s"
        elif run.returncode == 97 and memory_mb:
            reason, detail = REASON_MEMORY, "could not set the memory limit"
        elif run.returncode != 0 and re.search(r"Out of memory|Cannot allocate memory", run.log):
            reason, detail = REASON_MEMORY, f"exceeded {memory_mb} MiB"
        elif health["fatal"] or health["status"] == 3 or run.returncode != 0:
            reason = REASON_FATAL
            detail = health["fatal"] or _exit_detail(run)
        elif not has_article:
            reason, detail = REASON_NO_DOCUMENT, "the HTML has no <article>"
        report = ConversionReport(
            ok=not reason, reason=reason, detail=" ".join(detail.split()),
            html=str(out) if not reason else "", seconds=run.seconds, has_article=has_article,
            error_count=count_ltx_errors(html), errors=health["errors"],
            warnings=health["warnings"], fatal=health["fatal"],
            undefined_macros=tuple(health["undefined"]),
            missing_packages=tuple(health["packages"]), missing_files=tuple(health["files"]),
            messages=tuple(health["messages"]), returncode=run.returncode, **base)
        if report.ok:
            write_bytes_atomic(out, html_bytes)
    _write_report(out, report)
    if not report.ok and check:
        _raise_for(report)
    return report


def ensure_html(src: Path, cache_dir: Path, timeout: float = 600, memory_mb: int = 4096,
                force: bool = False, check: bool = True) -> tuple[Path, ConversionReport]:
    """The HTML of ``src``, converted once and then served from ``cache_dir``.

    The cache key is the sha256 of the source bytes, the LaTeXML version and
    ``CACHE_VERSION``; files are ``cache_dir/NAME-KEY.html`` and ``NAME-KEY.latexml.json``.
    A cached failure is remembered too and raised again without running LaTeXML, except
    a timeout (or memory) failure when ``timeout`` (or ``memory_mb``) is now larger;
    ``force=True`` always converts again.  A returned report read from the cache has
    ``cached=True``.  Failures raise like :func:`latexml_to_html` (``check=False`` returns
    the failed report, with the HTML path that was not written).
    """
    src, cache_dir = Path(src), Path(cache_dir)
    if not src.exists():
        raise _SourceProblem(REASON_NOT_FOUND, f"{src} does not exist")
    version = _version_of(_find_latexmlc())
    key = hashlib.sha256(
        f"{source_digest(src)}\0{version}\0{CACHE_VERSION}".encode()).hexdigest()[:20]
    html = cache_dir / f"{_safe_name(src.name, 'source')}-{key}.html"
    side = sidecar_path(html)
    if side.is_file() and not force:
        try:
            report = dataclasses.replace(read_report(side), cached=True)
        except (ValueError, TypeError, KeyError, OSError):
            report = None  # unreadable sidecar: convert again
        if report is not None:
            limit = _LIMIT_REASONS.get(report.reason)
            retry = limit is not None and _limit_grew(limit, report, timeout, memory_mb)
            if report.ok and html.is_file():
                return html, report
            if not report.ok and not retry:
                if check:
                    _raise_for(report)
                return html, report
    report = latexml_to_html(src, html, timeout=timeout, memory_mb=memory_mb, check=check)
    return html, report


def _limit_grew(limit: str, report: ConversionReport, timeout: float, memory_mb: int) -> bool:
    if limit == "timeout":
        return timeout > report.timeout
    old, new = report.memory_mb, memory_mb
    return (new <= 0 < old) or (0 < old < new)


__all__ = ["ConversionReport", "MainFile", "REASONS", "count_ltx_errors", "ensure_html",
           "find_main_file", "latexml_to_html", "latexml_version", "read_report",
           "sidecar_path", "source_digest", "strip_comments", "unpack_source"]

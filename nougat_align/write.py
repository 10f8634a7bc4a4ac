"""Safe output: files and folders appear complete or not at all, and nothing the tool did
not write is ever replaced or removed.

- ``write_bytes_atomic`` / ``write_text_atomic``: one file, through a temp file and a rename.
- ``atomic_dir``: a paper folder (``NN.mmd``, ``NN.png``, ``meta.json``).  A new folder is
  built beside and renamed into place; an existing one is only replaced if it holds nothing
  but files we write (else ``InputError``), file by file, ``meta.json`` (the completion
  marker) removed first and written last.
- ``check_folder`` / ``check_file``: refuse an output path of the wrong kind (a file where a
  folder goes and back) and a non-empty folder that is not our output.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

from nougat_align.errors import InputError

# what a paper folder holds: pages, their PNGs, meta.json (written last), timings.json
PAPER_FILE = re.compile(r"\d{2,}\.(?:mmd|png)|meta\.json|layout\.json|timings\.json|\.nougat-align\..*\.tmp")
TMP_PREFIX = ".nougat-align."


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder and a rename.
    The file gets the usual permissions (0666 minus umask), not mkstemp's 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def _names(entries: list[str]) -> str:
    return ", ".join(entries[:3]) + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")


def check_file(path: Path, what: str = "output", companion: Optional[str] = None) -> Path:
    """``path`` may be written as a file: absent, or an earlier output of ours.

    A folder is refused, and so is an existing file, which the tool did not write as far
    as it can tell: a file counts as ours only when ``companion`` (a suffix: the file our
    command writes beside it, e.g. ``.seek.map``) stands beside it.  Plain text outputs
    (markdown, JSON) carry no such mark, so an existing one is refused: remove it first."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; the {what} is a file")
    if path.exists():
        mark = path.with_name(path.stem + companion) if companion else None
        if mark is None or not mark.is_file():
            raise InputError(f"{path}: exists and nougat-align did not write it; "
                             f"remove it or give a new name for the {what}")
    return path


def check_folder(path: Path, ours: Optional[Callable[[list[str]], bool]] = None,
                 what: str = "output") -> Path:
    """``path`` may be used as an output folder: absent, empty, or (given ``ours``) a folder
    whose entry names ``ours`` accepts as our earlier output.  Never a file."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: is a file; the {what} is a folder")
    if ours is not None and path.is_dir():
        names = sorted(os.listdir(path))
        if names and not ours(names):
            raise InputError(f"{path}: holds files nougat-align did not write ({_names(names)}); "
                             f"give a new or empty folder for the {what}")
    return path


@contextmanager
def atomic_dir(target: Path, ours: Callable[[str], object] = PAPER_FILE.fullmatch,
               marker: str = "meta.json") -> Iterator[Path]:
    """Yield a fresh temp folder; on success its files become ``target``'s.

    ``target`` absent: the temp folder is made beside it and renamed into place (one rename:
    the folder appears complete or not at all; a killed run leaves a hidden
    ``.target.*.tmp`` that readers ignore).  ``target`` an existing folder: every entry must
    be a name ``ours`` accepts (else ``InputError`` before any work); the temp folder is
    made inside it, ``marker`` is removed, the new files are moved in, old files of ours not
    rewritten are removed, and ``marker`` is moved in last.  A file ``target`` is refused.
    """
    target = Path(os.path.abspath(target))  # "." and "x/.." have a name to work with
    in_place = target.is_dir()
    if in_place:
        foreign = [n for n in sorted(os.listdir(target)) if not ours(n)]
        if foreign:
            raise InputError(f"{target}: holds files nougat-align did not write ({_names(foreign)}); "
                             "give a new or empty folder")
        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, suffix=".tmp", dir=target))
    else:
        check_folder(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if not in_place:
            os.replace(tmp, target)
            return
        (target / marker).unlink(missing_ok=True)
        new = set(os.listdir(tmp))
        for name in sorted(new - {marker}):
            os.replace(tmp / name, target / name)
        for name in os.listdir(target):
            path = target / name
            if name not in new and ours(name) and path != tmp:
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        if marker in new:
            os.replace(tmp / marker, target / marker)
        tmp.rmdir()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

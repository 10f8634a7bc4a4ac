"""Child processes that can be stopped whole: their own process group, one kill for the tree.

    run = run_group(["latexmlc", ...], cwd=folder, log=folder / "log", timeout=600)

LaTeXML, pdflatex and BibTeX start children of their own (perl, gs, convert); a timeout
must stop all of them, so every tool runs in a new session and is stopped with
:func:`kill_group` (SIGTERM, a short grace, then SIGKILL for stragglers).  The batch
runner's helper processes are stopped the same way.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process group led by ``pid`` (gone or not ours: nothing)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass(frozen=True)
class GroupRun:
    returncode: Optional[int]
    seconds: float
    timed_out: bool
    log: str


def run_group(cmd: Sequence[str], cwd: Path, log: Path, timeout: float) -> GroupRun:
    """Run ``cmd`` in ``cwd`` in its own process group, output to ``log``; stop the whole
    group after ``timeout`` seconds (and any stray child when it ends by itself)."""
    start = time.monotonic()
    timed_out = False
    with open(log, "wb") as out:
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        finally:
            kill_group(proc.pid, signal.SIGKILL)
            proc.wait()
    seconds = time.monotonic() - start
    return GroupRun(proc.returncode, round(seconds, 2), timed_out,
                    Path(log).read_text(encoding="utf-8", errors="replace"))

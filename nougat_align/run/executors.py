"""Executors: run :func:`nougat_align.run.work.run_job` over a stream of jobs, in parallel.

Both keep at most ``2 x workers`` papers in flight, so memory stays flat however long the
stream, and both lose only the paper at fault when one hangs or crashes:

- local (default): a Pebble ``ProcessPool``.  Pebble kills a worker whose task runs past
  its timeout (counted from the moment the task starts) and reports a worker that died
  (segfault, OOM kill) as ``ProcessExpired``; either way only that paper is lost and the
  pool starts a fresh worker.  ``concurrent.futures.ProcessPoolExecutor`` cannot stop a
  running task and breaks the whole pool when one worker dies, hence Pebble.
- Dask (``dask="tcp://..."`` or ``"local"`` for a LocalCluster): the same ``run_job`` runs
  in a helper child process that each Dask worker thread keeps (:class:`_Helper`).  Dask
  cannot stop a running task (a thread), and Dask worker processes are daemonic so they
  may not start ``multiprocessing`` children (Pebble); a plain ``subprocess`` helper may.
  The task waits for the helper's answer at most ``timeout`` seconds, then kills it: a
  stuck paper is really stopped, recorded as ``timeout``, and the Dask worker stays
  healthy.  A helper that crashes loses only its paper.  Input and output paths must be
  on a filesystem every Dask worker sees.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import json
import logging
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator, Optional

from nougat_align.run.inputs import PaperJob
from nougat_align.source.procs import kill_group
from nougat_align.records import PaperResult
from nougat_align.run.work import Settings, failure, job_timeout, run_job

CRASHED, TIMED_OUT = "worker crashed", "timeout"
MAX_TASKS_PER_WORKER = 200  # a local worker is replaced after this many papers (leaks stay bounded)


def _remove_partial(out: Path, paper: str) -> None:
    """Remove the temp folders a killed worker left for ``paper``."""
    pattern = re.sub(r"([*?\[])", r"[\1]", paper)
    for tmp in out.glob(f".{pattern}.*.tmp"):
        if "." not in tmp.name[len(paper) + 2:-4]:
            shutil.rmtree(tmp, ignore_errors=True)


def run_local(jobs: Iterable[PaperJob], settings: Settings, workers: int,
               timeout: Optional[float]) -> Iterator[PaperResult]:
    """Pebble process pool, ``2 x workers`` papers in flight."""
    from pebble import ProcessExpired, ProcessPool

    pool = ProcessPool(max_workers=workers, max_tasks=MAX_TASKS_PER_WORKER)
    pending: dict[concurrent.futures.Future, PaperJob] = {}

    def finished() -> Iterator[PaperResult]:
        done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
            job = pending.pop(future)
            try:
                yield future.result()
            except concurrent.futures.TimeoutError:
                _remove_partial(Path(settings.out), job.paper)
                limit = job_timeout(job, timeout, settings)
                yield failure(job, "timeout", TIMED_OUT, f"stopped after {limit:g} s", limit or 0)
            except ProcessExpired as e:
                _remove_partial(Path(settings.out), job.paper)
                yield failure(job, "failed", CRASHED, _exit_text(e.exitcode))
            except Exception as e:  # noqa: BLE001 - e.g. a job that cannot be pickled
                yield failure(job, "failed", type(e).__name__, f"{type(e).__name__}: {e}")

    try:
        for job in jobs:
            future = pool.schedule(run_job, args=(job, settings), timeout=job_timeout(job, timeout, settings))
            pending[future] = job
            while len(pending) >= 2 * workers:
                yield from finished()
        while pending:
            yield from finished()
    finally:
        if pending:  # interrupted: kill the workers now, tidy what they were writing
            pool.stop()
            pool.join()
            for job in pending.values():
                _remove_partial(Path(settings.out), job.paper)
        else:
            pool.close()
            pool.join()


def _exit_text(code: Optional[int]) -> str:
    if code is not None and code < 0:
        try:
            return f"worker died from {signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"worker exited with code {code}"


class _Helper:
    """A child process that runs :func:`run_job` for one Dask worker thread, so a stuck
    paper can be killed and a crash loses one paper (see the module docstring)."""

    def __init__(self):
        self.proc: Optional[subprocess.Popen] = None

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from nougat_align.run.executors import _serve; _serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        if self.proc.stdout.readline() != b"ready\n":  # imports done: the clock may start
            raise RuntimeError(f"batch helper did not start ({_exit_text(self.kill())})")

    def kill(self) -> Optional[int]:
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        kill_group(proc.pid)
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        return proc.wait()

    def run(self, job: PaperJob, settings: Settings, timeout: Optional[float]) -> PaperResult:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        t0 = time.perf_counter()
        try:
            self.proc.stdin.write((json.dumps({"job": job.to_dict(), "settings": settings.to_dict()})
                                   + "\n").encode())
            self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            line = self.proc.stdout.readline() if ready else None
        except OSError:
            line = b""
        if line is None:
            self.kill()
            _remove_partial(Path(settings.out), job.paper)
            return failure(job, "timeout", TIMED_OUT, f"stopped after {timeout:g} s", timeout or 0)
        if not line.endswith(b"\n"):
            code = self.kill()
            _remove_partial(Path(settings.out), job.paper)
            return failure(job, "failed", CRASHED, _exit_text(code), time.perf_counter() - t0)
        return PaperResult.from_dict(json.loads(line))


_helpers = threading.local()
_all_helpers: list[_Helper] = []


def _dask_task(job: PaperJob, settings: Settings, timeout: Optional[float]) -> PaperResult:
    """What a Dask worker runs: ``run_job`` in this thread's helper process."""
    helper = getattr(_helpers, "helper", None)
    if helper is None:
        helper = _helpers.helper = _Helper()
        if not _all_helpers:
            import atexit

            atexit.register(lambda: [h.kill() for h in _all_helpers])
        _all_helpers.append(helper)
    return helper.run(job, settings, timeout)


def _serve() -> None:
    """The helper's main loop: one JSON job per stdin line, one JSON record per answer."""
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # stray prints of libraries must not corrupt the answers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):  # Linux: die with the Dask worker thread that owns us
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    answers.write("ready\n")
    for line in sys.stdin:
        msg = json.loads(line)
        record = run_job(PaperJob.from_dict(msg["job"]), Settings.from_dict(msg["settings"]))
        answers.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")


def run_dask(jobs: Iterable[PaperJob], settings: Settings, address: str, workers: int,
              timeout: Optional[float]) -> Iterator[PaperResult]:
    """The same papers on a Dask cluster, ``2 x threads`` papers in flight."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster if cluster is not None else address)
    pending: dict = {}  # future -> job
    futures = as_completed()
    limit = max(2, 2 * sum(client.nthreads().values()))
    jobs = iter(jobs)

    def fill() -> None:
        for job in jobs:
            future = client.submit(_dask_task, job, settings, job_timeout(job, timeout, settings),
                                   key=f"nougat-align-{job.paper}-{os.urandom(4).hex()}", pure=False)
            pending[future] = job
            futures.add(future)
            if len(pending) >= limit:
                return

    try:
        fill()
        for future in futures:
            job = pending.pop(future)
            try:
                record = future.result()
            except Exception as e:  # noqa: BLE001 - e.g. KilledWorker
                record = failure(job, "failed", type(e).__name__, f"{type(e).__name__}: {e}")
            future.release()
            yield record
            fill()
    finally:
        if pending:  # interrupted: queued papers are cancelled; running ones end atomically
            client.cancel(list(pending))
        client.close()
        if cluster is not None:
            cluster.close()


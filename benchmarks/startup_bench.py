"""Start-up time of ``nougat-align``, side by side with a minimal two-command typer app.

    python benchmarks/startup_bench.py [--rounds 15] [--before DIR]

Runs each command once per round, in a shuffled order each round (interleaved, so load on
the machine hits every command alike), and reports the median wall time, the median peak
RSS (``os.wait4``'s rusage of that child) and the ratio to the minimal app's ``--help``.
The goal (issue 12): ``nougat-align --help`` within 1.5x of the minimal app's.  The minimal
app is typer's default (rich help); a second row gives it plain help, as nougat-align has.
``--before DIR`` adds a row for another checkout of the package (e.g. an older commit
unpacked with ``git archive``), run the same way.  Prints a markdown table.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MINIMAL_APP = '''
import typer

app = typer.Typer()


@app.command()
def hello(name: str = typer.Argument(..., help="Who to greet.")) -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


@app.command()
def bye(loud: bool = typer.Option(False, "--loud", help="Shout.")) -> None:
    """Say goodbye."""
    typer.echo("BYE" if loud else "bye")


app()
'''

# what the console script runs: nougat_align.cli:main
ENTRY = "import sys; sys.argv[0] = 'nougat-align'; from nougat_align.cli import main; main()"


def run_once(cmd: list[str], env: dict) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one run of ``cmd``, from a neutral folder (``python -c``
    puts the current folder first on sys.path, ahead of PYTHONPATH)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)}: exit {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--before", type=Path, help="another checkout of nougat_align to compare with")
    args = ap.parse_args()

    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "minimal_app.py"
        app.write_text(MINIMAL_APP)
        plain = Path(tmp) / "minimal_plain_app.py"  # help without rich, as nougat-align's
        plain.write_text(MINIMAL_APP.replace("typer.Typer()", "typer.Typer(rich_markup_mode=None)"))
        here = {**os.environ, "PYTHONPATH": str(ROOT)}
        cases = {
            "python -c 'import typer'": ([py, "-c", "import typer"], here),
            "minimal typer app --help": ([py, str(app), "--help"], here),
            "minimal typer app, plain help, --help": ([py, str(plain), "--help"], here),
            "minimal typer app, plain help, bye --help": ([py, str(plain), "bye", "--help"], here),
            "nougat-align --help": ([py, "-c", ENTRY, "--help"], here),
            "nougat-align split --help": ([py, "-c", ENTRY, "split", "--help"], here),
            "nougat-align index --help": ([py, "-c", ENTRY, "index", "--help"], here),
            "python -c 'import nougat_align'": ([py, "-c", "import nougat_align"], here),
        }
        if args.before:
            before = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
            cases["nougat-align --help (before)"] = ([py, "-c", ENTRY, "--help"], before)
        for cmd, env in cases.values():  # warm the file cache and .pyc files
            run_once(cmd, env)
        times: dict[str, list[float]] = {name: [] for name in cases}
        rss: dict[str, list[float]] = {name: [] for name in cases}
        rng = random.Random(0)
        for _ in range(args.rounds):
            order = list(cases)
            rng.shuffle(order)
            for name in order:
                s, m = run_once(*cases[name])
                times[name].append(s)
                rss[name].append(m)

    base = statistics.median(times["minimal typer app --help"])
    print(f"{args.rounds} rounds, interleaved; median wall time and peak RSS; Python {sys.version.split()[0]}\n")
    print("| command | median s | vs minimal typer app --help | peak RSS MiB |")
    print("|---|---:|---:|---:|")
    for name in cases:
        med = statistics.median(times[name])
        print(f"| `{name}` | {med:.3f} | {med / base:.2f}x | {statistics.median(rss[name]):.0f} |")


if __name__ == "__main__":
    main()

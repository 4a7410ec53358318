"""CLI start-up: how long a command takes from exec to exit, beside its goal and the interpreter's own.

    .venv/bin/python benchmarks/bench_cli.py [--runs 15]

Every smtool command is a new process (over SSH, one command at a time), so start-up is paid on each.
Each command runs `--runs` times after one warm-up run; the median wall-clock time is printed beside
the goal of issue 21 (`--help` and `check --help` <= 0.15 s, a database read <= 0.5 s) and beside the
ceiling, `python -c pass` measured in the same run, as ratios. Byte code is cached (in a temporary
folder, never in the source tree) as in an installed smtool, even when PYTHONDONTWRITEBYTECODE is set.
Prints figures; asserts no times.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (label, arguments after `python`, goal in seconds or None for the ceiling)
COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("python -c pass (ceiling)", ["-c", "pass"], None),
    ("smtool --help", ["-m", "smtool", "--help"], 0.15),
    ("smtool check --help", ["-m", "smtool", "check", "--help"], 0.15),
    ("smtool inbox list", ["-m", "smtool", "inbox", "list", "--as", "liga"], 0.5),
    ("smtool account list", ["-m", "smtool", "account", "list"], 0.5),
]


def _environment(cache: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("SMTOOL_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _time(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) of one run. On a shared machine the wall clock also counts
    waiting for a core; the CPU time is what the command itself cost."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command (default 15)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work, cache = Path(folder) / "installation", Path(folder) / "pycache"
        work.mkdir()
        env = _environment(cache)
        # A training installation (SQLite, demo users; liga is a press officer): `inbox list` reads it.
        _time(["-m", "smtool", "init", "--sandbox"], work, env)
        medians: dict[str, tuple[float, float]] = {}
        for label, command, _ in COMMANDS:
            _time(command, work, env)  # warm-up: byte code compiled and cached
            runs = [_time(command, work, env) for _ in range(args.runs)]
            medians[label] = (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
    load = os.getloadavg()[0]
    ceiling = medians[COMMANDS[0][0]][0]
    print(f"CLI start-up, median of {args.runs} runs (load average {load:.1f} on {os.cpu_count()} cores):")
    for label, _, goal in COMMANDS:
        took, cpu = medians[label]
        against_goal = f"goal {goal:.2f} s: {took / goal:4.2f}x wall, {cpu / goal:4.2f}x CPU" if goal else ""
        print(
            f"  {label:<26} {took:6.3f} s wall {cpu:6.3f} s CPU  {took / ceiling:5.1f}x ceiling  "
            f"{against_goal}"
        )


if __name__ == "__main__":
    main()

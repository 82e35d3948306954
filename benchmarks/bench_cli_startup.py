"""Startup time of the ``keystone`` command: ``--help`` and a shell completion request.

Each case runs as a fresh process, several times, interleaved (like hyperfine), after one
warm-up run (which also builds the grammar cache); the bare interpreter is the floor.
``python -X importtime`` then shows which heavy modules each case imports (the goal: none,
and under 0.4 s).

Usage::

    python benchmarks/bench_cli_startup.py [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HEAVY = ("keystone_client.models", "pydantic", "httpx", "rich", "yaml")

COMPLETE = {
    "_KEYSTONE_COMPLETE": "bash_complete",
    "COMP_WORDS": "keystone allocation-requests list --filter sta",
    "COMP_CWORD": "4",
}


def cases() -> dict[str, tuple[list[str], dict[str, str]]]:
    script = shutil.which("keystone", path=str(Path(sys.executable).parent)) or "keystone"
    py = sys.executable
    return {
        "python -c pass (interpreter alone)": ([py, "-c", "pass"], {}),
        "keystone --help": ([script, "--help"], {}),
        "keystone completion request": ([script], COMPLETE),
    }


def _once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def heavy_imports(argv: list[str], env: dict[str, str]) -> list[str]:
    """The heavy top-level modules a run imports, from ``python -X importtime``."""
    if argv[0] != sys.executable:
        argv = [sys.executable, argv[0], *argv[1:]]
    argv = [argv[0], "-X", "importtime", *argv[1:]]
    result = subprocess.run(
        argv,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = set()
    for line in result.stderr.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        for heavy in HEAVY:
            if name == heavy or name.startswith(heavy + "."):
                found.add(heavy)
    return sorted(found)


def run(repeats: int = 10) -> dict[str, Any]:
    """Time every case ``repeats`` times (interleaved); return seconds and heavy imports."""
    chosen = cases()
    for argv, env in chosen.values():
        _once(argv, env)  # warm-up: file caches, the grammar cache
    samples: dict[str, list[float]] = {name: [] for name in chosen}
    for _ in range(repeats):
        for name, (argv, env) in chosen.items():
            samples[name].append(_once(argv, env))
    results: dict[str, Any] = {}
    print("| case | min (s) | median (s) | mean (s) | heavy modules imported |")
    print("|---|---|---|---|---|")
    for name, values in samples.items():
        argv, env = chosen[name]
        heavy = heavy_imports(argv, env) if "keystone" in name or "completion" in name else []
        results[name] = {
            "min": min(values),
            "median": statistics.median(values),
            "mean": statistics.fmean(values),
            "heavy": heavy,
        }
        print(
            f"| {name} | {min(values):.3f} | {statistics.median(values):.3f} "
            f"| {statistics.fmean(values):.3f} | {', '.join(heavy) or 'none'} |"
        )
    print()
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min)")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    run(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

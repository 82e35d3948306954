"""Run every keystone_client benchmark and print the results as Markdown.

Usage::

    pip install -e '.[dev]'
    python benchmarks/run.py                 # all benchmarks, about 3 minutes on 2 cores
    python benchmarks/run.py --quick         # fewer repeats, under 2 minutes; rougher numbers
    python benchmarks/run.py --only parse --json results.json
    python benchmarks/run.py --server http://127.0.0.1:8001 --token TOKEN [--rounds 5]
    python benchmarks/run.py --server URL --token TOKEN --variant 'page size 500' --variant plain

Benchmarks are run on demand, never from the test suite. Without ``--server`` they need no
server and no network: synthetic records are served through in-process httpx transports,
and the captured real pages are read from ``../shared`` when present. With ``--server``,
only the real-server suite runs (``bench_server.py``): every listing variant in turn over
``--rounds`` rounds against that server. Use a server of your own, with throttling off;
the run sends a few hundred requests per round.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cli_startup
import bench_concurrency
import bench_page_size
import bench_parse
import bench_server
from _timing import load_average, machine_facts, table

SUITES = {
    "parse": ("Parse cost of a 1000-record page", bench_parse.run, 9, 3),
    "concurrency": ("Concurrent async list() with 50 ms latency", bench_concurrency.run, 5, 2),
    "page_size": ("Page size: listing 5000 records", bench_page_size.run, 3, 1),
    "cli_startup": ("Startup of the keystone command", bench_cli_startup.run, 10, 3),
}


def main() -> int:
    """Run the selected benchmarks; return the process exit code."""
    parser = argparse.ArgumentParser(description="Run keystone_client benchmarks.")
    parser.add_argument("--only", choices=sorted(SUITES), action="append", help="run only these")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (rougher numbers)")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    parser.add_argument("--server", help="base URL of a real Keystone server to list from")
    parser.add_argument("--token", help="API token for --server (Authorization: Token ...)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds against --server")
    parser.add_argument(
        "--variant",
        action="append",
        help="with --server: only variants whose name contains this (repeatable); the "
        "`_limit=100` reference loop always runs",
    )
    parser.add_argument(
        "--collection",
        default="allocation_requests:allocations/requests/",
        help="NAME:ENDPOINT listed against --server (default %(default)s)",
    )
    args = parser.parse_args()
    if args.token and not args.server:
        parser.error("--token needs --server")

    facts = machine_facts()
    print("# keystone_client benchmarks")
    print()
    print(table(["fact", "value"], [[k, v] for k, v in facts.items()]))
    print()
    results: dict[str, Any] = {"machine": facts}
    started = time.perf_counter()
    if args.server:
        if not args.token:
            parser.error("--server needs --token (serve token prints one)")
        name, _, endpoint = args.collection.partition(":")
        target = bench_server.Target(args.server, args.token, name, endpoint or f"{name}/")
        print(f"## Listing `{name}` from {args.server}")
        print()
        sys.stdout.flush()
        chosen = bench_server.variants()
        if args.variant:
            chosen = chosen[:1] + [
                v for v in chosen[1:] if any(part in v.name for part in args.variant)
            ]
        results["server"] = bench_server.run(
            target, rounds=args.rounds, chosen=chosen, progress=_progress
        )
    for name in [] if args.server else args.only or list(SUITES):
        title, run, repeats, quick_repeats = SUITES[name]
        print(f"## {title}")
        print()
        sys.stdout.flush()
        t0 = time.perf_counter()
        results[name] = run(repeats=quick_repeats if args.quick else repeats)
        print(f"({name}: {time.perf_counter() - t0:.0f} s)")
        print()
        sys.stdout.flush()
    elapsed = time.perf_counter() - started
    print(f"Total: {elapsed:.0f} s; load average at the end (1/5/15 min): {load_average()}")
    results["seconds"] = elapsed
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"Numbers written to {args.json}")
    return 0


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())

"""Page size: total time and peak memory of listing 5000 records, for several page sizes.

Modelled: the server. Each request waits ``20 ms + 0.2 ms x records in the page`` (a round
trip plus the server's render time, which grows with the page), as ``time.sleep`` for the
sync client and ``asyncio.sleep`` for the async one.

Measured: everything the client does - HTTP machinery, JSON decoding, model validation,
paging, garbage collection - on this machine, with the same synthetic ~8.4 KB records.

Run: ``python benchmarks/bench_page_size.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
import tracemalloc
from typing import Any

from _server import (
    AsyncLatencyTransport,
    LatencyTransport,
    PageServer,
    default_page_size,
    isolated_settings,
    mock_transport,
)
from _synthetic import make_records
from _timing import Series, Variant, ms, run_interleaved, table
from pydantic import TypeAdapter

from keystone_client import AsyncKeystoneClient, KeystoneClient
from keystone_client.models import AllocationRequest, Page

RECORDS = 5000
PAGE_SIZES = (50, 100, 200, 500, 1000)
FIXED = 0.020  # seconds per request (modelled round trip)
PER_RECORD = 0.0002  # seconds per record in the page (modelled server render)


def modelled_server_seconds(page_size: int, records: int = RECORDS) -> float:
    """Sum of the modelled waits when the pages are fetched one after another."""
    pages = -(-records // page_size)  # the last page has no ``next``: no extra request
    return pages * FIXED + records * PER_RECORD


class _Iterate:
    """Sync ``for record in query`` over every record, noting when the first one came."""

    def __init__(self, client: KeystoneClient) -> None:
        self.client = client
        self.first = 0.0

    def __call__(self) -> int:
        started = time.perf_counter()
        n = 0
        for _ in self.client.resources.allocation_requests.all():
            if n == 0:
                self.first = time.perf_counter() - started
            n += 1
        assert n == RECORDS, n
        return n


def _peak_while_iterating(client: KeystoneClient) -> tuple[int, int]:
    """tracemalloc peaks (bytes) above the start: a ``for`` loop, then ``list()``."""
    query = client.resources.allocation_requests.all()
    peaks = []
    for hold_all in (False, True):
        gc.collect()
        tracemalloc.start()
        try:
            start, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            if hold_all:
                kept = query.list()
                assert len(kept) == RECORDS
                del kept
            else:
                for _ in query:
                    pass
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        peaks.append(peak - start)
    return peaks[0], peaks[1]


def _parse_cost(server: PageServer, page_sizes: tuple[int, ...]) -> dict[int, tuple[float, ...]]:
    """Seconds per record to decode one page: validate_json with gc on/off, json.loads."""
    adapter = TypeAdapter(Page[AllocationRequest])
    out = {}
    for n in page_sizes:
        body = server.page_bytes(n)
        reps = max(7, 4000 // n)
        variants = [
            Variant("models", lambda body=body: adapter.validate_json(body)),
            Variant("json", lambda body=body: json.loads(body)),
        ]
        on = run_interleaved(variants, repeats=reps, warmup=1)
        gc.disable()
        try:
            off = run_interleaved(variants, repeats=reps, warmup=1)
        finally:
            gc.enable()
        out[n] = (
            on["models"].median / n,
            off["models"].median / n,
            on["json"].median / n,
            off["json"].median / n,
            on["models"].ratio_to(on["json"]),
            off["models"].ratio_to(off["json"]),
        )
    return out


def run(repeats: int = 3, page_sizes: tuple[int, ...] = PAGE_SIZES) -> dict[str, Any]:
    """Measure every page size; print Markdown tables and return the numbers."""
    server = PageServer(make_records(RECORDS))
    default = default_page_size()
    fast = mock_transport(server)
    slow = LatencyTransport(server, fixed=FIXED, per_record=PER_RECORD)
    aslow = AsyncLatencyTransport(server, fixed=FIXED, per_record=PER_RECORD)

    fast_clients = {
        n: KeystoneClient(settings=isolated_settings(n), transport=fast) for n in page_sizes
    }
    slow_clients = {
        n: KeystoneClient(settings=isolated_settings(n), transport=slow) for n in page_sizes
    }
    aclients = {
        n: AsyncKeystoneClient(settings=isolated_settings(n), transport=aslow) for n in page_sizes
    }
    iterators = {n: _Iterate(slow_clients[n]) for n in page_sizes}

    def counters() -> dict[str, Any]:
        return {
            "requests": server.requests,
            "render": server.render_seconds,
            "slept": slow.slept + aslow.slept,
        }

    def reset() -> None:
        server.reset_counters()
        slow.slept = aslow.slept = 0.0

    def first_record(n: int) -> Any:
        return lambda: {**counters(), "first": iterators[n].first}

    def fast_loop(n: int) -> Any:
        return lambda: sum(1 for _ in fast_clients[n].resources.allocation_requests.all())

    def alist(n: int) -> Any:
        return lambda: aclients[n].resources.allocation_requests.list()

    measured = [
        Variant(f"measured {n}", fast_loop(n), before=reset, after=counters) for n in page_sizes
    ]
    modelled = []
    for n in page_sizes:
        modelled += [
            Variant(f"sync {n}", iterators[n], before=reset, after=first_record(n)),
            Variant(f"async {n}", alist(n), is_async=True, before=reset, after=counters),
        ]
    with asyncio.Runner() as runner:
        client_cost = run_interleaved(measured, repeats=repeats, warmup=1, runner=runner)
        totals = run_interleaved(modelled, repeats=repeats, warmup=0, runner=runner)
        for aclient in aclients.values():
            runner.run(aclient.close())
    memory = {n: _peak_while_iterating(fast_clients[n]) for n in page_sizes}
    parse = _parse_cost(server, page_sizes)
    for client in [*fast_clients.values(), *slow_clients.values()]:
        client.close()
    body_mb = {n: n * server.mean_record_bytes / 1e6 for n in page_sizes}
    return _report(client_cost, totals, memory, parse, body_mb, default, page_sizes)


def _report(
    client_cost: dict[str, Series],
    totals: dict[str, Series],
    memory: dict[int, tuple[int, int]],
    parse: dict[int, tuple[float, ...]],
    body_mb: dict[int, float],
    default: int,
    page_sizes: tuple[int, ...],
) -> dict[str, Any]:
    rows = []
    mem_rows: list[list[str]] = []
    out: dict[str, Any] = {}
    for n in page_sizes:
        measured = client_cost[f"measured {n}"]
        sync = totals[f"sync {n}"]
        asy = totals[f"async {n}"]
        server = modelled_server_seconds(n)
        iterate_peak, list_peak = memory[n]
        rows.append(
            [
                f"{n}{' (default)' if n == default else ''}",
                f"{measured.extra('requests'):.0f}",
                f"{body_mb[n]:.2f}",
                ms(server),
                ms(measured.median),
                ms(measured.gc_median),
                ms(sync.median),
                ms(sync.median - server),
                ms(sync.extra("first")),
                ms(asy.median),
                f"{asy.extra('requests'):.0f}",
            ]
        )
        mem_rows.append(
            [
                f"{n}",
                f"{iterate_peak / 1e6:.1f}",
                f"{list_peak / 1e6:.1f}",
            ]
        )
        out[str(n)] = {
            "requests_sync": measured.extra("requests"),
            "requests_async_list": asy.extra("requests"),
            "page_mb": body_mb[n],
            "modelled_server_ms": server * 1000,
            "measured_client_ms": measured.median * 1000,
            "measured_client_gc_ms": measured.gc_median * 1000,
            "render_ms_in_process": measured.extra("render") * 1000,
            "sync_total_ms": sync.median * 1000,
            "sync_client_share_ms": (sync.median - server) * 1000,
            "parse_us_per_record": {
                "models_gc_on": parse[n][0] * 1e6,
                "models_gc_off": parse[n][1] * 1e6,
                "json_loads_gc_on": parse[n][2] * 1e6,
                "json_loads_gc_off": parse[n][3] * 1e6,
                "ratio_gc_on": parse[n][4],
                "ratio_gc_off": parse[n][5],
            },
            "sync_first_record_ms": sync.extra("first") * 1000,
            "async_list_total_ms": asy.median * 1000,
            "iterate_peak_mb": iterate_peak / 1e6,
            "list_peak_mb": list_peak / 1e6,
        }
    print(
        f"{RECORDS} records of ~{body_mb[page_sizes[0]] / page_sizes[0] * 1e6:,.0f} B. Modelled "
        f"server: {FIXED * 1000:.0f} ms + {PER_RECORD * 1000:.1f} ms/record per request."
    )
    print()
    print(
        table(
            [
                "page size",
                "requests",
                "MB/page",
                "modelled server ms (sequential)",
                "measured client ms (no latency)",
                "of which GC ms",
                "sync for-loop total ms",
                "= client share ms",
                "sync first record ms",
                "async list() total ms",
                "async list() requests",
            ],
            rows,
        )
    )
    print()
    print(
        "sync total ~= modelled server + measured client; async list() overlaps requests "
        "(concurrency 4)."
    )
    print()
    parse_rows = [
        [
            f"{n}",
            f"{on * 1e6:.1f}",
            f"{off * 1e6:.1f}",
            f"{jon * 1e6:.1f}",
            f"{joff * 1e6:.1f}",
            f"{ratio_on:.2f}x",
            f"{ratio_off:.2f}x",
        ]
        for n, (on, off, jon, joff, ratio_on, ratio_off) in parse.items()
    ]
    print(
        "Peak memory above the start while listing 5000 records (tracemalloc: memory from "
        "Python's allocator only):"
    )
    print()
    print(
        table(
            ["page size", "for-loop MB", "list() MB"],
            mem_rows,
        )
    )
    print()
    rtts = (0.005, FIXED, 0.050, 0.100)
    pred_rows = []
    for n in page_sizes:
        share = totals[f"sync {n}"].median - modelled_server_seconds(n)
        pred_rows.append(
            [f"{n}"] + [ms(-(-RECORDS // n) * rtt + RECORDS * PER_RECORD + share) for rtt in rtts]
        )
    print(
        "Sync for-loop total for other fixed per-request latencies (a projection: modelled "
        "server time + the client share measured above):"
    )
    print()
    print(table(["page size", *(f"{rtt * 1000:.0f} ms/request" for rtt in rtts)], pred_rows))
    print()
    print(
        "Parse cost per record, pydantic alone (TypeAdapter.validate_json, without the "
        "library), one page decoded back to back (measured):"
    )
    print()
    print(
        table(
            [
                "page size",
                "models us/rec",
                "models us/rec, gc off",
                "json.loads us/rec",
                "json.loads us/rec, gc off",
                "ratio",
                "ratio, gc off",
            ],
            parse_rows,
        )
    )
    print()
    return out


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    run(repeats=args.repeats)


if __name__ == "__main__":
    main()

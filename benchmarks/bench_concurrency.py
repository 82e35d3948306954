"""Concurrency: does ``await query.list()`` overlap page requests on a slow server?

The server holds 10 pages of records (10 x the default page size) behind a transport that
waits 50 ms before answering each request (``asyncio.sleep`` for the async client,
``time.sleep`` for the sync one). Sequential paging (sync ``list()``, or ``async for``)
needs 10 round trips; the concurrent ``list()`` (sync on threads, async on tasks) should
need far fewer round-trip times. ``list()`` fetches the first page alone, then splits the
rest of the id range into slices; adaptive concurrency (the default) grows the requests in
flight while throughput rises. The latency is modelled: a server that answers every
request in 50 ms however many arrive at once, like one with many workers.

Run: ``python benchmarks/bench_concurrency.py``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from _server import (
    AsyncLatencyTransport,
    LatencyTransport,
    PageServer,
    default_page_size,
    isolated_settings,
)
from _synthetic import make_records
from _timing import Series, Variant, ms, run_interleaved, table

from keystone_client import AsyncKeystoneClient, KeystoneClient

PAGES = 10
LATENCY = 0.050


def run(
    repeats: int = 5,
    warmup: int = 1,
    concurrencies: tuple[int | None, ...] = (1, 2, 4, 8, None),
) -> Any:
    """Time sequential and concurrent listing; print a Markdown table and return the numbers."""
    page_size = default_page_size()
    total = PAGES * page_size
    server = PageServer(make_records(total))
    sync_transport = LatencyTransport(server, fixed=LATENCY, per_record=0.0)
    async_transport = AsyncLatencyTransport(server, fixed=LATENCY, per_record=0.0)
    settings = isolated_settings(page_size)
    sync_client = KeystoneClient(settings=settings, transport=sync_transport, concurrency=1)
    sync_adaptive = KeystoneClient(settings=settings, transport=sync_transport)
    aclients = {
        c: AsyncKeystoneClient(settings=settings, transport=async_transport, concurrency=c)
        for c in concurrencies
    }
    default_concurrency = AsyncKeystoneClient(settings=settings).concurrency

    def count_requests() -> dict[str, Any]:
        return {"requests": server.requests, "records": server.records_served}

    async def async_for() -> int:
        n = 0
        async for _ in aclients[concurrencies[0]].resources.allocation_requests.all():
            n += 1
        return n

    def concurrent(c: int | None) -> Any:
        return lambda: aclients[c].resources.allocation_requests.list()

    label = {c: f"async  await list(), concurrency={c}" for c in concurrencies}
    label[None] = "async  await list(), adaptive"
    label[default_concurrency] += " (default)"
    variants = [
        Variant(
            "sync   list(), concurrency=1 (sequential)",
            lambda: sync_client.resources.allocation_requests.list(),
            before=server.reset_counters,
            after=count_requests,
        ),
        Variant(
            "sync   list(), adaptive (default)",
            lambda: sync_adaptive.resources.allocation_requests.list(),
            before=server.reset_counters,
            after=count_requests,
        ),
        Variant(
            "async  async for (sequential)",
            async_for,
            is_async=True,
            before=server.reset_counters,
            after=count_requests,
        ),
    ] + [
        Variant(
            label[c],
            concurrent(c),
            is_async=True,
            before=server.reset_counters,
            after=count_requests,
        )
        for c in concurrencies
    ]
    with asyncio.Runner() as runner:
        got = runner.run(aclients[default_concurrency].resources.allocation_requests.list())
        ids = [r.id for r in got]
        assert ids == sorted(set(ids)) and len(ids) == total, "concurrent list() lost records"
        del got
        series = run_interleaved(variants, repeats=repeats, warmup=warmup, runner=runner)
        for client in aclients.values():
            runner.run(client.close())
    sync_client.close()
    sync_adaptive.close()
    return _report(series, page_size, total, default_concurrency)


def _report(series: dict[str, Series], page_size: int, total: int, default: int | None) -> Any:
    sequential = series["sync   list(), concurrency=1 (sequential)"]
    seq_async = series["async  async for (sequential)"]
    rows = []
    for s in series.values():
        requests = s.extra("requests")
        rows.append(
            [
                s.name,
                ms(s.median),
                ms(s.best),
                f"{requests:.0f}",
                f"{s.median / LATENCY:.1f}",
                f"{s.ratio_to(sequential):.2f}",
                f"{s.ratio_to(seq_async):.2f}",
            ]
        )
    print(
        f"{total} records = {PAGES} pages of {page_size}; every request waits "
        f"{LATENCY * 1000:.0f} ms (modelled), then is answered from memory."
    )
    print()
    print(
        table(
            [
                "how",
                "median ms",
                "best ms",
                "requests",
                "in round-trip times",
                "vs sync list()",
                "vs async for",
            ],
            rows,
        )
    )
    print()
    conc = next(s for s in series.values() if s.name.startswith("async") and "(default)" in s.name)
    fraction = conc.ratio_to(seq_async)
    print(
        f"default concurrency ({default or 'adaptive'}): {ms(conc.median)} ms "
        f"vs {ms(seq_async.median)} ms "
        f"for async for = {fraction:.2f} of the sequential time ({1 / fraction:.2f}x faster); "
        "goal: well under 0.5. (Ratios: median over rounds of back-to-back pairs.)"
    )
    print()
    return {
        "page_size": page_size,
        "records": total,
        "median_ms": {k: v.median * 1000 for k, v in series.items()},
        "requests": {k: v.extra("requests") for k, v in series.items()},
        "fraction_of_sequential": fraction,
    }


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    run(repeats=args.repeats)


if __name__ == "__main__":
    main()

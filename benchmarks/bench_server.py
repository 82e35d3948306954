"""Listing a whole collection from a real Keystone server: the client against plain httpx.

Every variant lists the entire collection end to end (all records, every page) over real
HTTP with token auth (``Authorization: Token <token>``). The variants run in turn, round
after round, so a slow spell of a shared machine touches all of them alike. Reported per
variant: the median wall time over rounds, requests sent, and two ratios, each the median
over rounds of the variant's time / the reference's time in the same round:

* to the ``_limit=100`` offset loop (what hand-written scripts usually do), and
* to the best plain-httpx loop (the plain loop with the lowest median).

Run against a server you own, not a shared one (``--server``, ``--token``; see
``benchmarks/run.py``). To add a variant, append a `ServerVariant` to the list
`variants()` returns: a name, and a function that takes a `Target` and returns the ids of
the records it listed (sync or async).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from _timing import table

from keystone_client import AsyncKeystoneClient, KeystoneClient, KeystoneSettings

__all__ = ["ServerVariant", "Target", "run", "variants"]


@dataclass(frozen=True)
class Target:
    """The server and collection every variant lists."""

    url: str
    token: str
    collection: str = "allocation_requests"
    endpoint: str = "allocations/requests/"
    #: Seconds per request for every variant; a 1000-record page can take seconds to render.
    timeout: float = 120.0

    @property
    def headers(self) -> dict[str, str]:
        """Plain-httpx request headers (the same token auth the client sends)."""
        return {"Authorization": f"Token {self.token}", "Accept": "application/json"}

    def settings(self, **overrides: Any) -> KeystoneSettings:
        """Client settings for this server, ignoring ``KEYSTONE_*`` and ``.env``."""
        values: dict[str, Any] = {
            "url": self.url,
            "token": self.token,
            "username": None,
            "password": None,
            "timeout": self.timeout,
            **overrides,
        }
        return KeystoneSettings(env_file=None, **values)


@dataclass
class ServerVariant:
    """One way of listing the collection; ``fn`` returns the listed ids (awaitable if async)."""

    name: str
    fn: Callable[[Target, _Counter], list[int]] | Callable[[Target, _Counter], Awaitable[list[int]]]
    is_async: bool = False
    plain: bool = False  # a plain httpx loop, a candidate for "best plain loop"


@dataclass
class _Counter:
    """Counts the requests a variant sends (wraps its transport)."""

    requests: int = 0

    def sync_transport(self) -> httpx.BaseTransport:
        counter = self

        class Counting(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                counter.requests += 1
                return super().handle_request(request)

        return Counting()

    def async_transport(self) -> httpx.AsyncBaseTransport:
        counter = self

        class Counting(httpx.AsyncHTTPTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                counter.requests += 1
                return await super().handle_async_request(request)

        return Counting()


# -- plain httpx loops ---------------------------------------------------------------------


def offset_loop(limit: int) -> Callable[[Target, _Counter], list[int]]:
    """``_limit=<limit>`` and ``_offset`` until the server's ``next`` is null."""

    def list_all(target: Target, counter: _Counter) -> list[int]:
        ids: list[int] = []
        with httpx.Client(
            base_url=target.url,
            headers=target.headers,
            timeout=target.timeout,
            transport=counter.sync_transport(),
        ) as http:
            offset = 0
            while True:
                params = {"_limit": limit, "_offset": offset}
                response = http.get(target.endpoint, params=params)
                response.raise_for_status()
                page = response.json()
                ids += [record["id"] for record in page["results"]]
                offset += len(page["results"])
                if page["next"] is None or not page["results"]:
                    return ids

    return list_all


def keyset_loop(limit: int) -> Callable[[Target, _Counter], list[int]]:
    """``_order=id&id__gt=<last id>``, ``limit`` a page, until a page has no ``next``."""

    def list_all(target: Target, counter: _Counter) -> list[int]:
        ids: list[int] = []
        with httpx.Client(
            base_url=target.url,
            headers=target.headers,
            timeout=target.timeout,
            transport=counter.sync_transport(),
        ) as http:
            params: dict[str, Any] = {"_limit": limit, "_order": "id"}
            while True:
                response = http.get(target.endpoint, params=params)
                response.raise_for_status()
                page = response.json()
                ids += [record["id"] for record in page["results"]]
                if page["next"] is None or not page["results"]:
                    return ids
                params["id__gt"] = ids[-1]

    return list_all


# -- the client ------------------------------------------------------------------------------


def sync_client(**options: Any) -> Callable[[Target, _Counter], list[int]]:
    """``KeystoneClient(**options)``: ``page_size`` goes to the settings, the rest as keywords."""
    page_size = options.pop("page_size", None)

    def list_all(target: Target, counter: _Counter) -> list[int]:
        settings = target.settings(**({"page_size": page_size} if page_size else {}))
        with KeystoneClient(
            settings=settings, transport=counter.sync_transport(), **options
        ) as client:
            manager = getattr(client.resources, target.collection)
            return [record.id for record in manager.all().list()]

    return list_all


def async_client(**options: Any) -> Callable[[Target, _Counter], Awaitable[list[int]]]:
    """``AsyncKeystoneClient(**options)``, e.g. ``concurrency=4``; ``page_size`` as above."""
    page_size = options.pop("page_size", None)

    async def list_all(target: Target, counter: _Counter) -> list[int]:
        settings = target.settings(**({"page_size": page_size} if page_size else {}))
        async with AsyncKeystoneClient(
            settings=settings, transport=counter.async_transport(), **options
        ) as client:
            manager = getattr(client.resources, target.collection)
            return [record.id for record in await manager.all().list()]

    return list_all


def variants() -> list[ServerVariant]:
    """Every variant, in the order they run each round. The first is the reference loop."""
    plain = [
        ServerVariant("plain httpx, `_limit=100` offset paging", offset_loop(100), plain=True),
        ServerVariant("plain httpx, `_limit=1000` offset paging", offset_loop(1000), plain=True),
        ServerVariant("plain httpx, keyset (`id__gt`), 200 a page", keyset_loop(200), plain=True),
        ServerVariant("plain httpx, keyset (`id__gt`), 1000 a page", keyset_loop(1000), plain=True),
    ]
    # (page size, concurrency): None adapts (the default), an int fixes it.
    settings: list[tuple[int, int | None]] = [
        (200, None),
        (500, None),
        (1000, None),
        (200, 1),
        (200, 2),
        (200, 4),
    ]
    client: list[ServerVariant] = []
    for kind, make, is_async in (
        ("KeystoneClient", sync_client, False),
        ("AsyncKeystoneClient", async_client, True),
    ):
        for page_size, concurrency in settings:
            how = "adaptive" if concurrency is None else f"concurrency {concurrency}"
            client.append(
                ServerVariant(
                    f"`{kind}` `list()`, page size {page_size}, {how}",
                    make(page_size=page_size, concurrency=concurrency),
                    is_async=is_async,
                )
            )
    return plain + client


# -- running and reporting -------------------------------------------------------------------


def _time_one(
    variant: ServerVariant, target: Target, runner: asyncio.Runner
) -> tuple[float, int, int]:
    """List once; return seconds, records and requests sent."""
    counter = _Counter()
    started = time.perf_counter()
    if variant.is_async:
        ids = runner.run(variant.fn(target, counter))  # type: ignore[arg-type]
    else:
        ids = variant.fn(target, counter)
    elapsed = time.perf_counter() - started
    if len(ids) != len(set(ids)):
        raise SystemExit(f"{variant.name}: listed {len(ids) - len(set(ids))} records twice")
    return elapsed, len(ids), counter.requests  # type: ignore[arg-type]


def run(
    target: Target,
    rounds: int = 5,
    chosen: list[ServerVariant] | None = None,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """List the collection with every variant, ``rounds`` times in turn; print a table."""
    chosen = chosen or variants()
    times: dict[str, list[float]] = {v.name: [] for v in chosen}
    requests: dict[str, int] = {}
    records: dict[str, int] = {}
    with asyncio.Runner() as runner:
        for number in range(1, rounds + 1):
            for variant in chosen:
                elapsed, listed, sent = _time_one(variant, target, runner)
                times[variant.name].append(elapsed)
                records[variant.name] = listed
                requests[variant.name] = sent
            progress(f"round {number}/{rounds} done")
    return _report(chosen, times, requests, records)


def _ratio(times: dict[str, list[float]], name: str, reference: str) -> float:
    pairs = zip(times[name], times[reference], strict=True)
    return statistics.median(mine / ref for mine, ref in pairs)


def _report(
    chosen: list[ServerVariant],
    times: dict[str, list[float]],
    requests: dict[str, int],
    records: dict[str, int],
) -> dict[str, Any]:
    reference = chosen[0].name
    plain = [v.name for v in chosen if v.plain]
    best = min(plain, key=lambda name: statistics.median(times[name]))
    rows = []
    numbers: dict[str, Any] = {"reference": reference, "best_plain": best, "variants": {}}
    for variant in chosen:
        name = variant.name
        median = statistics.median(times[name])
        to_ref = _ratio(times, name, reference)
        to_best = _ratio(times, name, best)
        numbers["variants"][name] = {
            "median_s": median,
            "all_s": times[name],
            "requests": requests.get(name),
            "records": records[name],
            "ratio_to_limit_100": to_ref,
            "ratio_to_best_plain": to_best,
        }
        label = f"**{name}**" if name == best else name
        rows.append(
            [
                label,
                f"{median:.2f}",
                f"{min(times[name]):.2f}",
                str(requests.get(name, "")),
                f"{records[name]:,}",
                f"{to_ref:.2f}x",
                f"{to_best:.2f}x",
            ]
        )
    rounds = len(times[reference])
    print()
    print(f"Whole collection listed, median of {rounds} interleaved rounds (best plain loop bold):")
    print()
    print(
        table(
            [
                "how the whole collection was listed",
                "median s",
                "best s",
                "requests",
                "records",
                "vs `_limit=100` loop",
                "vs best plain loop",
            ],
            rows,
        )
    )
    print()
    print("Ratios are medians over rounds of variant / reference, both from the same round.")
    print()
    return numbers

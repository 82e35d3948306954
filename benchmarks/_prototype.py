"""Prototypes of proposed library changes, to measure them. NOT library code.

Nothing here changes the library for anyone else; each prototype touches only the client
or query object it is given, through the library's private names, and gives up (returns
None) if those have changed.

`prototype_list` re-implements ``AsyncQuery.list()`` with two changes, so
`bench_concurrency` can show what they would gain:

1. The one-record "edge" request (``_order=-id&_limit=1``) that finds the far end of the
   id range is sent together with the first page instead of after it (it does not depend
   on it), saving one round trip.
2. The concurrency semaphore is held only while a request is in flight, not while its
   page is being parsed, and the task yields once (``await asyncio.sleep(0)``) before
   parsing, so waiting slices send their next request first: the parse (CPU) of one page
   then overlaps the network wait of the next ones.

`break_response_cycles` makes one client drop each response body as soon as it is no
longer referenced. httpx links every response to its stream and the stream back to the
response (``BoundSyncStream(response=...)``), so a response - and its whole body, 1.7 MB
for a 200-record page - is freed only when the cyclic garbage collector next runs, not
when the library lets go of it. Replacing the spent stream by a plain ``ByteStream`` of
the same bytes breaks the cycle. `bench_page_size` measures the peak memory both ways.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

__all__ = ["break_response_cycles", "prototype_list"]


def _private_api_available(query: Any) -> bool:
    client = getattr(query, "_client", None)
    return all(hasattr(query, name) for name in ("_pager", "_page_flow", "_raw_page_flow")) and (
        client is not None and hasattr(client, "_http") and hasattr(client, "_run")
    )


async def _run_gated(client: Any, flow: Any, gate: asyncio.Semaphore) -> Any:
    """Like ``AsyncKeystoneClient._run``, holding ``gate`` only around each send."""
    from keystone_client._base_client import Sleep

    outcome: Any = None
    while True:
        try:
            step = flow.send(outcome)
        except StopIteration as stop:
            return stop.value
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            outcome = None
            continue
        try:
            async with gate:
                outcome = await client._http.send(step)
        except httpx.TransportError as exc:
            outcome = exc
        await asyncio.sleep(0)  # let waiting slices send before this page is parsed


async def prototype_list(query: Any) -> list[Any] | None:
    """``await query.list()`` with the two changes above; None if not applicable."""
    if not _private_api_available(query):
        return None
    client = query._client
    pager = query._pager()
    params = pager.next_params()
    if params is None:
        return []
    first = client._run(query._page_flow(pager, params))
    edge = client._run(query._raw_page_flow(pager.edge_params()))
    records, edge_page = await asyncio.gather(first, edge)
    gate = asyncio.Semaphore(client.concurrency)

    async def drain(part: Any) -> list[Any]:
        found: list[Any] = []
        while (page_params := part.next_params()) is not None:
            found.extend(await _run_gated(client, query._page_flow(part, page_params), gate))
        return found

    if not pager.can_split or client.concurrency <= 1 or not edge_page.results:
        records.extend(await drain(pager))
        return list(records)
    far = int(edge_page.results[0].id)
    remaining = max(0, edge_page.count - pager.fetched)
    slices = pager.split(far, remaining, 256)
    for chunk in await asyncio.gather(*(drain(part) for part in slices)):
        records.extend(chunk)
    return list(records)


def break_response_cycles(client: Any) -> bool:
    """Make ``client`` (sync or async) free each response by reference counting."""
    http = getattr(client, "_http", None)
    if http is None:
        return False
    send = http.send
    if isinstance(http, httpx.AsyncClient):

        async def async_send(request: httpx.Request, **kwargs: Any) -> httpx.Response:
            response = await send(request, **kwargs)
            await response.aread()
            response.stream = httpx.ByteStream(response.content)
            return response

        http.send = async_send
    else:

        def sync_send(request: httpx.Request, **kwargs: Any) -> httpx.Response:
            response = send(request, **kwargs)
            response.read()
            response.stream = httpx.ByteStream(response.content)
            return response

        http.send = sync_send
    return True

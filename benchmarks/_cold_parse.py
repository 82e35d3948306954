"""One cold parse, in the fresh process that runs this file; prints the timings as JSON.

Usage (run by ``bench_parse.py``, one process per sample)::

    python _cold_parse.py PAGE_FILE COLLECTION ENDPOINT VARIANT MODE

``VARIANT`` is ``httpx-sync``, ``client-sync``, ``httpx-async`` or ``client-async``: plain
``httpx`` + ``response.json()``, or ``client.resources.<COLLECTION>.all()[:N].list()`` with
``page_size=N``, where N is the number of records on the page. Either way one request
fetches the page from an ``httpx.MockTransport`` that answers with the captured bytes, so
what is timed is the client side only.

``MODE`` says what the timed call includes:

* ``first``: the first request this process makes. The timed call also pays what a
  process pays once: httpx's first request, and for the client building its page
  validator (``TypeAdapter(Page[Model])``, the model's schema itself is built on import).
* ``page``: one untimed 1-record request of the same collection first (on both sides),
  so the timed call is the first 1000-record page the process parses, without one-off
  setup. The one-off setup is timed and reported too (``setup_seconds``).

Nothing else runs in the process: imports, reading the file and building the clients
happen before any timing, and ``gc.collect()`` runs just before the timed call. The
garbage collector is left as the code under test sets it (the client pauses it while it
validates a page; plain httpx code does not).
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from keystone_client import AsyncKeystoneClient, KeystoneClient, KeystoneSettings

BASE_URL = "http://keystone.bench/"


class _GcClock:
    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


def _one_record_page(body: bytes) -> bytes:
    page = json.loads(body)
    page["results"] = page["results"][:1]
    return json.dumps(page).encode()


def main(page_file: str, name: str, endpoint: str, variant: str, mode: str) -> dict[str, Any]:
    """Time one parse as described in the module docstring; return the numbers."""
    body = Path(page_file).read_bytes()
    small = _one_record_page(body)
    records = len(json.loads(body)["results"])

    def handler(request: httpx.Request) -> httpx.Response:
        content = small if request.url.params.get("_limit") == "1" else body
        return httpx.Response(200, content=content, headers={"Content-Type": "application/json"})

    transport = httpx.MockTransport(handler)
    path = "/" + endpoint
    settings = KeystoneSettings(
        env_file=None,
        url=BASE_URL,
        username=None,
        password=None,
        token="bench",
        page_size=records,
    )
    runner = asyncio.Runner()

    if variant == "httpx-sync":
        http = httpx.Client(base_url=BASE_URL, transport=transport)

        def fetch(n: int) -> Any:
            return http.get(path, params={"_limit": str(n)}).json()["results"]

    elif variant == "httpx-async":
        ahttp = httpx.AsyncClient(base_url=BASE_URL, transport=transport)

        async def afetch(n: int) -> Any:
            return (await ahttp.get(path, params={"_limit": str(n)})).json()["results"]

        def fetch(n: int) -> Any:
            return runner.run(afetch(n))

    elif variant == "client-sync":
        client = KeystoneClient(settings=settings, transport=transport)
        manager = getattr(client.resources, name)

        def fetch(n: int) -> Any:
            return manager.all()[:n].list()

    elif variant == "client-async":
        aclient = AsyncKeystoneClient(settings=settings, transport=transport)
        amanager = getattr(aclient.resources, name)

        def fetch(n: int) -> Any:
            return runner.run(amanager.all()[:n].list())

    else:
        raise SystemExit(f"unknown variant {variant!r}")

    clock = _GcClock()
    setup = 0.0
    if mode == "page":
        started = time.perf_counter()
        assert len(fetch(1)) == 1
        setup = time.perf_counter() - started
    elif mode != "first":
        raise SystemExit(f"unknown mode {mode!r}")
    gc.collect()
    gc_before = clock.seconds
    cpu_started = time.process_time()
    started = time.perf_counter()
    result = fetch(records)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    gc_seconds = clock.seconds - gc_before
    assert len(result) == records, (variant, len(result))
    runner.close()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "gc_seconds": gc_seconds,
        "setup_seconds": setup,
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:6])))

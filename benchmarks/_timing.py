"""Timing helpers: interleaved repeats, medians, garbage-collector accounting, tables."""

from __future__ import annotations

import asyncio
import gc
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "GC_CLOCK",
    "Sample",
    "Series",
    "Variant",
    "load_average",
    "machine_facts",
    "ms",
    "run_interleaved",
    "run_steady",
    "table",
]


class _GcClock:
    """Adds up the time the cyclic garbage collector runs, via ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            if info.get("generation") == 2:
                self.full += 1


GC_CLOCK = _GcClock()


@dataclass
class Sample:
    """One timed call."""

    seconds: float
    gc_seconds: float
    full_collections: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Series:
    """The samples of one variant; statistics over them."""

    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(s.seconds for s in self.samples)

    @property
    def best(self) -> float:
        """Fastest wall time in seconds."""
        return min(s.seconds for s in self.samples)

    @property
    def gc_median(self) -> float:
        """Median time inside the garbage collector, in seconds."""
        return statistics.median(s.gc_seconds for s in self.samples)

    @property
    def full_median(self) -> float:
        """Median number of full (generation 2) collections per call."""
        return statistics.median(s.full_collections for s in self.samples)

    def extra(self, key: str) -> Any:
        """The median of a numeric value recorded in each sample's ``extra``."""
        return statistics.median(s.extra[key] for s in self.samples)

    def ratio_to(self, other: Series) -> float:
        """Median over rounds of ``self / other``, each pair timed back to back.

        On a shared machine a slow spell inflates both members of a pair alike, so this is
        steadier than the ratio of the two medians.
        """
        pairs = zip(self.samples, other.samples, strict=True)
        return statistics.median(a.seconds / b.seconds for a, b in pairs)


@dataclass
class Variant:
    """A named thing to time: a function, or a coroutine function when ``is_async``.

    The function may return a dict, which is kept as the sample's ``extra``; anything else
    it returns is dropped after the clock stops.
    """

    name: str
    fn: Callable[[], Any] | Callable[[], Awaitable[Any]]
    is_async: bool = False
    before: Callable[[], None] | None = None
    after: Callable[[], dict[str, Any]] | None = None


def _time_sync(variant: Variant) -> Sample:
    if variant.before:
        variant.before()
    gc.collect()
    gc_before, full_before = GC_CLOCK.seconds, GC_CLOCK.full
    started = time.perf_counter()
    result = variant.fn()
    elapsed = time.perf_counter() - started
    sample = Sample(elapsed, GC_CLOCK.seconds - gc_before, GC_CLOCK.full - full_before)
    del result
    if variant.after:
        sample.extra = variant.after()
    return sample


async def _time_async(variant: Variant) -> Sample:
    if variant.before:
        variant.before()
    gc.collect()
    gc_before, full_before = GC_CLOCK.seconds, GC_CLOCK.full
    started = time.perf_counter()
    result = await variant.fn()  # type: ignore[misc]
    elapsed = time.perf_counter() - started
    sample = Sample(elapsed, GC_CLOCK.seconds - gc_before, GC_CLOCK.full - full_before)
    del result
    if variant.after:
        sample.extra = variant.after()
    return sample


def run_interleaved(
    variants: list[Variant],
    *,
    repeats: int,
    warmup: int = 1,
    runner: asyncio.Runner | None = None,
) -> dict[str, Series]:
    """Time every variant ``repeats`` times, round-robin, after ``warmup`` untimed rounds.

    Interleaving spreads slow spells of a shared machine over all variants alike, so the
    ratios between them stay meaningful even when absolute times wander.
    """
    series = {v.name: Series(v.name) for v in variants}
    for round_no in range(warmup + repeats):
        for variant in variants:
            if variant.is_async:
                assert runner is not None, "async variants need an asyncio.Runner"
                sample = runner.run(_time_async(variant))
            else:
                sample = _time_sync(variant)
            if round_no >= warmup:
                series[variant.name].samples.append(sample)
    return series


def run_steady(
    variants: list[Variant], *, rounds: int, calls: int, warmup_calls: int = 2
) -> dict[str, Series]:
    """Time sync variants as a long-running job runs them: many calls, no forced collection.

    `run_interleaved` collects garbage before every call, which also resets the collector's
    counters, so a full collection almost never lands inside a timed call. A job that lists
    page after page never does that. Here each variant runs in a block of consecutive calls
    (``gc.collect()`` once, ``warmup_calls`` untimed, then ``calls`` timed), so collections
    land wherever the allocations put them. A sample is the block's mean per call (full
    collections come every few calls, so a median would hide them); blocks run round-robin,
    ``rounds`` times.
    """
    series = {v.name: Series(v.name) for v in variants}
    for _ in range(rounds):
        for variant in variants:
            assert not variant.is_async, "run_steady times sync variants only"
            gc.collect()
            for _ in range(warmup_calls):
                variant.fn()
            gc_before, full_before = GC_CLOCK.seconds, GC_CLOCK.full
            elapsed = 0.0
            for _ in range(calls):
                started = time.perf_counter()
                result = variant.fn()
                elapsed += time.perf_counter() - started
                del result
            gc_seconds = (GC_CLOCK.seconds - gc_before) / calls
            full = (GC_CLOCK.full - full_before) / calls
            series[variant.name].samples.append(Sample(elapsed / calls, gc_seconds, full))
    return series


def ms(seconds: float) -> str:
    """Format seconds as milliseconds."""
    return f"{seconds * 1000:,.1f}"


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """Render a Markdown table (numbers right-aligned)."""
    text_rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text_rows)) for i, h in enumerate(headers)]
    numeric = [
        all(
            r[i].replace(",", "").replace(".", "").replace("x", "").strip("-").isdigit()
            for r in text_rows
            if r[i]
        )
        for i in range(len(headers))
    ]

    def line(cells: list[str]) -> str:
        out = [
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(out) + " |"

    rule = ["-" * (w - 1) + (":" if num else "-") for w, num in zip(widths, numeric, strict=True)]
    return "\n".join([line(headers), line(rule), *(line(r) for r in text_rows)])


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for row in info:
                if row.startswith("model name"):
                    return row.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (other work competing for the cores)."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def library_digest() -> str:
    """A short digest of the installed keystone_client sources, to tell versions apart."""
    import hashlib
    from pathlib import Path

    import keystone_client

    root = Path(keystone_client.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def machine_facts() -> dict[str, str]:
    """Facts about this machine and the library versions, for the report."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "cpu": _cpu_model(),
        "cores": f"{usable} usable ({os.cpu_count()} online)",
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "keystone-client": f"{_version('keystone-client')} (sources sha256 {library_digest()})",
        "httpx": _version("httpx"),
        "pydantic": _version("pydantic"),
        "pydantic-core": _version("pydantic-core"),
        "gc thresholds": str(gc.get_threshold()),
        "load average at start (1/5/15 min)": load_average(),
    }

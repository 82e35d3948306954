"""A bulk job that outruns the server's throttle (300 requests a minute per user) finishes.

Several hundred reads, then writes, as one user: every 429 is waited out, every write is
applied exactly once, nothing raises. Records created here are deleted at the end.
Run with ``-s`` to see the numbers (requests, throttle waits, duration).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest

from keystone_client import AsyncKeystoneClient, KeystoneClient

READS = 320
WRITES = 40


class _Counter(logging.Handler):
    """Counts requests sent and throttle waits taken, from the client's own log records."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.requests = 0
        self.throttle_waits: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("Request "):
            self.requests += 1
        elif "throttled_for" in record.__dict__:
            self.throttle_waits.append(float(record.__dict__["wait"]))


@pytest.fixture
def _no_sleep() -> list[float]:
    """Sleep for real here: the point is to wait the server's throttle out, not to hammer it."""
    return []


@pytest.fixture
def counter() -> Any:
    handler = _Counter()
    logger = logging.getLogger("keystone_client")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.mark.parametrize("mode", ["sync"])  # one run: it takes minutes by design
def test_bulk_reads_then_writes_outrun_the_throttle(
    live: KeystoneClient, counter: _Counter
) -> None:
    grants = live.resources.grants
    team = live.resources.teams.all().first()
    if team is None:
        pytest.skip("the live server has no team to hold a grant")
    prefix = f"keystone-client throttle {uuid.uuid4().hex[:12]}"
    started = time.monotonic()
    try:
        seed = grants.create(
            title=f"{prefix} seed",
            agency="NSF",
            amount=Decimal("1.00"),
            grant_number="KC-THROTTLE",
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2027, 1, 1),
            team=team.id,
        )
        for _ in range(READS):
            assert grants.get(seed.id).title == seed.title

        created = []
        for n in range(WRITES):
            created.append(
                grants.create(
                    title=f"{prefix} {n:03d}",
                    agency="NSF",
                    amount=Decimal(n),
                    grant_number="KC-THROTTLE",
                    start_date=dt.date(2026, 1, 1),
                    end_date=dt.date(2027, 1, 1),
                    team=team.id,
                )
            )
        for grant in created:
            grants.update(grant.id, amount=grant.amount + 1000)

        mine = grants.filter(title__startswith=f"{prefix} 0").order_by("title").list()
        # Exactly once: no create was repeated, every update landed.
        assert [g.title for g in mine] == [f"{prefix} {n:03d}" for n in range(WRITES)]
        assert [g.amount for g in mine] == [Decimal(n + 1000) for n in range(WRITES)]
    finally:
        for grant in grants.filter(title__startswith=prefix).list():
            grants.delete(grant.id)
        elapsed = time.monotonic() - started
        waits = counter.throttle_waits
        print(
            f"\nthrottled bulk job: {counter.requests} requests in {elapsed:.0f} s, "
            f"{len(waits)} throttle waits totalling {sum(waits):.0f} s "
            f"(longest {max(waits, default=0):.0f} s)"
        )
    assert grants.filter(title__startswith=prefix).count() == 0
    assert counter.throttle_waits, "the job never met the throttle; raise READS"


PACED_READS = 330
PACE = 270  # requests a minute, under the server's 300


@pytest.mark.parametrize("mode", ["async"])
def test_pacing_shared_by_concurrent_tasks_never_meets_the_throttle(
    live: Any, run: Any, live_settings: dict[str, str], counter: _Counter
) -> None:
    """More reads than the throttle allows a minute, all at once, by a user of its own."""
    username = f"kc-pace-{uuid.uuid4().hex[:10]}"
    password = uuid.uuid4().hex + "Aa1!"
    user = run(live.resources.users.create(username=username, password=password))
    started = time.monotonic()
    try:

        async def job() -> list[Any]:
            async with AsyncKeystoneClient(
                url=live_settings["url"],
                username=username,
                password=password,
                rate_limit=PACE,
                env_file=None,
            ) as paced:
                me = await paced.login()
                # Count from here: what came before was another user's (its own budget).
                counter.requests = 0
                counter.throttle_waits.clear()
                return await asyncio.gather(
                    *(paced.resources.users.get(me.id) for _ in range(PACED_READS))
                )

        found = run(job())
        elapsed = time.monotonic() - started
        print(
            f"\npaced job: {counter.requests} reads by {PACED_READS} concurrent tasks at "
            f"{PACE}/min in {elapsed:.0f} s, {len(counter.throttle_waits)} throttle waits"
        )
        assert [u.username for u in found] == [username] * PACED_READS
        assert counter.requests == PACED_READS
        assert counter.throttle_waits == []
    finally:
        run(live.resources.users.delete(user.id))

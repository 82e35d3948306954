"""A batch under the real server's throttle: a throttled step is waited out and the batch sent
again, by a user of its own (so its 300 requests a minute are its own budget).

The server counts each step of a batch as a request. 290 cheap requests (``version/``) use up
most of the user's minute; a batch of 30 steps then meets the throttle part way, fails with
422 (step status 429, everything rolled back), and the client sends it again after the
step's wait. About a minute, mostly waiting. Run with ``-s`` to see the numbers.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator

import pytest

from keystone_client import KeystoneClient

FILLERS = 290
STEPS = 30


class _StepWaits(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.waits: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Batch step"):
            self.waits.append(float(record.__dict__["wait"]))


@pytest.fixture
def _no_sleep() -> list[float]:
    """Sleep for real here: the point is to wait the server's throttle out."""
    return []


@pytest.fixture
def step_waits() -> Iterator[_StepWaits]:
    handler = _StepWaits()
    logger = logging.getLogger("keystone_client")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.mark.parametrize("mode", ["sync"])  # one run: it waits about a minute by design
def test_a_batch_whose_step_is_throttled_is_sent_again_and_succeeds(
    live: KeystoneClient, live_settings: dict[str, str], step_waits: _StepWaits
) -> None:
    username = f"kc-batch-{uuid.uuid4().hex[:10]}"
    password = uuid.uuid4().hex + "Aa1!"
    user = live.resources.users.create(username=username, password=password)
    started = time.monotonic()
    try:
        with KeystoneClient(
            url=live_settings["url"],
            username=username,
            password=password,
            env_file=None,
            throttle_wait=180,
        ) as own:
            me = own.login()
            for _ in range(FILLERS):
                own.version()
            with own.batch() as batch:
                for _ in range(STEPS):
                    batch.add("GET", f"users/users/{me.id}/")
        elapsed = time.monotonic() - started
        print(
            f"\nthrottled batch: {FILLERS} requests then {STEPS} steps in {elapsed:.0f} s, "
            f"step throttle waits {[round(w, 1) for w in step_waits.waits]}"
        )
        assert [r.status for r in batch.results] == [200] * STEPS
        assert [r.body["username"] for r in batch.results] == [username] * STEPS
        assert step_waits.waits, "the batch never met the throttle; raise FILLERS"
    finally:
        live.resources.users.delete(user.id)

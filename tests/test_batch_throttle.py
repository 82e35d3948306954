"""A batch under the server's throttle, against FakeKeystone, and resubmitting a failed batch.

The server throttles each step of a batch as a request of its own: a throttled step fails
the job with 422 (step status 429) and rolls everything back, so the client sends it again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from keystone_client import APITimeoutError, BatchError
from keystone_client._retry import RetryPolicy
from keystone_client.testing import FakeKeystone

from .conftest import Runner


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeKeystone:
    """A fake whose throttle clock moves only when the client sleeps."""
    server = FakeKeystone(clock=lambda: 1000.0)

    async def async_sleep(seconds: float) -> None:
        server.advance(seconds)

    monkeypatch.setattr("keystone_client._client.sleep", server.advance)
    monkeypatch.setattr("keystone_client._client.async_sleep", async_sleep)
    return server


@pytest.fixture
def client(fake: FakeKeystone, run: Runner) -> Iterator[Any]:
    options = {"token": fake.token, "max_retries": 0}
    made = fake.async_client(**options) if run.is_async else fake.client(**options)
    yield made
    run(made.close())


def submit(run: Runner, batch: Any) -> Any:
    return run(batch.submit())


def three_teams(client: Any, names: str = "abc") -> Any:
    batch = client.batch()
    for name in names:
        batch.teams.create(name=f"Team {name}")
    return batch


def batch_posts(fake: FakeKeystone) -> list[int | None]:
    return [r.status for r in fake.requests if r.path == "/batch/"]


def test_a_throttled_step_makes_the_client_send_the_batch_again(
    fake: FakeKeystone, client: Any, run: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    fake.set_throttle(5)
    run(client.resources.teams.all().first())
    run(client.resources.teams.all().first())
    batch = three_teams(client)
    with caplog.at_level(logging.INFO, logger="keystone_client"):
        results = submit(run, batch)
    # 2 reads + the job + 2 steps use the 5 requests a minute; step 3 is throttled.
    assert batch_posts(fake) == [422, 200]
    assert [r.model.name for r in results] == ["Team a", "Team b", "Team c"]
    assert sorted(t.name for t in fake.all("teams")) == ["Team a", "Team b", "Team c"]
    waits = [r for r in caplog.records if "Batch step 3 throttled" in r.getMessage()]
    assert [r.wait for r in waits] == [60.0]  # type: ignore[attr-defined]
    assert batch.submitted and not batch.failed


def test_a_step_throttled_past_the_bound_raises_and_may_be_submitted_again(
    fake: FakeKeystone, run: Runner
) -> None:
    fake.set_throttle(2)
    options = {"token": fake.token, "throttle_wait": 30}
    client = fake.async_client(**options) if run.is_async else fake.client(**options)
    batch = three_teams(client)
    with pytest.raises(BatchError) as caught:
        submit(run, batch)
    assert (caught.value.step, caught.value.status) == (2, 429)
    assert batch_posts(fake) == [422]  # a 60 s wait does not fit in 30
    assert fake.all("teams") == []  # rolled back
    assert batch.failed and batch.results == []
    with pytest.raises(RuntimeError, match="submit\\(\\) sends it again"):
        batch.teams.create(name="late")

    fake.set_throttle(None)
    results = submit(run, batch)
    assert len(results) == 3
    assert sorted(t.name for t in fake.all("teams")) == ["Team a", "Team b", "Team c"]
    assert not batch.failed
    with pytest.raises(RuntimeError, match="already submitted"):
        submit(run, batch)
    assert len(fake.all("teams")) == 3
    run(client.close())


def test_a_batch_that_timed_out_may_be_submitted_again(
    fake: FakeKeystone, client: Any, run: Runner
) -> None:
    fake.time_out("POST", "batch/")
    batch = three_teams(client)
    with pytest.raises(APITimeoutError):
        submit(run, batch)
    assert batch.failed and batch.submitted
    assert fake.all("teams") == []
    results = submit(run, batch)
    assert [r.status for r in results] == [201, 201, 201]
    assert len(fake.all("teams")) == 3


def test_a_batch_that_failed_in_its_block_may_be_submitted_again(
    fake: FakeKeystone, client: Any, run: Runner
) -> None:
    fake.fail("POST", "batch/", 500)
    held: list[Any] = []

    async def in_async_block() -> None:
        async with client.batch() as batch:
            held.append(batch)
            batch.teams.create(name="T")

    def in_block() -> None:
        with client.batch() as batch:
            held.append(batch)
            batch.teams.create(name="T")

    with pytest.raises(Exception, match="500"):
        run(in_async_block()) if run.is_async else in_block()
    assert fake.all("teams") == []
    [batch] = held
    assert batch.failed
    assert [r.status for r in submit(run, batch)] == [201]
    assert [t.name for t in fake.all("teams")] == ["T"]


def test_a_step_failure_that_is_not_a_throttle_is_not_sent_again(
    fake: FakeKeystone, client: Any, run: Runner
) -> None:
    batch = client.batch()
    batch.teams.create(name="")
    with pytest.raises(BatchError) as caught:
        submit(run, batch)
    assert caught.value.status == 400
    assert batch_posts(fake) == [422]


# -- the policy for a throttled step ---------------------------------------------------------------


def test_the_step_wait_comes_from_the_throttle_message() -> None:
    policy = RetryPolicy(throttle_wait=120)
    body = {"detail": "Request was throttled. Expected available in 12 seconds."}
    assert policy.after_step_throttle(body, waited=0, throttles=0) == 12.0
    assert policy.after_step_throttle(body, waited=108, throttles=3) == 12.0
    assert policy.after_step_throttle(body, waited=109, throttles=3) is None


@pytest.mark.parametrize("body", [{"detail": "Request was throttled."}, None, "text", {}])
def test_a_step_without_a_stated_wait_backs_off(body: Any) -> None:
    policy = RetryPolicy(throttle_wait=120, backoff_base=2.0)
    wait = policy.after_step_throttle(body, waited=0, throttles=1)
    assert wait is not None and 2.0 <= wait <= 4.0


def test_throttle_wait_zero_sends_a_throttled_batch_once() -> None:
    body = {"detail": "Request was throttled. Expected available in 1 seconds."}
    assert RetryPolicy(throttle_wait=0).after_step_throttle(body, 0, 0) is None

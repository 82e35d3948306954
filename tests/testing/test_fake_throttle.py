"""The fake's per-user throttle: DRF's window, its 429 answer and its settings."""

from __future__ import annotations

import httpx
import pytest

from keystone_client import RateLimitError
from keystone_client.testing import FakeKeystone


@pytest.fixture
def still() -> FakeKeystone:
    """A fake whose clock only moves by `advance`, throttled at one request a minute."""
    return FakeKeystone(seed="demo", throttle=1, clock=lambda: 1000.0)


def _raw(fake: FakeKeystone) -> httpx.Client:
    return httpx.Client(
        base_url=fake.url,
        transport=fake.transport(),
        headers={"Authorization": f"Token {fake.token}"},
    )


def test_a_throttled_request_gets_drfs_answer(still):
    with _raw(still) as raw:
        assert raw.get("/version/").status_code == 200
        still.advance(15)
        refused = raw.get("/version/")
    assert refused.status_code == 429
    assert (b"Retry-After", b"45") in refused.headers.raw  # spelled as the server sends it
    assert refused.json() == {"detail": "Request was throttled. Expected available in 45 seconds."}


def test_a_wait_under_a_second_is_one_second_singular(still):
    with _raw(still) as raw:
        raw.get("/version/")
        still.advance(59.5)
        refused = raw.get("/version/")
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
    assert refused.json() == {"detail": "Request was throttled. Expected available in 1 second."}


def test_the_window_frees_a_slot_exactly_per_seconds_later(still):
    with _raw(still) as raw:
        raw.get("/version/")
        still.advance(60)
        assert raw.get("/version/").status_code == 200
        assert raw.get("/version/").status_code == 429


def test_the_client_reads_the_throttles_wait(run, make_client, still):
    client = make_client(
        max_retries=0, url=still.url, transport=still.transport(), token=still.token
    )
    run(client.version())
    still.advance(50)
    with pytest.raises(RateLimitError) as caught:
        run(client.version())
    assert caught.value.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "10"
    assert caught.value.detail == "Request was throttled. Expected available in 10 seconds."


@pytest.mark.parametrize(("rate", "per"), [(0, 60), (-1, 60), (5, 0), (5, -1)])
def test_a_throttle_needs_a_positive_rate_and_window(rate, per):
    fake = FakeKeystone()
    with pytest.raises(ValueError, match=r"^a throttle needs rate >= 1 and per > 0$"):
        fake.set_throttle(rate, per)


def test_a_window_under_a_second_is_allowed(still):
    still.set_throttle(1, per=0.5)
    with _raw(still) as raw:
        assert raw.get("/version/").status_code == 200
        refused = raw.get("/version/")
        still.advance(0.5)
        assert raw.get("/version/").status_code == 200
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")

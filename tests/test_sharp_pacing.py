"""The pacer: slots ``60 / rate_limit`` seconds apart, from now or from the next free one."""

from __future__ import annotations

import pytest

# The one private import of this file: the pacer, tested on its own clock.
from keystone_client._pacing import Pacer  # isort: skip


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr("keystone_client._pacing.time.monotonic", lambda: now[0])
    return now


@pytest.mark.parametrize(("rate", "interval"), [(60, 1.0), (120, 0.5), (30, 2.0), (0.5, 120.0)])
def test_the_interval_is_sixty_seconds_over_the_rate(rate: float, interval: float) -> None:
    assert Pacer(rate).interval == interval


def test_the_first_request_goes_at_once_and_the_next_ones_a_slot_apart(clock: list[float]) -> None:
    pacer = Pacer(30)

    assert [pacer.reserve() for _ in range(3)] == [0.0, 2.0, 4.0]


def test_time_that_passed_is_not_waited_again(clock: list[float]) -> None:
    pacer = Pacer(30)
    assert pacer.reserve() == 0.0

    clock[0] += 0.5
    assert pacer.reserve() == 1.5
    clock[0] += 10.0
    # The next free slot lies in the past: send now, and the one after a full slot later.
    assert pacer.reserve() == 0.0
    assert pacer.reserve() == 2.0


@pytest.mark.parametrize("rate", [0, -1, -0.5])
def test_a_rate_that_is_not_positive_is_refused(rate: float) -> None:
    with pytest.raises(ValueError) as raised:
        Pacer(rate)
    assert str(raised.value) == "rate_limit must be positive"


@pytest.mark.parametrize("rate", [0.001, 1])
def test_a_small_positive_rate_is_accepted(rate: float) -> None:
    assert Pacer(rate).interval == 60.0 / rate

"""The concurrency controller, sharpened: exact limits at every boundary of its rules.

Timings are synthetic: each page is fed as (records, seconds) straight to `observe`.
Constants are written out as numbers, so a changed constant shows here.
"""

from __future__ import annotations

import re

import pytest

from keystone_client._concurrency import Concurrency


def feed(c: Concurrency, *pages: tuple[int, float]) -> list[int]:
    """Feed pages one by one; return the limit returned after each."""
    return [c.observe(records, seconds) for records, seconds in pages]


def window(c: Concurrency, records: int, seconds: float) -> int:
    """Feed one full window: ``c.limit`` pages of ``records`` in ``seconds`` each."""
    limits = feed(c, *[(records, seconds)] * c.limit)
    assert limits[:-1] == [limits[0]] * (len(limits) - 1)  # no decision inside a window
    return limits[-1]


def test_the_adaptive_range_is_one_to_eight() -> None:
    c = Concurrency()
    assert (c.fixed, c.limit, c.ceiling, c.adaptive) == (None, 1, 8, True)
    assert [window(c, 100, 1 / n) for n in range(1, 12)] == [2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8]


def test_a_flat_rate_at_the_ceiling_stays_there() -> None:
    """At the ceiling no probe was made, so a window without gain is no reason to step back."""
    c = Concurrency()
    for n in range(1, 9):
        window(c, 100, 1 / n)
    assert c.limit == 8
    assert [window(c, 100, 1 / 8) for _ in range(5)] == [8] * 5


def test_a_rise_of_more_than_ten_percent_is_a_gain() -> None:
    c = Concurrency()
    assert window(c, 100, 1.0) == 2  # 100/s
    assert window(c, 111, 1.0) == 3  # 111/s: more than 10% better


def test_a_rise_of_exactly_nothing_is_no_gain() -> None:
    c = Concurrency()
    assert window(c, 0, 1.0) == 2  # 0/s
    assert window(c, 0, 1.0) == 1  # 0/s again: no gain, step back
    assert [window(c, 0, 1.0) for _ in range(4)] == [1, 1, 1, 2]


def test_a_drop_of_exactly_twenty_percent_is_not_a_drop() -> None:
    c = Concurrency()
    assert window(c, 100, 1.0) == 2  # 100/s
    assert window(c, 80, 1.0) == 1  # 80/s: no gain, so step back and hold three windows
    assert [window(c, 80, 1.0) for _ in range(4)] == [1, 1, 1, 2]


def test_a_drop_of_more_than_twenty_percent_halves_without_holding() -> None:
    c = Concurrency()
    for n in range(1, 5):
        window(c, 100, 1 / n)
    assert c.limit == 5  # last window 400/s
    assert window(c, 100, 1 / 4 / 0.79) == 2  # 316/s: 21% slower, halve
    # A halving is no probe: a flat window next probes upward again.
    assert window(c, 100, 1 / 4 / 0.79) == 3


def test_after_a_drop_a_flat_window_probes_up() -> None:
    c = Concurrency()
    for n in range(1, 8):
        window(c, 100, 1 / n)
    assert c.limit == 8
    assert window(c, 100, 1.0) == 4  # 100/s after 700/s
    assert window(c, 100, 1.0) == 5  # level: not a failed probe


def test_hold_lasts_three_windows() -> None:
    c = Concurrency()
    assert window(c, 100, 1.0) == 2
    assert window(c, 100, 1.0) == 1
    assert [window(c, 1000, 1.0) for _ in range(4)] == [1, 1, 1, 2]


def test_the_window_after_a_step_back_compares_with_the_rate_before_the_probe() -> None:
    c = Concurrency()
    assert window(c, 100, 1.0) == 2  # 100/s
    assert window(c, 109, 1.0) == 1  # 109/s: no gain, back to one, compare with 100/s
    # 85/s is within 20% of 100/s (though not of 109/s): an ordinary hold window.
    assert [window(c, 85, 1.0) for _ in range(4)] == [1, 1, 1, 2]


def test_a_drop_during_a_hold_is_measured_against_the_rate_before_the_probe() -> None:
    c = Concurrency()
    assert window(c, 100, 1.0) == 2
    assert window(c, 100, 1.0) == 1
    # 70/s is a drop from 100/s: halving (stays one) does not use up the hold.
    assert window(c, 70, 1.0) == 1
    assert [window(c, 70, 1.0) for _ in range(4)] == [1, 1, 1, 2]


def test_first_window_rate_counts_only_its_own_records() -> None:
    c = Concurrency()
    assert feed(c, (1, 1.0)) == [2]  # 1/s
    assert window(c, 1, 1 / 1.5) == 3  # 1.5/s: a gain over 1/s


def test_first_window_rate_counts_only_its_own_time() -> None:
    c = Concurrency()
    assert feed(c, (100, 1.0)) == [2]  # 100/s
    assert window(c, 100, 1.0) == 1  # 100/s: no gain


def test_each_window_counts_only_its_own_records_and_time() -> None:
    c = Concurrency()
    assert window(c, 100, 1.0) == 2
    assert window(c, 100, 1.0) == 1  # records and time of the first window forgotten
    assert [window(c, 100, 1.0) for _ in range(4)] == [1, 1, 1, 2]
    assert window(c, 300, 1.0) == 3  # 300/s over a window of two pages, both counted


def test_rate_sums_records_and_seconds_over_the_window() -> None:
    c = Concurrency()
    assert window(c, 100, 1.0) == 2
    # 10 + 210 records in 0.5 + 1.5 seconds: 110/s, no gain; either page alone would be.
    assert feed(c, (10, 0.5), (210, 1.5)) == [2, 1]
    c = Concurrency()
    assert window(c, 100, 1.0) == 2
    # 150 + 100 records in 1 + 1 seconds: 125/s, a gain; the last page alone (100/s) is not.
    assert feed(c, (150, 1.0), (100, 1.0)) == [2, 3]


def test_a_negative_time_counts_as_zero() -> None:
    c = Concurrency()
    assert window(c, 100, 1.0) == 2
    # A clock stepping back: -5 s counts as 0, leaving 200 records in 2 s, 100/s, no gain.
    assert feed(c, (100, -5.0), (100, 2.0)) == [2, 1]


def test_less_than_a_second_is_measured() -> None:
    c = Concurrency()
    assert window(c, 100, 2.0) == 2  # 50/s
    assert window(c, 100, 0.25) == 3  # 400/s
    assert window(c, 100, 0.2) == 4  # 500/s: a gain over 400/s


def test_overload_forgets_the_rate_and_probes_after() -> None:
    c = Concurrency()
    for n in range(1, 5):
        window(c, 100, 1 / n)
    assert c.limit == 5
    assert c.observe(100, 0.1, 429) == 2
    # No rate to compare with: the next window is a first window again and probes.
    assert window(c, 1, 100.0) == 3
    assert window(c, 1, 100.0) == 2  # and that probe brought nothing


def test_overload_discards_the_window_so_far() -> None:
    c = Concurrency()
    for n in range(1, 5):
        window(c, 100, 1 / n)
    assert c.limit == 5
    assert feed(c, (100, 1.0), (100, 1.0)) == [5, 5]
    assert c.observe(0, 0.0, 503) == 2
    assert feed(c, (100, 1.0)) == [2]  # a new window of two pages starts
    assert feed(c, (100, 1.0)) == [3]


@pytest.mark.parametrize("status", [200, 201, 404, 428, 430, 500, 502, 504])
def test_only_429_and_503_are_overload(status: int) -> None:
    c = Concurrency()
    window(c, 100, 1.0)
    window(c, 200, 1.0)
    assert c.limit == 3
    assert [c.observe(300, 1.0, status) for _ in range(3)] == [3, 3, 4]


def test_the_default_status_is_not_overload() -> None:
    c = Concurrency()
    assert c.observe(100, 1.0) == 2


@pytest.mark.parametrize("fixed", [1, 2, 5])
def test_a_fixed_concurrency_is_its_own_range(fixed: int) -> None:
    c = Concurrency(fixed)
    assert (c.fixed, c.limit, c.ceiling, c.adaptive) == (fixed, fixed, fixed, False)
    assert c.observe(0, 0.0, 503) == fixed


@pytest.mark.parametrize("fixed", [0, -3])
def test_a_fixed_concurrency_below_one_message(fixed: int) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape('concurrency must be at least 1')}$"):
        Concurrency(fixed)

"""How many pages to fetch at once when listing: a controller fed with what each page cost.

No I/O and no clock here: the runner times each page and reports it with `observe()`,
which returns how many requests may be in flight from then on.

With a fixed ``concurrency`` the answer never changes. Adaptive (``None``) starts at one
request, so a server that serves one request at a time costs nothing over plain paging,
and probes upward one request at a time (additive increase) while the measured throughput,
records per second over a window of pages, rises. When a step brings no gain it steps
back; when throughput drops, or the server answers 429 or 503, it halves (multiplicative
decrease).
"""

from __future__ import annotations

__all__ = ["HIGHEST", "LOWEST", "Concurrency"]

LOWEST = 1
HIGHEST = 8
#: A window must beat the one before by this fraction to count as a rise; measurements on
#: a shared machine vary, and a probe that only matches is not worth its extra requests.
GAIN = 0.1
#: A window this much slower than the one before counts as a drop.
DROP = 0.2
#: Windows to stay at a level after a probe above it brought no gain, before probing again.
HOLD = 3
#: Statuses that mean the server is overloaded: back off at once.
OVERLOADED = frozenset({429, 503})


class Concurrency:
    """Decides how many page requests may be in flight; see the module docstring.

    Args:
        fixed: A fixed number of requests (>= 1), or None to adapt between `LOWEST` and
            `HIGHEST`.
    """

    def __init__(self, fixed: int | None = None) -> None:
        if fixed is not None and fixed < 1:
            raise ValueError("concurrency must be at least 1")
        self.fixed = fixed
        self.limit = fixed if fixed is not None else LOWEST
        self.ceiling = fixed if fixed is not None else HIGHEST
        self._records = 0
        self._seconds = 0.0
        self._pages = 0
        self._last_rate: float | None = None
        self._probed = False  # whether the current level came from a probe upward
        self._hold = 0

    @property
    def adaptive(self) -> bool:
        """Whether the limit follows the measurements."""
        return self.fixed is None

    def observe(self, records: int, seconds: float, status: int = 200) -> int:
        """Take one page and return the new limit.

        ``seconds`` is the time since the previous page (or the start) came back, and
        ``status`` the worst HTTP status its request met (429 or 503 if it was retried).
        """
        if self.fixed is not None:
            return self.limit
        if status in OVERLOADED:
            self._set(max(LOWEST, self.limit // 2), probed=False)
            self._last_rate = None
            return self.limit
        self._records += records
        self._seconds += max(seconds, 0.0)
        self._pages += 1
        # A window is one page per request in flight: each request has come back once.
        if self._pages < self.limit:
            return self.limit
        rate = self._records / self._seconds if self._seconds > 0 else float("inf")
        last, self._last_rate = self._last_rate, rate
        if last is not None and rate < last * (1 - DROP):
            self._set(max(LOWEST, self.limit // 2), probed=False)
        elif last is not None and rate <= last * (1 + GAIN) and self._probed:
            # The last step up bought nothing: go back and stay a while.
            self._set(self.limit - 1, probed=False)
            self._hold = HOLD
            self._last_rate = last
        elif self._hold > 0:
            self._hold -= 1
            self._set(self.limit, probed=False)
        else:
            # The first window, or the rate rose: probe one request higher.
            self._set(min(self.ceiling, self.limit + 1), probed=self.limit < self.ceiling)
        return self.limit

    def _set(self, limit: int, *, probed: bool) -> None:
        self.limit = limit
        self._probed = probed
        self._records = 0
        self._seconds = 0.0
        self._pages = 0

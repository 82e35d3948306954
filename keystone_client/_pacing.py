"""Optional client-side pacing: space requests so a known server throttle is never hit."""

from __future__ import annotations

import threading
import time

__all__ = ["Pacer"]


class Pacer:
    """Hands out evenly spaced send times, ``60 / rate_limit`` seconds apart.

    One pacer serves every request of a client: threads of a sync client and tasks of an
    async one reserve their slots through it, so together they stay under the rate. It does
    no I/O; the caller sleeps for the delay `reserve` returns.
    """

    def __init__(self, rate_limit: float) -> None:
        if rate_limit <= 0:
            raise ValueError("rate_limit must be positive")
        self.interval = 60.0 / rate_limit
        self._next_free = float("-inf")
        # A lock, not the GIL: the read-modify-write of the next free slot must be atomic.
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take the next free slot and return the seconds to wait before sending in it."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_free)
            self._next_free = slot + self.interval
        return slot - now

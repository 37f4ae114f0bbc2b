"""Throttles: how often one client may guess codes, one code may vote, one address propose.

Each throttle counts events per key in a sliding window and refuses, with the
seconds to wait, once a key reaches its limit. They live in the server's
memory: a process restart forgets them, and with several worker processes
each counts its own share (so the limits are per worker; docs/security.md).

Why these three (issue 15):
- **wrong codes, per client address**: a voter code has 80 bits (store/tokens.py),
  so guessing is hopeless at any rate a server answers; this keeps it hopeless
  even for a botnet, and keeps guessers from costing the database a lookup each;
- **ballots stored, per voter code**: a code may change its ballot while voting
  is open, and each change is an event in the round's log for ever;
- **anonymous proposals, per client address**: anyone may propose, and every
  proposal is work for the council's reviewers.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from pbengine.service.errors import ServiceError

APP_STATE_KEY = "throttles"
"""Where an app keeps its Throttles, for every adapter it serves to find."""
MAX_KEYS = 100_000
"""Keys remembered per throttle; the least recently seen are forgotten first."""


class ThrottledError(ServiceError):
    status = 429

    def __init__(self, problem: str, retry_after: int) -> None:
        super().__init__(problem, "rate")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int
    refusal: str
    """What the refused caller is told, before how long to wait."""


class Throttle:
    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Refuse (ThrottledError) if `key` has reached its limit; counts nothing."""
        with self._lock:
            wait = self._wait(key, self.clock())
        if wait is not None:
            raise ThrottledError(f"{self.limit.refusal}; try again in {wait} s", wait)

    def count(self, key: str) -> None:
        """One event for `key`, now."""
        now = self.clock()
        with self._lock:
            times = self._seen.pop(key, None) or deque()
            times.append(now)
            self._seen[key] = times
            while len(self._seen) > MAX_KEYS:
                self._seen.popitem(last=False)

    def _wait(self, key: str, now: float) -> int | None:
        times = self._seen.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.limit.seconds:
            times.popleft()
        if len(times) < self.limit.count:
            return None
        return max(1, math.ceil(times[0] + self.limit.seconds - now))


@dataclass
class Throttles:
    """The server's throttles; the app makes one set and hands it to its adapters."""

    codes: Throttle = field(
        default_factory=lambda: Throttle(Limit(20, 600, "too many unknown codes from this address"))
    )
    ballots: Throttle = field(
        default_factory=lambda: Throttle(Limit(10, 600, "this code has voted too often"))
    )
    proposals: Throttle = field(
        default_factory=lambda: Throttle(Limit(30, 600, "too many proposals from this address"))
    )

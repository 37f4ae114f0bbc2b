"""Throttles: how often one client may guess codes, one code may vote, one address propose.

Each throttle counts events per key in a sliding window and refuses, with the
seconds to wait, once a key reaches its limit. Where the counts are kept is a
`Tally`: the server's are in its database (store/throttle_counts.py), so that
every worker process of one server, and every server on one database, counts
against the same limit; a throttle made alone keeps them in its own memory.

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
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine

from pbengine.service.errors import ServiceError
from pbengine.store.throttle_counts import CountStore, DatabaseTally

APP_STATE_KEY = "throttles"
"""Where an app keeps its Throttles, for every adapter it serves to find."""
MAX_KEYS = 100_000
"""Keys remembered per throttle in memory; the least recently seen are forgotten first."""
OTHERS_FRESH_SECONDS = 0.1
"""How long a process reuses what it read of other processes' counts of one key."""


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


CODES = Limit(20, 600, "too many unknown codes from this address")
BALLOTS = Limit(10, 600, "this code has voted too often")
PROPOSALS = Limit(30, 600, "too many proposals from this address")


class Tally(Protocol):
    """Where a throttle keeps the times of its events."""

    def recent(self, key: str, since: float) -> list[float]:
        """The times of `key`'s events after `since`, oldest first."""
        ...

    def recent_many(self, keys: Collection[str], since: float) -> dict[str, list[float]]:
        """`recent` of each key, as one look-up where the events are kept elsewhere."""
        ...

    def add(self, key: str, at: float) -> None:
        """One event of `key` at `at`."""
        ...


class MemoryTally:
    """Events in this process's memory: a restart forgets them, and another process never
    sees them."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def recent(self, key: str, since: float) -> list[float]:
        with self._lock:
            times = self._seen.get(key)
            if times is None:
                return []
            while times and times[0] <= since:
                times.popleft()
            return list(times)

    def recent_many(self, keys: Collection[str], since: float) -> dict[str, list[float]]:
        return {key: self.recent(key, since) for key in keys}

    def add(self, key: str, at: float) -> None:
        with self._lock:
            times = self._seen.pop(key, None) or deque()
            times.append(at)
            self._seen[key] = times
            while len(self._seen) > MAX_KEYS:
                self._seen.popitem(last=False)


class SharedTally:
    """Events counted by several processes: this one's in its memory, the others' read
    from where they all write (store/throttle_counts.py).

    A process never waits for its own counts to be written to see them. What it read of
    the others' is reused for OTHERS_FRESH_SECONDS: an address sending many requests (a
    library, a council office behind one address) costs one read per interval, not one per
    request. Another process's count is so seen at most that long after it is written.
    """

    def __init__(self, others: DatabaseTally, clock: Callable[[], float] = time.monotonic) -> None:
        self.own = MemoryTally()
        self.others = others
        self.clock = clock
        self._read: OrderedDict[str, tuple[float, float, list[float]]] = OrderedDict()
        self._lock = threading.Lock()

    def recent(self, key: str, since: float) -> list[float]:
        return self.recent_many([key], since)[key]

    def recent_many(self, keys: Collection[str], since: float) -> dict[str, list[float]]:
        now = self.clock()
        others = {key: self._kept(key, since, now) for key in keys}
        stale = [key for key, kept in others.items() if kept is None]
        if stale:
            found = self.others.recent_many(stale, since)
            for key in stale:
                others[key] = self._keep(key, since, now, found.get(key, []))
        return {key: sorted(self.own.recent(key, since) + (others[key] or [])) for key in keys}

    def add(self, key: str, at: float) -> None:
        self.own.add(key, at)
        self.others.add(key, at)

    def _kept(self, key: str, since: float, now: float) -> list[float] | None:
        """The others' events of `key` as last read, if that read is fresh enough."""
        with self._lock:
            kept = self._read.get(key)
        if kept is not None and now - kept[0] < OTHERS_FRESH_SECONDS and since >= kept[1]:
            return [at for at in kept[2] if at > since]
        return None

    def _keep(self, key: str, since: float, now: float, found: list[float]) -> list[float]:
        with self._lock:
            self._read[key] = (now, since, found)
            self._read.move_to_end(key)
            while len(self._read) > MAX_KEYS:
                self._read.popitem(last=False)
        return found


class Throttle:
    def __init__(
        self,
        limit: Limit,
        clock: Callable[[], float] = time.monotonic,
        tally: Tally | None = None,
    ) -> None:
        self.limit = limit
        self.clock = clock
        self.tally: Tally = tally or MemoryTally()

    def check(self, key: str) -> None:
        """Refuse (ThrottledError) if `key` has reached its limit; counts nothing."""
        now = self.clock()
        refusal = self._refusal(self.tally.recent(key, now - self.limit.seconds), now)
        if refusal is not None:
            raise refusal

    def refusals(self, keys: Collection[str]) -> dict[str, ThrottledError]:
        """`check` of several keys in one look-up (a batch of ballots makes one for all its
        voters, not one each in its transaction): the refusal of each key refused."""
        now = self.clock()
        found = self.tally.recent_many(keys, now - self.limit.seconds)
        refused = {key: self._refusal(times, now) for key, times in found.items()}
        return {key: refusal for key, refusal in refused.items() if refusal is not None}

    def _refusal(self, times: list[float], now: float) -> ThrottledError | None:
        if len(times) < self.limit.count:
            return None
        # Requests in flight together may all have been counted: one more is allowed once
        # enough of them have left the window, the last of those being this one.
        freed = times[len(times) - self.limit.count]
        wait = max(1, math.ceil(freed + self.limit.seconds - now))
        return ThrottledError(f"{self.limit.refusal}; try again in {wait} s", wait)

    def count(self, key: str) -> None:
        """One event for `key`, now."""
        self.tally.add(key, self.clock())


@dataclass
class Throttles:
    """The server's throttles; the app makes one set and hands it to its adapters."""

    # Made alone, a set counts in this process's memory: for an app that is the only one
    # on its database (a test's), never for a server with several workers (`kept_in`).
    codes: Throttle = field(default_factory=lambda: Throttle(CODES))
    ballots: Throttle = field(default_factory=lambda: Throttle(BALLOTS))
    proposals: Throttle = field(default_factory=lambda: Throttle(PROPOSALS))
    store: CountStore | None = None
    """Where the counts are kept, when they are in a database."""

    @classmethod
    def kept_in(
        cls,
        engine: Engine,
        clock: Callable[[], float] = time.time,
        limits: tuple[Limit, Limit, Limit] = (CODES, BALLOTS, PROPOSALS),
    ) -> Throttles:
        """Counts kept in `engine`'s database, shared by every process serving it. The
        clock is the wall clock: processes share it, not their monotonic clocks."""
        store = CountStore.beside(engine, max(limit.seconds for limit in limits))
        names = ("codes", "ballots", "proposals")
        codes, ballots, proposals = (
            Throttle(limit, clock, SharedTally(DatabaseTally(store, name)))
            for name, limit in zip(names, limits, strict=True)
        )
        return cls(codes, ballots, proposals, store)

    def close(self) -> None:
        """Close the connections the counts were kept through (none in memory)."""
        if self.store is not None:
            self.store.close()

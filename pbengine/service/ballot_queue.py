"""Group commit: the ballots waiting for one round's lock are cast in one transaction.

On a busy evening many requests for one round wait on its lock (docs/voting.md),
and each then pays alone for the lock, the round's settings and a commit (on
PostgreSQL, a flush to disk). Here, the requests of one process that are waiting
for a round join whoever is casting for it: when that cast ends, the first
waiting request takes every ballot queued by then and casts them all, in
arrival order, in one transaction with one commit. Each ballot is checked and
logged exactly as it would be alone, and each request gets its own reply or
refusal, only once the commit that stores it has returned: an acknowledged
ballot is a committed one.

The queue knows nothing of ballots: it hands lists of jobs to a caster, and
the job's thread waits for its outcome. Processes do not share queues; their
batches take turns on the round's lock in the database, as single ballots do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Request = TypeVar("Request")
Reply = TypeVar("Reply")

MOST_PER_BATCH = 256
"""A bound on one transaction: how long the round's lock is held, and how much a failure
makes the batch's requests cast again, one by one."""


@dataclass(eq=False)
class Job(Generic[Request, Reply]):
    """One request's ballot, and its outcome once its batch is done."""

    request: Request
    reply: Reply | None = None
    error: BaseException | None = None
    leads: bool = False
    """Set instead of an outcome: this job's thread casts the next batch."""
    done: threading.Event = field(default_factory=threading.Event)

    def outcome(self) -> Reply:
        if self.error is not None:
            raise self.error
        assert self.reply is not None
        return self.reply


Caster = Callable[[list[Job[Request, Reply]]], None]
"""Casts a batch: sets each job's reply or error (never raises)."""


class BatchQueue(Generic[Request, Reply]):
    """Jobs by key (a round's id); one batch at a time per key, in this process."""

    def __init__(self, most_per_batch: int = MOST_PER_BATCH) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[int, list[Job[Request, Reply]]] = {}
        self._busy: set[int] = set()
        self._most = most_per_batch

    def run(self, key: int, request: Request, cast: Caster[Request, Reply]) -> Reply:
        """The reply to `request`, cast alone or with the requests queued beside it."""
        job: Job[Request, Reply] = Job(request)
        with self._lock:
            self._waiting.setdefault(key, []).append(job)
            leads = key not in self._busy
            self._busy.add(key)
        if not leads:
            job.done.wait()
            if not job.leads:
                return job.outcome()
        # This thread casts one batch (its own job in it), then hands on: a leader that
        # went on casting for others would keep its own reply waiting.
        batch = self._take(key)
        try:
            cast(batch)
        except BaseException as exc:  # a caster's bug: every request of the batch hears of it
            for other in batch:
                if other.reply is None and other.error is None:
                    other.error = exc
        finally:
            self._hand_on(key)
            for other in batch:
                other.done.set()
        return job.outcome()

    def _take(self, key: int) -> list[Job[Request, Reply]]:
        with self._lock:
            waiting = self._waiting[key]
            batch, self._waiting[key] = waiting[: self._most], waiting[self._most :]
            return batch

    def _hand_on(self, key: int) -> None:
        with self._lock:
            waiting = self._waiting.get(key)
            if not waiting:
                self._waiting.pop(key, None)
                self._busy.discard(key)
                return
            waiting[0].leads = True
            waiting[0].done.set()

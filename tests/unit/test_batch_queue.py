"""The group-commit queue with real threads: requests that wait on a batch form the next
one, each gets its own outcome, a failing caster fails only its own batch, and every
request is answered."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from pbengine.service.ballot_queue import BatchQueue, Job

WAIT = 10.0


class Caster:
    """Answers each request with its double, odd ones refused; the first batch waits until
    the test lets it go, so that the other requests queue behind it."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.first_started = threading.Event()
        self.release = threading.Event()
        self.threads: set[str] = set()

    def __call__(self, jobs: list[Job[int, int]]) -> None:
        self.batches.append([j.request for j in jobs])
        self.threads.add(threading.current_thread().name)
        if len(self.batches) == 1:
            self.first_started.set()
            assert self.release.wait(WAIT)
        for job in jobs:
            if job.request % 2:
                job.error = ValueError(f"odd {job.request}")
            else:
                job.reply = job.request * 2


def outcome(queue: BatchQueue[int, int], key: int, n: int, cast: Caster) -> int | str:
    try:
        return queue.run(key, n, cast)
    except ValueError as exc:
        return str(exc)


def test_requests_waiting_on_a_batch_form_the_next_one_and_each_gets_its_own_answer() -> None:
    queue: BatchQueue[int, int] = BatchQueue()
    cast = Caster()
    with ThreadPoolExecutor(12) as pool:
        first = pool.submit(outcome, queue, 7, 0, cast)
        assert cast.first_started.wait(WAIT)
        rest = [pool.submit(outcome, queue, 7, n, cast) for n in range(1, 11)]
        # Let the first batch go only once all ten wait behind it.
        while len(queue._waiting.get(7, [])) < 10:
            threading.Event().wait(0.01)
        cast.release.set()
        answers = [first.result(WAIT)] + [f.result(WAIT) for f in rest]
    assert answers == [n * 2 if n % 2 == 0 else f"odd {n}" for n in range(11)]
    assert cast.batches[0] == [0]
    assert sorted(cast.batches[1]) == list(range(1, 11))
    assert len(cast.batches) == 2
    assert not queue._waiting
    assert not queue._busy


def test_a_batch_never_exceeds_the_bound_and_the_rest_follow() -> None:
    queue: BatchQueue[int, int] = BatchQueue(most_per_batch=3)
    cast = Caster()
    with ThreadPoolExecutor(10) as pool:
        first = pool.submit(outcome, queue, 1, 0, cast)
        assert cast.first_started.wait(WAIT)
        rest = [pool.submit(outcome, queue, 1, n, cast) for n in range(2, 18, 2)]
        while len(queue._waiting.get(1, [])) < 8:
            threading.Event().wait(0.01)
        cast.release.set()
        assert first.result(WAIT) == 0
        assert [f.result(WAIT) for f in rest] == [n * 2 for n in range(2, 18, 2)]
    assert [len(b) for b in cast.batches] == [1, 3, 3, 2]


def test_keys_do_not_wait_for_each_other() -> None:
    queue: BatchQueue[int, int] = BatchQueue()
    cast = Caster()
    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(outcome, queue, 1, 2, cast)
        assert cast.first_started.wait(WAIT)
        # Round 2's request is cast while round 1's batch is still held.
        assert pool.submit(outcome, queue, 2, 4, cast).result(WAIT) == 8
        cast.release.set()
        assert held.result(WAIT) == 4


def test_a_caster_that_raises_fails_its_batch_and_the_queue_goes_on() -> None:
    queue: BatchQueue[int, int] = BatchQueue()

    def broken(jobs: list[Job[int, int]]) -> None:
        raise RuntimeError("the caster broke")

    with pytest.raises(RuntimeError, match="the caster broke"):
        queue.run(3, 1, broken)
    working = Caster()
    working.release.set()
    assert queue.run(3, 2, working) == 4
    assert not queue._busy

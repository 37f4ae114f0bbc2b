"""The collector's thresholds are raised while bulk work runs and restored when the last
bulk work ends, whichever thread started or ended first."""

from __future__ import annotations

import gc
import threading

import pytest

from pbengine.service.bulk import RARELY, bulk_work


def test_thresholds_are_restored_after_overlapping_bulk_work() -> None:
    before = gc.get_threshold()
    first_in, second_in, first_may_leave = threading.Event(), threading.Event(), threading.Event()
    seen: list[tuple[int, int, int]] = []

    def first() -> None:
        with bulk_work():
            first_in.set()
            second_in.wait(10)
            first_may_leave.wait(10)
        seen.append(gc.get_threshold())

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with bulk_work():
        second_in.set()
        assert gc.get_threshold()[0] == max(RARELY, before[0])
        first_may_leave.set()
        thread.join(10)
        # The first one has left, this one still runs: still raised.
        assert seen == [(max(RARELY, before[0]), *before[1:])]
    assert gc.get_threshold() == before


def test_thresholds_are_restored_when_bulk_work_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), bulk_work():
        raise RuntimeError("refused")
    assert gc.get_threshold() == before

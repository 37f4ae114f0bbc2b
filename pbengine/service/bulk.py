"""Work that makes hundreds of thousands of objects at once: a city's ballots read, checked,
allocated and reported on.

The cyclic garbage collector runs a pass every 700 new objects, and a full one every so
often over everything alive; none of these objects is part of a cycle, yet the passes
took more than half of an allocation of Łódź's 90,000 ballots (1.4 s of 2.3 s) and
almost half of its parse (issue 16). While such work runs the collector runs rarely, not
never: a long allocation must not let other requests' garbage pile up.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

RARELY = 100_000
"""New objects between two passes of the collector's youngest generation (default 700)."""


class _Collector:
    """The collector's thresholds, raised while any bulk work runs and restored when the
    last one ends: they are the process's, shared by every thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.saved = gc.get_threshold()

    @contextmanager
    def rarely(self) -> Iterator[None]:
        with self.lock:
            if self.running == 0:
                self.saved = gc.get_threshold()
                gc.set_threshold(max(RARELY, self.saved[0]), *self.saved[1:])
            self.running += 1
        try:
            yield
        finally:
            with self.lock:
                self.running -= 1
                if self.running == 0:
                    gc.set_threshold(*self.saved)


_COLLECTOR = _Collector()


def bulk_work() -> AbstractContextManager[None]:
    """Run the block with the garbage collector passing rarely (see the module)."""
    return _COLLECTOR.rarely()

"""The app runs as many blocking handlers at once as api/serving.py says, not asyncio's six.

A ballot's handler thread waits while the batch before it is cast: with the
default pool of min(32, cores + 4) threads, a 2-core server cast batches of
at most five ballots and queued every other request behind them.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from litestar import get
from sqlalchemy import Engine

from pbengine.api import create_app
from pbengine.api.serving import REQUEST_THREADS
from tests.integration.in_thread import serve_app

AT_ONCE = REQUEST_THREADS // 2


def test_blocking_handlers_run_at_once(engine: Engine) -> None:
    # Every request waits until AT_ONCE of them are inside the handler together: with
    # fewer threads than that the barrier breaks, and the requests fail.
    barrier = threading.Barrier(AT_ONCE, timeout=10)

    @get("/test/wait", sync_to_thread=True)
    def wait() -> dict[str, int]:
        return {"arrived": barrier.wait()}

    app = create_app(engine)
    app.register(wait)
    with serve_app(app) as base, ThreadPoolExecutor(AT_ONCE) as clients:
        answers = list(
            clients.map(lambda _: httpx.get(f"{base}/test/wait", timeout=20), range(AT_ONCE))
        )
    assert [a.status_code for a in answers] == [200] * AT_ONCE
    assert sorted(a.json()["arrived"] for a in answers) == list(range(AT_ONCE))

"""How the app runs in a server process: threads for its blocking handlers, and a garbage
collector that leaves what start-up made alone.

asyncio's default pool has min(32, cores + 4) threads, six on a 2-core server.
A ballot's thread waits while the batch before it is cast
(service/ballot_queue.py), so with six threads a batch could hold at most five
ballots, and every other request queued for a thread meanwhile. Threads that
wait cost little; the database connections they may take are bounded by the
engine's pool (store/database.py).
"""

from __future__ import annotations

import asyncio
import gc
from concurrent.futures import ThreadPoolExecutor

REQUEST_THREADS = 64
"""At 64 clients, 64 threads cast 1.7× the ballots per second of six (bench/intake.py,
PostgreSQL); requests beyond them wait for a thread, as before."""


def more_request_threads() -> None:
    """On start-up, in the server's event loop: its pool for handlers that block."""
    pool = ThreadPoolExecutor(REQUEST_THREADS, thread_name_prefix="pbengine-request")
    asyncio.get_running_loop().set_default_executor(pool)


def keep_startup_objects() -> None:
    """On start-up, once the app is built: what it made (modules, the schema, the OpenAPI
    document, compiled statements) lives as long as the process, and the collector's full
    passes need not walk it again each time a request's garbage triggers one."""
    gc.collect()
    gc.freeze()

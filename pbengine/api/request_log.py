"""One log line per HTTP request, with an id that every other line of the request carries.

The id is the client's `X-Request-ID` when it is a plain token (a proxy in front of
pbengine may have made it), otherwise a new one; the answer sends it back, so a resident
reporting a problem can quote it. The line holds the method, the path without its query,
the status, the time taken and the client's address: never a header or a body, so never
a voter code, a token or a ballot's choices.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from pbengine.bootstrap import REQUEST_ID

logger = logging.getLogger("pbengine.requests")
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_log(app: ASGIApp) -> ASGIApp:
    async def logged(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        request_id = _incoming(scope) or secrets.token_hex(8)
        status = 0

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)["X-Request-ID"] = request_id
            await send(message)

        method = str(scope.get("method", ""))
        reset = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            await app(scope, receive, answer)
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            client = scope.get("client")
            fields = {
                "event": "request",
                "method": method,
                "path": scope["path"],
                "status": status,
                "ms": ms,
                "client": client[0] if client else None,
            }
            logger.info("%s %s %d %.1f ms", method, scope["path"], status, ms, extra=fields)
            REQUEST_ID.reset(reset)

    return logged


def _incoming(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SAFE_ID.fullmatch(text) else None
    return None

"""OPTIONS answers with every method of its path, whichever controllers serve them.

Litestar makes the OPTIONS handler of a path when the path's first controller registers,
and it keeps the methods known then: on /api/v1/rounds, served by the rounds and the
import controllers, `Allow` named only one controller's methods. The app's routes know
them all, so the answer's `Allow` is taken from there.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.types import Message, Scope


def allow_every_method(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    handler = scope.get("route_handler")
    app = scope["app"]
    if handler is None or not isinstance(app, Litestar):
        return
    methods: set[str] = set()
    for route in app.routes:
        if route.path in handler.paths:
            methods |= set(route.methods)
    if not methods:
        return
    allow = ", ".join(sorted(methods)).encode()
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
    message["headers"] = [*headers, (b"allow", allow)]

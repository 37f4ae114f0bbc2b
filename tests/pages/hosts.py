"""Pages use nothing from another host: every address they name is the request's own."""

from __future__ import annotations

import re

import httpx


def other_hosts(text: str, own: str) -> list[str]:
    urls = re.findall(r"https?://[^\s\"'<>)]+", text)
    return [u for u in urls if not re.match(rf"https?://{re.escape(own)}(/|:|$)", u)]


def check_page(response: httpx.Response) -> None:
    """For every response a test client receives: an HTML page names no other host."""
    response.read()
    if "text/html" in response.headers.get("content-type", ""):
        found = other_hosts(response.text, response.request.url.host)
        assert found == [], (str(response.request.url), found)

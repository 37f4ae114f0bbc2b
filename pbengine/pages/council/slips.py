"""A voter code on a printed slip: the voting page's address, and a QR code that opens it.

The QR code holds the address with the code after `#` (`…/vote#code=K7QX-…`): a browser
never sends what follows `#` to a server, so the code stays out of the server's logs and
out of any referrer; the vote page's script (static/vote.js) fills the code in and takes
it out of the address bar. Without script the resident types the code printed beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from markupsafe import Markup

QR_ERROR_LEVEL = "m"
"""Medium error correction: a slip a little creased or smudged still scans."""


@dataclass(frozen=True)
class Slip:
    code: str
    qr: Markup
    """An inline SVG of the QR code (its own <title> names it for screen readers)."""


def voting_address(base_url: str, round_id: int) -> str:
    return f"{base_url.rstrip('/')}/rounds/{round_id}/vote"


def address_with_code(address: str, code: str) -> str:
    return f"{address}#code={code}"


def qr_svg(text: str, title: str) -> Markup:
    """`text` as a QR code in SVG, sized by the page's stylesheet (no width or height)."""
    qr = segno.make_qr(text, error=QR_ERROR_LEVEL)
    svg = qr.svg_inline(omitsize=True, svgclass="qr", lineclass="qr-modules", title=title)
    # An image with a name, for axe and screen readers; the title is escaped by segno.
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))


def slips(codes: list[str], address: str, title: str) -> list[Slip]:
    """One slip per code; `title` (already translated) is each QR code's accessible name."""
    return [
        Slip(code=code, qr=qr_svg(address_with_code(address, code), f"{title} {code}"))
        for code in codes
    ]

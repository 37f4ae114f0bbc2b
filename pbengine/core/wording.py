"""Small words that explanations get wrong when numbers and names are pasted in."""

from __future__ import annotations

from fractions import Fraction


def count(n: int | Fraction, singular: str, plural: str | None = None) -> str:
    """'1 supporter', '2 supporters', '1,204 supporters'."""
    word = singular if n == 1 else (plural or singular + "s")
    shown = f"{n:,}" if isinstance(n, int) else str(n)
    return f"{shown} {word}"


def article(word: str) -> str:
    """'an approval ballot', 'a cumulative ballot': by the sound of the first letter,
    which for the words used here is the letter itself."""
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"

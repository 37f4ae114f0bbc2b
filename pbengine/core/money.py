"""Exact money values: parsing from text and formatting for people."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

WHOLE_DIGITS = 18
"""Digits before the decimal point: a quintillion, above any budget or vote tally."""
DECIMAL_PLACES = 9
"""Digits after it: more than any currency or point scale uses."""
LONGEST_TEXT = 64


def parse_amount(text: str) -> Fraction:
    """Parse '1200', '1200.50', '1200,50' or '1 200' exactly. Raises ValueError.

    Magnitude and precision are bounded before any arithmetic: '1e-100000' is a valid
    decimal whose exact fraction has a 100,000-digit denominator, and every comparison
    the rules then make with it keeps a worker busy for minutes."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if len(cleaned) > LONGEST_TEXT:
        raise ValueError(f"{text[:20]!r}… is longer than any amount ({LONGEST_TEXT} characters)")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    _check_bounds(text, value)
    return Fraction(value)


def _check_bounds(text: str, value: Decimal) -> None:
    if value.is_zero():
        return
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if value.adjusted() >= WHOLE_DIGITS or exponent < -DECIMAL_PLACES:
        raise ValueError(
            f"{text!r} is out of range: amounts have at most {WHOLE_DIGITS} digits before "
            f"the decimal point and {DECIMAL_PLACES} after it"
        )


def plain(value: Fraction) -> str:
    """Shortest exact text for a value: '1200', '1200.5'; repeating decimals as 'p/q'."""
    if value.denominator == 1:
        return str(value.numerator)
    text = _finite_decimal(value)
    return text if text is not None else f"{value.numerator}/{value.denominator}"


def readable(value: Fraction) -> str:
    """Money for a resident: '120,000' or '1,234.57'."""
    if value.denominator == 1:
        return f"{value.numerator:,}"
    return f"{float(value):,.2f}"


def _finite_decimal(value: Fraction) -> str | None:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return None
    digits = 0
    scaled = value
    while scaled.denominator != 1:
        scaled *= 10
        digits += 1
    sign = "-" if scaled < 0 else ""
    magnitude = str(abs(scaled.numerator)).rjust(digits + 1, "0")
    return f"{sign}{magnitude[:-digits]}.{magnitude[-digits:]}"


def rounded(value: Fraction, places: int) -> str:
    """Exact rounding (half to even) to `places` decimals, as text: the same on every machine."""
    scaled = round(value * 10**places)
    return plain(Fraction(scaled, 10**places))

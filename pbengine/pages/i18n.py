"""Languages: which ones the pages speak, which one a request gets, and locale formatting.

A language is a folder under locale/ holding a compiled catalogue, so a
council adds one by adding its catalogue (docs/pages.md), not by changing
code. English is the language the templates are written in. The residents'
pages are the `messages` domain; each group of pages behind a sign-in is a
domain of its own (`domains`), so their catalogues grow apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

SOURCE_LANGUAGE = "en"
COOKIE = "lang"
DOMAIN = "messages"


@cache
def domains() -> tuple[str, ...]:
    """`messages` (the residents' pages), then each folder of pages with a babel.cfg: its
    messages are extracted by that file into a catalogue of the folder's name."""
    pages = resources.files("pbengine.pages")
    folders = {
        entry.name
        for entry in pages.iterdir()
        if entry.is_dir() and (entry / "babel.cfg").is_file()
    }
    return (DOMAIN, *sorted(folders))


@cache
def languages() -> tuple[str, ...]:
    """The languages with a compiled catalogue, English first."""
    folder = resources.files("pbengine.pages") / "locale"
    found = {
        entry.name
        for entry in folder.iterdir()
        if (entry / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file() and _known(entry.name)
    }
    return (SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE}))


def _known(code: str) -> bool:
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return False
    return True


@cache
def translations(code: str) -> NullTranslations:
    """Every domain's catalogue of language `code`, merged: one page may use several."""
    folder = resources.files("pbengine.pages") / "locale" / code / "LC_MESSAGES"
    merged: NullTranslations = NullTranslations()
    for domain in domains():
        compiled = folder / f"{domain}.mo"
        if not compiled.is_file():
            continue
        with compiled.open("rb") as mo:
            found = Translations(mo, domain=domain)
        if isinstance(merged, Translations):
            merged.merge(found)
        else:
            merged = found
    return merged


def choose(asked: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=` first, then the remembered choice, then what the browser prefers."""
    for code in (asked, cookie):
        if code in languages():
            return code
    weighted = [_tag(part) for part in (accept_language or "").split(",") if part.strip()]
    preferred = [tag for tag, q in sorted(weighted, key=lambda t: -t[1]) if q > 0]
    return negotiate_locale(preferred, languages(), sep="-") or SOURCE_LANGUAGE


def _tag(part: str) -> tuple[str, float]:
    tag, _, params = part.strip().partition(";")
    q = 1.0
    if params.strip().startswith("q="):
        try:
            q = float(params.strip()[2:])
        except ValueError:
            q = 0.0
    # negotiate_locale matches whole tags; "pl-PL" should find "pl".
    return tag.strip().split("-")[0].lower(), q


@dataclass(frozen=True)
class Language:
    """One request's language: its translations and how it writes numbers, money and dates."""

    code: str
    remember: bool = False
    """Chosen on this request (`?lang=`): the page tells the browser to keep it."""

    @property
    def name(self) -> str:
        """The language's name in itself: a reader looks for their own."""
        return native_name(self.code)

    @property
    def translations(self) -> NullTranslations:
        return translations(self.code)

    def translate(self, message: str, **variables: Any) -> str:
        text = self.translations.gettext(message)
        return text % variables if variables else text

    def money(self, amount: str | Fraction | Decimal, currency: str) -> str:
        return format_currency(_decimal(amount), currency, locale=self.code)

    def number(self, value: str | int | Fraction | Decimal) -> str:
        return format_decimal(_decimal(value), locale=self.code)

    def percent(self, share: str | Fraction | Decimal) -> str:
        return format_percent(_decimal(share), locale=self.code, format="#,##0.#%")

    def date(self, when: date) -> str:
        return format_date(when, format="long", locale=self.code)

    def datetime(self, when: datetime) -> str:
        return format_datetime(when, format="medium", locale=self.code)


@cache
def native_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def _decimal(value: str | int | Fraction | Decimal) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)

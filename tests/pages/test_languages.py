"""Languages: negotiation, `?lang=` remembered, and catalogues complete in every language."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import TestClient

from pbengine.pages.i18n import DOMAIN, domains, languages

Client = TestClient[Litestar]
PAGES = Path(str(resources.files("pbengine.pages")))
LOCALE = PAGES / "locale"


def lang_of(html: str) -> str:
    found = re.search(r'<html lang="([a-z-]+)">', html)
    assert found
    return found.group(1)


def catalogue(code: str, domain: str = DOMAIN) -> Catalog:
    with (LOCALE / code / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        return read_po(po, locale=code)


def extraction_config(domain: str) -> Path:
    """Each domain's babel.cfg: the residents' beside the pages, the others in their folder."""
    return PAGES / "babel.cfg" if domain == DOMAIN else PAGES / domain / "babel.cfg"


def test_the_browser_language_is_used_and_a_choice_is_remembered(client: Client) -> None:
    assert lang_of(client.get("/").text) == "en"
    dutch = client.get("/", headers={"Accept-Language": "de-DE, nl;q=0.8, en;q=0.5"})
    assert lang_of(dutch.text) == "nl"
    assert "Lopende rondes" in dutch.text
    assert lang_of(client.get("/", headers={"Accept-Language": "pl-PL"}).text) == "pl"
    assert lang_of(client.get("/", headers={"Accept-Language": "de, fr"}).text) == "en"

    chosen = client.get("/", params={"lang": "pl"}, headers={"Accept-Language": "nl"})
    assert lang_of(chosen.text) == "pl"
    assert "lang=pl" in chosen.headers["set-cookie"]
    # The cookie now outweighs the browser's preference, on every page.
    later = client.get("/rounds/12345", headers={"Accept-Language": "nl"})
    assert later.status_code == 404
    assert lang_of(later.text) == "pl"
    # The switch keeps the page and its query.
    filtered = client.get("/rounds/1/projects", params={"district": "North"}).text
    assert 'href="/rounds/1/projects?district=North&amp;lang=nl"' in filtered
    # An unknown language is ignored, and nothing is remembered for it.
    assert lang_of(client.get("/", params={"lang": "xx"}).text) == "pl"


def test_every_page_string_is_in_the_catalogues() -> None:
    """Extracted afresh from templates and code by each domain's babel.cfg, as pybabel would
    (docs/pages.md); together the configurations cover every template."""
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    covered: set[str] = set()
    for domain in domains():
        with extraction_config(domain).open() as cfg:
            method_map, options = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
        found = set()
        for filename, _, message, _, _ in extract_from_dir(
            str(PAGES), method_map, options, keywords=keywords
        ):
            covered.add(filename)
            found.add(message if isinstance(message, str) else message[0])
        for code in languages():
            known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(code, domain)}
            assert not found - known, (code, domain, sorted(found - known))
    templates = {str(t.relative_to(PAGES)) for t in (PAGES / "templates").rglob("*.html")}
    translated = {t for t in templates if "_(" in (PAGES / t).read_text()}
    assert translated <= covered, sorted(translated - covered)


def test_polish_and_dutch_translate_every_message() -> None:
    assert {"en", "pl", "nl"} <= set(languages())
    assert {"messages", "staff"} <= set(domains())
    for domain in domains():
        english = {m.id for m in catalogue("en", domain) if m.id}
        for code in ("pl", "nl"):
            translated = catalogue(code, domain)
            assert {m.id for m in translated if m.id} == english, (code, domain)
            for message in translated:
                if not message.id:
                    continue
                strings = message.string if isinstance(message.string, tuple) else [message.string]
                assert all(isinstance(s, str) and s.strip() for s in strings), (code, message.id)
                assert not message.fuzzy, (code, message.id)


def test_the_compiled_catalogues_match_their_sources() -> None:
    for code in languages():
        for domain in domains():
            with (LOCALE / code / "LC_MESSAGES" / f"{domain}.mo").open("rb") as mo:
                compiled = _translated(read_mo(mo))
            source = _translated(catalogue(code, domain))
            assert compiled == source, f"{code} {domain}: run pybabel compile (docs/pages.md)"


def _translated(catalog: Catalog) -> dict[object, object]:
    # An untranslated message (English, the source) compiles to itself, or to nothing.
    pairs = {_key(m.id): _key(m.string) for m in catalog if m.id}
    return {k: v for k, v in pairs.items() if v not in (k, "", ("", ""))}


def _key(value: object) -> object:
    """Plural messages come back from .mo files as lists and from .po files as tuples."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_a_message_in_several_domains_reads_the_same_in_each() -> None:
    """A page reads every domain merged, so a message two domains share must be translated
    alike in both, or which one a page shows would depend on the merge order."""
    for code in languages():
        seen: dict[object, tuple[str, object]] = {}
        for domain in domains():
            for message in catalogue(code, domain):
                if not message.id:
                    continue
                key, text = _key(message.id), _key(message.string)
                if key in seen:
                    first, earlier = seen[key]
                    assert earlier == text, (code, key, first, domain)
                else:
                    seen[key] = (domain, text)

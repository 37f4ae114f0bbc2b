"""The API's docs: served from this server, with the token scheme and the real error body."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from pbengine.web import create_app

Client = TestClient[Litestar]


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def test_the_swagger_page_loads_only_this_servers_files(client: Client) -> None:
    page = client.get("/schema/swagger")
    assert page.status_code == 200
    assert page.text.startswith('<!DOCTYPE html><html lang="en">')
    addresses = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', page.text)
    assert addresses, "the page names no script or style"
    kinds = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for address in addresses:
        assert address.startswith("/schema/assets/"), address
        asset = client.get(address)
        assert asset.status_code == 200, address
        expected = next(k for suffix, k in kinds.items() if address.endswith(suffix))
        assert expected in asset.headers["content-type"], address


def test_the_schema_declares_the_bearer_scheme_and_the_error_body(client: Client) -> None:
    schema = client.get("/schema/openapi.json").json()
    bearer = schema["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"status", "field", "problem"}
    ballot = schema["paths"]["/api/v1/rounds/{round_id}/ballots"]["post"]
    assert {"bearer": []} in ballot["security"]
    for status in ("401", "409", "422", "503"):
        content = ballot["responses"][status]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Error"}


def test_a_refusal_has_the_body_the_schema_describes(client: Client) -> None:
    schema = client.get("/schema/openapi.json").json()["components"]["schemas"]["Error"]
    refused = client.post("/api/v1/rounds/1/ballots", json={"projects": []})
    assert refused.status_code in (401, 404)
    body = refused.json()
    assert set(schema["required"]) <= set(body) <= set(schema["properties"])
    assert body["status"] == refused.status_code

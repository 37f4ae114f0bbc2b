"""The API's description: served from pbengine itself, with its token scheme and error body.

Councils run offline networks, so the Swagger page loads its scripts from
pbengine (static/swagger/, swagger-ui-dist, Apache-2.0; see README.txt there),
never from a CDN. The schema declares the bearer scheme, so that "Authorize"
sends a token, and the body every refusal really has (pbengine/api/errors.py).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Router
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Parameter,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.static_files import create_static_files_router

from pbengine import __version__
from pbengine.api.links import add_links
from pbengine.api.model_schemas import ModelSchemas, use_model_schemas

ASSETS = "/schema/assets"

# What each refusal means; every operation may answer with these, in the Error body.
REFUSALS = {
    "400": "the request is malformed (a field of the wrong type, an unknown field)",
    "401": "no token or voter code, or an unknown one",
    "403": "the caller may not do this",
    "404": "no such round or project (another council's round is not revealed either)",
    "409": "the round's phase or state does not allow this now",
    "413": "the body is larger than this route takes",
    "422": "a field's value is refused (the field and the problem are named)",
    "429": "too many unknown codes from this address, or ballots from this code, or proposals "
    "from this address; send it again after Retry-After seconds (docs/security.md)",
    "503": "the database is busy or unreachable; send it again after Retry-After seconds",
}

ERROR = Schema(
    type=OpenAPIType.OBJECT,
    required=["status", "field", "problem"],
    properties={
        "status": Schema(type=OpenAPIType.INTEGER, description="the HTTP status, again"),
        "field": Schema(
            one_of=[Schema(type=OpenAPIType.STRING), Schema(type=OpenAPIType.NULL)],
            description="the field, header or setting at fault (dotted for nested fields)",
        ),
        "problem": Schema(type=OpenAPIType.STRING, description="what is wrong, in words"),
        "problems": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                properties={
                    "field": Schema(type=OpenAPIType.STRING),
                    "problem": Schema(type=OpenAPIType.STRING),
                    "fix": Schema(type=OpenAPIType.STRING),
                },
            ),
            description="every problem, when there are several (e.g. the pre-flight check)",
        ),
        "details": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(type=OpenAPIType.OBJECT),
            description="400: each validation error",
        ),
        "line": Schema(type=OpenAPIType.INTEGER, description="an import: the file's line"),
    },
)


HEADERS = {
    # Bounded as the voting service reads it (service/voting.py); Litestar's header
    # parameter would say so only if the handler declared it.
    "Idempotency-Key": Schema(
        type=OpenAPIType.STRING,
        min_length=1,
        max_length=200,
        description="a retry with the same key and body returns the first reply, casting nothing",
    ),
}


LARGEST_ID = 2**31 - 1
"""Ids, positions and numbers in paths are compared with PostgreSQL `integer` columns: a
number outside -2**31 .. 2**31 - 1 is refused (422), any other that names nothing is a 404."""


class LocalSwagger(SwaggerRenderPlugin):
    """Swagger UI from this server's own files, in a page that says its language."""

    def __init__(self) -> None:
        super().__init__(
            js_url=f"{ASSETS}/swagger-ui-bundle.js",
            css_url=f"{ASSETS}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        # Litestar writes a bare <html>: a screen reader would have to guess the language.
        page = super().render(request, openapi_schema)
        page = page.replace(b"<!DOCTYPE html><html>", b'<!DOCTYPE html><html lang="en">', 1)
        # Our corrections for contrast and labels (static/swagger/pbengine-a11y.*).
        fixes = (
            f'<link href="{ASSETS}/pbengine-a11y.css" rel="stylesheet">'
            f'<script src="{ASSETS}/pbengine-a11y.js"></script></head>'
        )
        return page.replace(b"</head>", fixes.encode(), 1)


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="pbengine",
        version=__version__,
        description="Participatory budgeting rounds: configure, vote, allocate, publish. "
        "Every refusal is an Error body naming the field and the problem.",
        path="/schema",
        render_plugins=[LocalSwagger()],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="Council staff and auditors: their token (pbe_…). "
                    "Residents: their voter code, e.g. K7QX-M2PD-9HTF-4RWA.",
                )
            }
        ),
    )


def assets_router() -> Router:
    folder = Path(str(resources.files("pbengine.api") / "static" / "swagger"))
    return create_static_files_router(path=ASSETS, directories=[folder], include_in_schema=False)


def describe_refusals(app: Litestar) -> None:
    """On start-up: the Error body and the bearer scheme on every operation.

    Litestar builds components.schemas from the handlers, so the Error schema joins after
    that; the token is optional in the schema (public routes ignore it), and a route that
    needs it answers 401 without it.
    """
    schema = app.openapi_schema
    components = schema.components
    assert isinstance(components, Components)
    use_model_schemas(components, app.plugins.get(ModelSchemas))
    add_links(schema)
    components.schemas = {**(components.schemas or {}), "Error": ERROR}
    body = {
        "application/json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Error"))
    }
    for item in (schema.paths or {}).values():
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            operation.security = [{"bearer": []}, {}]
            for parameter in operation.parameters or []:
                _bounded(parameter)
            responses = dict(operation.responses or {})
            for status, meaning in REFUSALS.items():
                responses[status] = OpenAPIResponse(description=meaning, content=body)
            operation.responses = responses


def _bounded(parameter: Any) -> None:
    if not isinstance(parameter, Parameter):
        return
    if parameter.name in HEADERS:
        parameter.schema = HEADERS[parameter.name]
    schema = parameter.schema
    in_path = parameter.param_in == "path"
    if in_path and isinstance(schema, Schema) and schema.type == OpenAPIType.INTEGER:
        schema.minimum = -LARGEST_ID - 1
        schema.maximum = LARGEST_ID

"""The web application: the JSON API and the residents' pages in one Litestar app.

The API and the pages are sibling adapters that may not import each other,
so they meet here, above both. `pbengine serve` runs this factory
(`uvicorn --factory pbengine.web:create_app`); `pbengine.api.create_app` is the
API alone.
"""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy import Engine

from pbengine.api.app import api_config
from pbengine.pages import pages_router, template_config
from pbengine.settings import Settings


def create_app(
    engine: Engine | None = None,
    *,
    max_body: int | None = None,
    settings: Settings | None = None,
) -> Litestar:
    """The API and the pages on `engine`, or on the settings' database (see api_config)."""
    config = api_config(engine, max_body=max_body, settings=settings)
    config.route_handlers = [*config.route_handlers, pages_router()]
    config.template_config = template_config()
    return Litestar.from_config(config)

"""The application factory: the one place where the API's parts are wired together."""

from __future__ import annotations

import os
from collections.abc import Iterator

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine import __version__
from pbengine.api.audit import AuditController
from pbengine.api.auth import principal_of
from pbengine.api.errors import HANDLERS
from pbengine.api.projects import ProjectController
from pbengine.api.rounds import ImportController, RoundController
from pbengine.api.rules import list_presets, list_rules
from pbengine.api.voting import VotingController
from pbengine.store.database import make_engine, upgrade

# The largest of the 267 real pabulib files in ../shared/pabulib is Poland_Krakow_2024.pb,
# 4,011,355 bytes (4.0 MB; then Łódź 2022, 3.8 MB, and Warsaw 2026, 3.2 MB). 64 MiB is headroom
# for bigger cities, not a measured need; a larger body is refused with 413.
DEFAULT_MAX_BODY = 64 * 1024 * 1024
# Every other request (a ballot, a proposal, a configuration) fits in kilobytes: a proposal's
# longest description is 10,000 characters. Refusing more at the door costs an attacker
# their upload, not the server its memory.
JSON_MAX_BODY = 64 * 1024


def create_app(engine: Engine | None = None, *, max_body: int | None = None) -> Litestar:
    """Build the app on `engine` (default: PBENGINE_DATABASE_URL), upgrading its schema first."""
    engine = engine or make_engine()
    try:
        upgrade(engine)
    except Exception as exc:
        raise RuntimeError(f"cannot bring the database schema up to date: {exc}") from exc

    def provide_session() -> Iterator[Session]:
        # Closing a session that was not committed rolls it back: a failed request stores nothing.
        with Session(engine) as session:
            yield session

    limit = max_body or int(os.environ.get("PBENGINE_MAX_BODY", DEFAULT_MAX_BODY))
    imports = Router(path="/", route_handlers=[ImportController], request_max_body_size=limit)
    return Litestar(
        route_handlers=[
            imports,
            RoundController,
            AuditController,
            ProjectController,
            VotingController,
            list_rules,
            list_presets,
        ],
        dependencies={
            "session": Provide(provide_session),
            "caller": Provide(principal_of, sync_to_thread=True),
        },
        exception_handlers=HANDLERS,
        openapi_config=OpenAPIConfig(
            title="pbengine",
            version=__version__,
            description="Participatory budgeting rounds: configure, vote, allocate, publish.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        request_max_body_size=min(limit, JSON_MAX_BODY),
    )

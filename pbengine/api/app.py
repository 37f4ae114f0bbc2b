"""The application factory: the one place where the API's parts are wired together."""

from __future__ import annotations

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
from pbengine.bootstrap import bootstrap
from pbengine.settings import Settings

# Every request but an import (a ballot, a proposal, a configuration) fits in kilobytes: a
# proposal's longest description is 10,000 characters. Refusing more at the door costs an
# attacker their upload, not the server its memory.
JSON_MAX_BODY = 64 * 1024


def create_app(
    engine: Engine | None = None,
    *,
    max_body: int | None = None,
    settings: Settings | None = None,
) -> Litestar:
    """Build the app on `engine`, or on the settings' database (bootstrapped: schema upgraded).

    An engine passed in is the caller's, its schema already upgraded (the tests). With no
    arguments (`pbengine serve`, `uvicorn --factory pbengine.api:create_app`) the environment
    decides.
    """
    settings = settings or Settings.from_env()
    engine = engine or bootstrap(settings)

    def provide_session() -> Iterator[Session]:
        # Closing a session that was not committed rolls it back: a failed request stores nothing.
        with Session(engine) as session:
            yield session

    limit = max_body or settings.max_body
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
        # Logging is the standard module's, set up by pbengine.bootstrap; Litestar's own
        # configuration would replace the root logger's handlers with its queue.
        logging_config=None,
        openapi_config=OpenAPIConfig(
            title="pbengine",
            version=__version__,
            description="Participatory budgeting rounds: configure, vote, allocate, publish.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        request_max_body_size=min(limit, JSON_MAX_BODY),
    )

"""The API's application factory: the one place where the API's parts are wired together.

`api_config` is the API as a Litestar configuration, so that pbengine.web can
compose it with the resident pages (a sibling adapter this package may not
import); `create_app` is the API alone.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from litestar import Litestar, Request, Response, Router, get
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.enums import ScopeType
from litestar.types import ExceptionHandlersMap, LifespanHook, Message, Scope
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.api.allow import allow_every_method
from pbengine.api.assessment import AssessmentController
from pbengine.api.audit import AuditController, signing_keys
from pbengine.api.auth import credentials_checked, principal_of
from pbengine.api.codelivery import CoDeliveryController
from pbengine.api.councils import CouncilController, SuccessorController
from pbengine.api.delivery import DeliveryController, ReallocationController
from pbengine.api.errors import HANDLERS, error_body
from pbengine.api.model_schemas import ModelSchemas
from pbengine.api.openapi import assets_router, describe_refusals, openapi_config
from pbengine.api.paper_batches import PaperBatchController
from pbengine.api.projects import ProjectController
from pbengine.api.request_log import request_log
from pbengine.api.rounds import ImportController, RoundController
from pbengine.api.rules import list_presets, list_rules
from pbengine.api.serving import keep_startup_objects, more_request_threads
from pbengine.api.voting import VotingController
from pbengine.bootstrap import bootstrap
from pbengine.service.throttle import APP_STATE_KEY, Throttles
from pbengine.settings import Settings
from pbengine.store.database import database_revision, latest_revision

# Every request but an import (a ballot, a proposal, a configuration) fits in kilobytes: a
# proposal's longest description is 10,000 characters. Refusing more at the door costs an
# attacker their upload, not the server its memory.
JSON_MAX_BODY = 64 * 1024

logger = logging.getLogger("pbengine.api")


def create_app(
    engine: Engine | None = None,
    *,
    max_body: int | None = None,
    settings: Settings | None = None,
    throttles: Throttles | None = None,
) -> Litestar:
    """The JSON API alone, on `engine` or on the settings' database (see `api_config`).

    `pbengine serve` runs pbengine.web's app, which adds the resident pages to this.
    """
    config = api_config(engine, max_body=max_body, settings=settings, throttles=throttles)
    return Litestar.from_config(config)


def api_config(
    engine: Engine | None = None,
    *,
    max_body: int | None = None,
    settings: Settings | None = None,
    throttles: Throttles | None = None,
) -> AppConfig:
    """The API's configuration on `engine`, or on the settings' database (bootstrapped:
    schema upgraded).

    An engine passed in is the caller's, its schema already upgraded (the tests). With no
    arguments the environment decides.
    """
    settings = settings or Settings.from_env()
    # A server's app keeps what start-up made out of the collector's passes (api/serving.py);
    # a test's, one of many apps in one process, leaves the collector as it found it.
    on_startup: list[LifespanHook] = [describe_refusals, more_request_threads]
    if engine is None:
        on_startup.append(keep_startup_objects)
        engine = bootstrap(settings)
        # A server's app, perhaps one of several worker processes: its throttles count in
        # the database they share. An app handed its engine (a test's) counts alone.
        throttles = throttles or Throttles.kept_in(engine)

    def provide_session() -> Iterator[Session]:
        # Closing a session that was not committed rolls it back: a failed request stores nothing.
        with Session(engine) as session:
            yield session

    limit = max_body or settings.max_body
    return AppConfig(
        route_handlers=_routes(
            import_limit=limit, expected_migration=latest_revision(settings.migrations_dir)
        ),
        dependencies={
            "session": Provide(provide_session),
            "caller": Provide(principal_of, sync_to_thread=True),
        },
        exception_handlers=_logged_handlers(HANDLERS),
        guards=[credentials_checked(engine)],
        before_send=[_log_round_changes, allow_every_method],
        middleware=[request_log],
        # Logging is the standard module's, set up by pbengine.bootstrap; Litestar's own
        # configuration would replace the root logger's handlers with its queue.
        logging_config=None,
        openapi_config=openapi_config(),
        plugins=[ModelSchemas()],
        on_startup=on_startup,
        request_max_body_size=min(limit, JSON_MAX_BODY),
        # One set of throttles per app, shared by the API and the pages composed with it.
        state=State({APP_STATE_KEY: throttles or Throttles()}),
    )


def _routes(*, import_limit: int, expected_migration: str) -> list[Any]:
    # An import is the one request that needs megabytes: its controller sits on a router
    # of its own, with a larger body limit than the app's.
    imports = Router(
        path="/", route_handlers=[ImportController], request_max_body_size=import_limit
    )
    return [
        imports,
        RoundController,
        AuditController,
        ProjectController,
        VotingController,
        PaperBatchController,
        DeliveryController,
        ReallocationController,
        CoDeliveryController,
        AssessmentController,
        CouncilController,
        SuccessorController,
        list_rules,
        list_presets,
        health,
        ready_route(expected_migration),
        signing_keys,
        assets_router(),
    ]


@get(
    "/health",
    tags=["health"],
    summary="Liveness: 200 while the process answers (it does not ask the database)",
)
async def health() -> dict[str, str]:
    # An orchestrator restarts a process that fails this; a database outage is not cured
    # by a restart (the server recovers by itself once it is back), so /ready reports it.
    return {"status": "ok"}


def ready_route(expected: str) -> Any:
    @get(
        "/ready",
        tags=["health"],
        summary="Readiness: 200 while the database answers and is at this server's migration",
        description="503 with Retry-After while the database is unreachable or its schema is "
        "at another revision than this server's migrations end at.",
        sync_to_thread=True,
    )
    def ready(session: NamedDependency[Session]) -> Response[dict[str, Any]]:
        # A database that does not answer raises here, and the error handlers make that a 503.
        at = database_revision(session.connection())
        if at != expected:
            problem = f"the database is at migration {at}; this server needs {expected}"
            body = error_body(503, problem, "migrations")
            return Response(body, status_code=503, headers={"Retry-After": "30"})
        return Response({"status": "ready", "migration": at})

    return ready


Handler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def _logged_handlers(handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
    logged: ExceptionHandlersMap = {key: _logged(handler) for key, handler in handlers.items()}
    logged[Exception] = _unexpected
    return logged


def _logged(handler: Handler) -> Handler:
    def log_refusal(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
        response = handler(request, exc)
        status = response.status_code or 0
        problem = response.content.get("problem") if isinstance(response.content, dict) else ""
        # A refusal is routine (INFO) unless it says something about the deployment: a
        # database that does not answer, or a caller trying what they may not.
        if status >= 500:
            logger.warning(
                "%s %s: %d %s (%s)", request.method, request.url.path, status, problem, exc
            )
        elif status in (401, 403):
            logger.warning(
                "%s %s refused: %d %s", request.method, request.url.path, status, problem
            )
        else:
            logger.info("%s %s refused: %d %s", request.method, request.url.path, status, problem)
        return response

    return log_refusal


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A failure no handler expects: logged with its traceback, answered in the usual shape."""
    logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    problem = "an internal error; it has been logged"
    return Response(error_body(500, problem, None), status_code=500)


_ROUND_CHANGE = re.compile(r"/api/v1/rounds/(\d+)/(phase|allocation)")


def _log_round_changes(message: Message, scope: Scope) -> None:
    """Log phase changes and allocations from the answers the council received.

    The answer is the public contract (the round's `phase`; the result's `rule` and
    `selected`), so this reads nothing the services may rearrange.
    """
    if message["type"] != "http.response.body" or scope["type"] != ScopeType.HTTP:
        return
    found = _ROUND_CHANGE.fullmatch(scope["path"])
    if found is None or scope.get("method") != "POST":
        return
    try:
        answer = json.loads(message.get("body") or b"null")
    except ValueError:
        return
    if not isinstance(answer, dict) or "problem" in answer:
        return  # a refusal, logged by its handler
    round_id, action = found.groups()
    if action == "phase":
        logger.info("round %s is now in phase %s", round_id, answer.get("phase"))
    else:
        selected = answer.get("selected") or []
        logger.info(
            "round %s allocated by %s; projects funded: %d",
            round_id,
            answer.get("rule"),
            len(selected),
        )

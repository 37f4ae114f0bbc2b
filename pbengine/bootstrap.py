"""The composition root: what every entry point sets up from its `Settings`, in one place.

`configure` is the part every command needs (logging, where presets are read
from); `bootstrap` adds the database: an engine on the configured URL with its
schema brought up to date. The CLI, the app factory and the demo all start here.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pbengine.formats.presets import use_presets
from pbengine.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REQUEST_ID: ContextVar[str | None] = ContextVar("pbengine_request_id", default=None)
"""The id of the HTTP request this code runs for (pbengine/api/request_log.py sets it); every
log line carries it, so one request's lines can be found together."""
FIELDS = ("event", "method", "path", "status", "ms", "client", "round", "phase", "rule")
"""Attributes a log call may pass in `extra`, written as JSON fields of their own."""


class StartupError(RuntimeError):
    """The process cannot start as configured: the message says why, in one line."""


def configure(settings: Settings) -> None:
    """Logging and the presets folder, for this process; calling it again replaces both."""
    configure_logging(settings.log_level, settings.log_format)
    use_presets(settings.presets_dir)


def bootstrap(settings: Settings) -> Engine:
    """The configured process and its database, schema at the latest revision."""
    # The server stack loads here, not at import, so that commands without a database
    # (`pbengine allocate`, `verify`) start fast.
    from pbengine.store.database import describe, make_engine, upgrade
    from pbengine.store.signing_keys import SigningKeyError, key_file, load_or_create, use_keyring

    configure(settings)
    try:
        # Loaded (or made) at start: a server that cannot sign receipts should not take ballots.
        use_keyring(load_or_create(key_file(settings)))
    except SigningKeyError as exc:
        raise StartupError(str(exc)) from exc
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine, settings.migrations_dir)
    except Exception as exc:
        engine.dispose()
        raise StartupError(
            f"cannot bring the database schema up to date on "
            f"{describe(settings.database_url)}: {exc}"
        ) from exc
    return engine


class _Stderr(logging.Handler):
    """Writes to whatever sys.stderr is when a record comes, not when logging was set up.

    A handler holding the stream it started with would keep writing to a stream that has
    since been replaced (pytest's capture, a caller redirecting stderr) or closed.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request id, and the
    fields a call passed in `extra`. What is logged never holds a voter code, a token or a
    ballot's choices: callers pass paths without query strings and problems, not bodies."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["request_id"] = request_id
        line |= {name: getattr(record, name) for name in FIELDS if hasattr(record, name)}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _WithRequestId(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = REQUEST_ID.get()
        return text if request_id is None else f"{text} [request {request_id}]"


def configure_logging(level: str, form: str = "text") -> None:
    """The root logger at `level`, to stderr, as text or JSON lines (`form`); uvicorn's and
    Litestar's loggers propagate to it."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(JsonLines() if form == "json" else _WithRequestId(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic names its dialect and DDL mode at INFO on every start of every command;
    # an operator needs that only when debugging.
    logging.getLogger("alembic").setLevel(level if level == "DEBUG" else "WARNING")

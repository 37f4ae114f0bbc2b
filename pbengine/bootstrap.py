"""The composition root: what every entry point sets up from its `Settings`, in one place.

`configure` is the part every command needs (logging, where presets are read
from); `bootstrap` adds the database: an engine on the configured URL with its
schema brought up to date. The CLI, the app factory and the demo all start here.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from pbengine.formats.fairness_document import use_presets
from pbengine.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class StartupError(RuntimeError):
    """The process cannot start as configured: the message says why, in one line."""


def configure(settings: Settings) -> None:
    """Logging and the presets folder, for this process; calling it again replaces both."""
    configure_logging(settings.log_level)
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


def configure_logging(level: str) -> None:
    """The root logger at `level`, to stderr; uvicorn's and Litestar's loggers propagate to it."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic names its dialect and DDL mode at INFO on every start of every command;
    # an operator needs that only when debugging.
    logging.getLogger("alembic").setLevel(level if level == "DEBUG" else "WARNING")

"""Commands on the rounds database: `serve` (the HTTP API) and `token create|list|revoke`.

Both write to the database the settings name, and say which: the default is a
SQLite file in the user's data folder (pbengine/settings.py), the same from any folder.
"""

from __future__ import annotations

import argparse
import sys
import time

from pbengine import __version__
from pbengine.bootstrap import bootstrap
from pbengine.cli.common import Commands, UsageError
from pbengine.cli.tokens import TOKEN_HEADER, token_line
from pbengine.settings import Settings

# `serve` hands uvicorn the app factory by name, as `uvicorn --factory` would: the command
# line starts a server for the API and the pages without depending on them ([tool.importlinter]).
APP_FACTORY = "pbengine.web:create_app"
KEEP_ALIVE_SECONDS = 75
"""How long an idle connection stays open (uvicorn's default is 5 s; see `_serve`)."""


def add_commands(commands: Commands) -> None:
    token = commands.add_parser("token", help="API tokens")
    token_commands = token.add_subparsers(required=True, metavar="ACTION")
    create = token_commands.add_parser(
        "create", help="create a token and print it (shown only once)"
    )
    create.add_argument("--role", required=True, choices=("council", "auditor"))
    create.add_argument("--council", required=True, help="the council the token belongs to")
    create.add_argument(
        "--name", default="", help="who holds it; recorded with the paper ballots they enter"
    )
    create.add_argument(
        "--days",
        type=int,
        default=None,
        help="how long it works, in days (default 90)",
    )
    create.set_defaults(handler=_create_token)
    listing = token_commands.add_parser(
        "list", help="every token: who holds it, when it expires, when it was last used"
    )
    listing.add_argument("--council", help="only this council's tokens")
    listing.set_defaults(handler=_list_tokens)
    revoke = token_commands.add_parser(
        "revoke", help="stop a token working at once (its staff sessions end too)"
    )
    revoke.add_argument("id", type=int, help="the token's number, as `token list` shows it")
    revoke.set_defaults(handler=_revoke_token)

    serve = commands.add_parser(
        "serve", help="run the HTTP API (PBENGINE_DATABASE_URL, default SQLite)"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the demo rounds, one published and one open for voting (or PBENGINE_DEMO=1)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes, each on a core of its own (default 1); README, 'Running it "
        "for a city'",
    )
    serve.set_defaults(handler=_serve)


def _create_token(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import Session

    from pbengine.store.database import describe
    from pbengine.store.tokens import DEFAULT_LIFETIME_DAYS, create_token

    days = DEFAULT_LIFETIME_DAYS if args.days is None else args.days
    if days <= 0:
        raise UsageError("--days: a token must last at least one day")
    engine = bootstrap(settings)
    # On stderr: stdout carries only the secret, for scripts that capture it.
    print(f"pbengine: database {describe(settings.database_url)}", file=sys.stderr)
    with Session(engine) as session:
        secret = create_token(
            session, role=args.role, council=args.council, label=args.name, days=days
        )
        session.commit()
    engine.dispose()
    print(secret)
    return 0


def _list_tokens(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import Session

    from pbengine.store.database import describe
    from pbengine.store.tokens import TokenRepository

    engine = bootstrap(settings)
    print(f"pbengine: database {describe(settings.database_url)}", file=sys.stderr)
    with Session(engine) as session:
        rows = TokenRepository(session).listing(args.council)
        lines = [token_line(row, int(time.time())) for row in rows]
    engine.dispose()
    print("\n".join([TOKEN_HEADER, *lines]) if lines else "no tokens")
    return 0


def _revoke_token(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import Session

    from pbengine.store.database import describe
    from pbengine.store.tokens import TokenRepository

    engine = bootstrap(settings)
    where = describe(settings.database_url)
    with Session(engine) as session:
        row = TokenRepository(session).revoke(args.id)
        held = None if row is None else f"{row.role}, {row.council}, {row.label or 'no name'}"
        session.commit()
    engine.dispose()
    if held is None:
        raise UsageError(f"no token {args.id} in database {where}")
    print(f"token {args.id} ({held}) is revoked")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from pbengine.demo.rounds import load_demo
    from pbengine.store.database import describe

    _check_workers(args.workers, settings.database_url)
    engine = bootstrap(settings)
    base = f"http://{args.host}:{args.port}"
    print(f"pbengine {__version__} on database {describe(settings.database_url)}")
    print(f"open {base}/ in a browser; the API's docs are at {base}/schema/swagger")
    if args.demo or settings.demo:
        demo = load_demo(engine)
        print(f"demo round {demo.published_round}: {base}/rounds/{demo.published_round}/results")
        print(
            f"demo round {demo.voting_round} is open for voting at "
            f"{base}/rounds/{demo.voting_round}/vote (or POST "
            f"{base}/api/v1/rounds/{demo.voting_round}/ballots with 'Authorization: Bearer "
            "<code>'); one voter code each:"
        )
        for code in demo.voter_codes:
            print(f"  {code}")
        print(
            f"staff pages: sign in at {base}/staff/sign-in with the demo council's token "
            f"{demo.staff_token} (an auditor's: {demo.auditor_token})"
        )
    engine.dispose()
    sys.stdout.flush()
    # The factory reads the same environment these settings came from. log_config=None:
    # uvicorn's loggers (a line per request) propagate to the root logger bootstrap set up.
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        log_config=None,
        # Each worker process calls the factory; the schema, the signing key and the demo
        # are made above, once, before any of them starts.
        workers=args.workers,
        # uvicorn closes a connection 5 s after its last answer unless a request has been read
        # by then; a worker busy for that long (200 clients on 2 cores) reset connections
        # whose next request had already arrived: 5 of 10,000 ballots unanswered. A proxy's
        # upstream connections stay open for 60 s (nginx): the server must outlast them.
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        # pbengine logs each request itself (api/request_log.py), with its request id.
        access_log=False,
    )
    return 0


def _check_workers(workers: int, database_url: str) -> None:
    """Refuse worker processes that could not share one database.

    A SQLite file may be served by several workers: its write lock is a lock on the file,
    which a worker takes before it changes a round (BEGIN IMMEDIATE, store/database.py), so
    changes from all processes take turns as they do from the threads of one; in WAL mode
    the other processes read meanwhile. Writes still go one at a time: more workers help
    only with the work around them (HTTP, JSON, hashing, signing). SQLite in memory would
    give each worker a database of its own.
    """
    from sqlalchemy import make_url

    if workers < 1:
        raise UsageError(f"--workers {workers}: at least 1")
    url = make_url(database_url)
    in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    if workers > 1 and in_memory:
        raise UsageError(
            f"--workers {workers}: a SQLite database in memory cannot be shared by worker "
            "processes (each would have its own); use a SQLite file or PostgreSQL"
        )

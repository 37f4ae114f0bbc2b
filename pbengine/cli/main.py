"""Command line: allocate, verify, report, rules; serve, token; export, replay, verify-extends.

Exit codes: 0 success, 1 a verification found a difference, 2 bad input
(unknown rule, unreadable file, unusable setting) with a one-line error on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pbengine import __version__
from pbengine.bootstrap import StartupError, configure
from pbengine.cli import audit, elections, report, rounds
from pbengine.cli.common import UsageError
from pbengine.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure(settings)
        code: int = args.handler(args, settings)
    except bad_input() as exc:
        print(f"pbengine: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`pbengine ... | head`): not an error of ours.
        sys.stderr.close()
        return 0
    return code


def bad_input() -> tuple[type[Exception], ...]:
    """Refusals that are the user's to fix: one line, exit 2.

    PabulibError, UnknownRuleError, FairnessError, FairnessDocumentError and SettingsError
    are ValueErrors, caught as such: naming them would load the .pb parser, every rule and
    pydantic before any command runs (tests/unit/test_cli_imports.py). `main` calls this
    only once something was raised; SolverError comes from a rule, so its package is
    loaded by then.
    """
    from pbengine.core.rules.solvers.errors import SolverError

    return (UsageError, StartupError, SolverError, ValueError)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pbengine", description=__doc__)
    parser.add_argument("--version", action="version", version=f"pbengine {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for group in (elections, report, rounds, audit):
        group.add_commands(commands)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())

"""What several command groups share: the usage error, reading an election, JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from pbengine.bootstrap import bootstrap
from pbengine.settings import Settings

if TYPE_CHECKING:
    from sqlmodel import Session

    from pbengine.core.election import Election
    from pbengine.service.errors import Principal

DEMO = "demo"
T = TypeVar("T")

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Handler = Callable[[argparse.Namespace, Settings], int]


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


def load_election(path: str) -> Election:
    """A .pb file, or the bundled demo; a missing or malformed file is a UsageError."""
    from pbengine.formats.pabulib import PabulibError, read_file, read_text

    if path == DEMO:
        return read_text((resources.files("pbengine.demo") / "demo.pb").read_text("utf-8"))
    if not Path(path).is_file():
        raise UsageError(f"{path}: no such file")
    try:
        return read_file(path)
    except PabulibError as exc:
        raise UsageError(f"{path}: {exc}") from None


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


def read_as_auditor(
    settings: Settings, round_id: int, read: Callable[[Session, Principal], T]
) -> T:
    """Read a round in the configured database as an auditor would; a refusal is a UsageError."""
    from sqlmodel import Session

    from pbengine.service.errors import OPERATOR, ServiceError
    from pbengine.store.database import describe

    engine = bootstrap(settings)
    try:
        with Session(engine) as session:
            return read(session, OPERATOR)
    except ServiceError as exc:
        where = describe(settings.database_url)
        raise UsageError(f"round {round_id}: {exc.problem} (database {where})") from None
    finally:
        engine.dispose()

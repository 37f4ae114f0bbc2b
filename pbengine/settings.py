"""Settings: the one place that reads the environment.

Every entry point (the CLI, the app factory, the Alembic command line) builds a
`Settings` with `Settings.from_env()` and hands it on; nothing else in the
package reads `os.environ`, so what a process runs with is what this module
says, and a mistyped value fails at start with the variable's name.

| variable | default | |
| --- | --- | --- |
| PBENGINE_DATABASE_URL | pbengine.sqlite3 in the data folder | see `data_folder` |
| PBENGINE_RULES | the presets shipped in the package | a folder of fairness presets (*.toml) |
| PBENGINE_MIGRATIONS | the migrations shipped in the package | a folder holding Alembic's env.py |
| PBENGINE_MAX_BODY | 67108864 (64 MiB) | the largest .pb import, in bytes |
| PBENGINE_LOG_LEVEL | INFO | DEBUG, INFO, WARNING, ERROR |
| PBENGINE_LOG_FORMAT | text | json: one JSON object per line, for log collectors |
| PBENGINE_DEMO | off | 1: `pbengine serve` loads the demo rounds |
| PBENGINE_SIGNING_KEY | beside a SQLite file, else in ~/.local/share/pbengine | signing keys |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Real pabulib files reach 35 MB (Krakow 2024); anything much larger is refused with 413.
DEFAULT_MAX_BODY = 64 * 1024 * 1024
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


class SettingsError(ValueError):
    """An environment variable pbengine cannot use; the message names it."""


def data_folder(env: Mapping[str, str]) -> Path:
    """Where pbengine keeps its own files by default: XDG_DATA_HOME, else ~/.local/share.

    Not the working directory: a token made from another folder must land in the database
    the server reads (it used to make a new, empty database there and then fail with 401).
    """
    data = env.get("XDG_DATA_HOME") or Path(env.get("HOME") or Path.home()) / ".local" / "share"
    return Path(data) / "pbengine"


def default_database_url(env: Mapping[str, str]) -> str:
    return f"sqlite:///{data_folder(env) / 'pbengine.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: default_database_url(os.environ))
    presets_dir: Path | None = None
    """None: the presets shipped inside the package."""
    migrations_dir: Path | None = None
    """None: the migrations shipped inside the package."""
    max_body: int = DEFAULT_MAX_BODY
    log_level: str = "INFO"
    demo: bool = False
    log_format: str = "text"
    signing_key: Path | None = None
    """The signing key file; None: `default_signing_key(database_url)`."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("PBENGINE_DATABASE_URL") or default_database_url(env),
            presets_dir=_folder(env, "PBENGINE_RULES"),
            migrations_dir=_folder(env, "PBENGINE_MIGRATIONS"),
            max_body=_positive(env, "PBENGINE_MAX_BODY", DEFAULT_MAX_BODY),
            log_level=_log_level(env),
            demo=_flag(env, "PBENGINE_DEMO"),
            log_format=_log_format(env),
            signing_key=Path(
                env.get("PBENGINE_SIGNING_KEY")
                or default_signing_key(
                    env.get("PBENGINE_DATABASE_URL") or default_database_url(env), env
                )
            ),
        )


def default_signing_key(database_url: str, env: Mapping[str, str] | None = None) -> Path:
    """Next to a SQLite database file, which is then backed up with its key; for other
    databases in the user's data folder (XDG_DATA_HOME, else ~/.local/share)."""
    database = database_url.removeprefix("sqlite:///")
    if database != database_url and database not in ("", ":memory:"):
        return Path(database + ".signing-keys.json")
    return data_folder(os.environ if env is None else env) / "signing-keys.json"


def _folder(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    if not value:
        return None
    folder = Path(value)
    if not folder.is_dir():
        raise SettingsError(f"{name}={value}: no such folder")
    return folder


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise SettingsError(f"{name}={value}: expected a positive whole number of bytes")
    return number


def _log_level(env: Mapping[str, str]) -> str:
    value = env.get("PBENGINE_LOG_LEVEL") or "INFO"
    if value.upper() not in LOG_LEVELS:
        raise SettingsError(f"PBENGINE_LOG_LEVEL={value}: expected one of {', '.join(LOG_LEVELS)}")
    return value.upper()


def _log_format(env: Mapping[str, str]) -> str:
    value = (env.get("PBENGINE_LOG_FORMAT") or "text").lower()
    if value not in LOG_FORMATS:
        raise SettingsError(f"PBENGINE_LOG_FORMAT={value}: expected text or json")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in _TRUE + _FALSE:
        raise SettingsError(f"{name}={value}: expected 1 or 0")
    return value in _TRUE

"""Where fairness documents live and how their TOML is read, before any validation.

Kept apart from pbengine.formats.fairness_document, which validates documents with
pydantic: every command sets the presets folder at start and `pbengine rules` lists
the presets, and neither should pay for loading pydantic.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any


class FairnessDocumentError(ValueError):
    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem


class _Presets:
    folder: Path | None = None
    """Set once at start from the settings (pbengine.bootstrap); None: the packaged presets."""


def use_presets(folder: Path | None) -> None:
    """Read presets from `folder` in this process; None: the ones shipped in the package.

    A round names its preset without saying where presets live, so the entry point's
    settings choose that once, at start, for every caller.
    """
    _Presets.folder = folder


def presets_dir() -> Traversable:
    """The presets: the configured folder, or `rules/` as shipped in the package."""
    if _Presets.folder is not None:
        return _Presets.folder
    return resources.files("pbengine.presets")


def preset_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in presets_dir().iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    )


def preset_entry(name: str) -> Traversable:
    """The file of preset `name`; a FairnessDocumentError naming the presets if there is none."""
    entry = presets_dir() / f"{name}.toml"
    if not entry.is_file():
        known = ", ".join(preset_names())
        raise FairnessDocumentError(
            f"rules/{name}.toml", "(preset)", f"no such preset; presets: {known}"
        )
    return entry


def read_toml(path: str | Traversable) -> dict[str, Any]:
    """A document's TOML as data, not yet validated; `path` may also be an entry inside the
    installed package."""
    source = Path(path) if isinstance(path, str) else path
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FairnessDocumentError(str(path), "(syntax)", str(exc)) from None
    except OSError as exc:
        raise FairnessDocumentError(str(path), "(file)", exc.strerror or str(exc)) from None

"""The dependencies every controller receives, provided per request by the app."""

from __future__ import annotations

from litestar.di import NamedDependency
from sqlmodel import Session

from pbengine.service.errors import Principal

DbSession = NamedDependency[Session]
Caller = NamedDependency[Principal]

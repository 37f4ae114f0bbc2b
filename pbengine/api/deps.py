"""The dependencies every controller receives, provided per request."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlmodel import Session

from pbengine.service.errors import Principal
from pbengine.store.unit_of_work import UnitOfWork

DbSession = NamedDependency[Session]
Caller = NamedDependency[Principal]
Work = NamedDependency[UnitOfWork]


def provide_unit_of_work(session: DbSession) -> UnitOfWork:
    # The request's session (the app provides it and closes it at the end); each service
    # call commits or rolls back within it.
    return UnitOfWork(session)


UNIT_OF_WORK = {"uow": Provide(provide_unit_of_work, sync_to_thread=False)}
"""For controllers: `uow`, the request's unit of work, handed to the services."""

"""The unit of work: one service call's transaction, and the repositories that share it.

A service enters the unit of work for each call, reads and changes rounds
through its repositories, and calls `commit()` once, when the whole change
(and the event that records it) is ready. Leaving the block without a commit
rolls back: a refused request stores nothing, and a change that loaded its
round for change (store/database.py) frees the round's lock for the requests
queued behind it at once, not when the caller closes its session.
"""

from __future__ import annotations

from types import TracebackType

from sqlmodel import Session

from pbengine.store import statistics
from pbengine.store.assessments import AssessmentRepository
from pbengine.store.ballots import BallotRepository
from pbengine.store.checkpoints import CheckpointRepository
from pbengine.store.events import EventLog
from pbengine.store.paper_batches import PaperBatchRepository
from pbengine.store.repository import RoundRepository
from pbengine.store.staff_sessions import StaffSessionRepository
from pbengine.store.tokens import TokenRepository
from pbengine.store.volunteers import VolunteerRepository


class UnitOfWork:
    """The session of one caller (a request, a command), and the repositories over it.

    It can be entered again for each service call; each block ends with
    nothing left uncommitted. `log` replaces the event log, for a benchmark's
    baseline that measures a ballot without its event.
    """

    def __init__(self, session: Session, *, log: EventLog | None = None) -> None:
        self.session = session
        self.rounds = RoundRepository(session)
        self.ballots = BallotRepository(session)
        self.log = log or EventLog(session)
        self.tokens = TokenRepository(session)
        self.staff_sessions = StaffSessionRepository(session)
        self.paper_batches = PaperBatchRepository(session)
        self.volunteers = VolunteerRepository(session)
        self.assessments = AssessmentRepository(session)
        self.checkpoints = CheckpointRepository(session)

    @classmethod
    def of(cls, source: UnitOfWork | Session) -> UnitOfWork:
        """A caller holding a session gets a unit of work over it."""
        return source if isinstance(source, UnitOfWork) else cls(source)

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # After a commit there is nothing to undo, and this only ends the read that may
        # have followed it; otherwise it undoes everything the call did.
        self.rollback()

    def commit(self) -> None:
        self.session.commit()
        statistics.after_commit(self.session)

    def rollback(self) -> None:
        self.session.rollback()
        statistics.forget(self.session)

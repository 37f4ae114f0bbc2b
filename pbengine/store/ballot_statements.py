"""The statements a ballot runs, built once: every ballot pays for building a statement
anew, on the busiest evening of a round (bench/intake.py), and these take parameters."""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy import select as columns
from sqlmodel import col

from pbengine.store.tables import BallotRow, IdempotencyRow, ProjectRow, VoterCodeRow

VOTERS_BY_DIGEST = columns(
    col(VoterCodeRow.code_hash),
    col(VoterCodeRow.round_id),
    col(VoterCodeRow.voter_key),
    col(VoterCodeRow.attributes_json),
).where(col(VoterCodeRow.code_hash).in_(bindparam("code_hashes", expanding=True)))

VOTERS = columns(col(VoterCodeRow.voter_key), col(VoterCodeRow.attributes_json)).where(
    col(VoterCodeRow.round_id) == bindparam("round_id"),
    col(VoterCodeRow.voter_key).in_(bindparam("keys", expanding=True)),
)

BALLOTS = columns(
    col(BallotRow.round_id),
    col(BallotRow.voter_key),
    col(BallotRow.position),
    col(BallotRow.projects_json),
    col(BallotRow.points_json),
    col(BallotRow.outcomes_json),
    col(BallotRow.attributes_json),
    col(BallotRow.channel),
    col(BallotRow.staff),
    col(BallotRow.receipt),
    col(BallotRow.replaced),
    col(BallotRow.cast_at),
).where(
    col(BallotRow.round_id) == bindparam("round_id"),
    col(BallotRow.voter_key).in_(bindparam("keys", expanding=True)),
)

LAST_POSITION = columns(func.max(col(BallotRow.position))).where(
    col(BallotRow.round_id) == bindparam("round_id")
)

INSERT_BALLOTS = insert(BallotRow)

REPLACE_BALLOT = (
    update(BallotRow)
    .where(
        col(BallotRow.round_id) == bindparam("b_round"),
        col(BallotRow.voter_key) == bindparam("b_voter"),
    )
    .values(
        projects_json=bindparam("projects_json"),
        points_json=bindparam("points_json"),
        outcomes_json=bindparam("outcomes_json"),
        attributes_json=bindparam("attributes_json"),
        channel=bindparam("channel"),
        staff=bindparam("staff"),
        receipt=bindparam("receipt"),
        replaced=bindparam("replaced"),
        cast_at=bindparam("cast_at"),
    )
)

COSTS = columns(col(ProjectRow.project_key), col(ProjectRow.cost)).where(
    col(ProjectRow.round_id) == bindparam("round_id"),
    col(ProjectRow.status) == bindparam("status"),
)

REPLIES = columns(
    col(IdempotencyRow.key),
    col(IdempotencyRow.request_digest),
    col(IdempotencyRow.status_code),
    col(IdempotencyRow.response_json),
).where(
    col(IdempotencyRow.round_id) == bindparam("round_id"),
    col(IdempotencyRow.key).in_(bindparam("keys", expanding=True)),
)

INSERT_REPLIES = insert(IdempotencyRow)

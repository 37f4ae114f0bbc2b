"""The kinds of event a round's log holds, and what each payload carries."""

from __future__ import annotations

ROUND_CREATED = "round.created"
"""{council, config, header}: a council's new round."""
ROUND_IMPORTED = "round.imported"
"""{council, config, header}: a past election, followed by its projects and ballots."""
ROUND_CONFIGURED = "round.configured"
"""{config, header}: the whole configuration after a change."""
PHASE_CHANGED = "phase.changed"
"""{from, to}; on opening voting also {frozen: {fields, digest}}."""
PROJECT_ADDED = "project.added"
"""{project: {id, cost, attributes}, status}: an imported project."""
PROPOSAL_SUBMITTED = "proposal.submitted"
"""{project: {id, cost, attributes}, proposer_digest}: a resident's proposal; the proposer
only as keyed digests (store/digest_key.py)."""
PROPOSAL_REVIEWED = "proposal.reviewed"
"""{project, decision, status, cost, reason, merged_into}."""
VOTER_CODES_ISSUED = "voter_codes.issued"
"""{count, attributes, voter_keys}: pseudonymous keys only, never the codes."""
BALLOT_CAST = "ballot.cast"
"""{voter, projects, points, outcomes, attributes, channel, staff, replaces}."""
BALLOTS_IMPORTED = "ballots.imported"
"""{first, count, attributes, ballots}: a batch of an imported election's ballots, in file
order (core/imported_ballots.py). Imports before it logged a ballot.cast per ballot."""
ALLOCATION_COMPUTED = "allocation.computed"
"""{rule, settings, result, result_hash}: the round's result under its declared settings.

`settings` is {rule, budget, fairness_digest}: what the allocation ran under. `rule` is
always null since allocations stopped taking another rule; older logs hold the override
asked for there, which replay now refuses unless it is the round's own rule."""
ALLOCATION_WHAT_IF = "allocation.what_if"
"""{asked, settings, result, result_hash}: a what-if under other settings; never a result."""
PAPER_BATCH_COUNTED = "paper_batch.counted"
"""{batch, label, papers, positions, ballots, opened_by, pass_1, pass_2, counted_by,
disagreements, decisions: [{position, differs, choice, by, note}], trackers}: a batch of
paper ballots entered twice and reconciled, counted at once. Its ballots' ballot.cast events
come just before it, in paper order; `trackers` names them."""

# The delivery of funded projects (phase delivery): delivery.milestone, delivery.spend,
# delivery.link and delivery.cancelled, described and checked in pbengine/core/delivery.py.
# Co-assessment (phase assessment): assessment_codes.issued, assessment.submitted and
# assessment.answered, described and checked in pbengine/core/assessment.py.

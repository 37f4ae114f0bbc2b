"""The council staff's pages for a round after its results are published (issue 14):
record the delivery of each funded project and reallocate the money released, see who
volunteered to help, issue assessment codes and answer the residents' assessment in
public (docs/after-the-vote.md, docs/co-assessment.md).

Like every staff page they only call the services, which decide who may do what and in
which phase; a refusal is shown on the page in the reader's language. Their messages are
the `aftervote` gettext domain.
"""

from __future__ import annotations

from pbengine.pages.aftervote.assessment import AssessmentDesk
from pbengine.pages.aftervote.delivery import DeliveryDesk
from pbengine.pages.aftervote.volunteers import VolunteerPages

__all__ = ["AFTERVOTE_PAGES"]

AFTERVOTE_PAGES = (DeliveryDesk, VolunteerPages, AssessmentDesk)

"""The council staff's desk for a round: review the proposals, issue voter codes as slips
to print, run the allocation and publish it (docs/pages.md).

Like every page they only call the services, which decide who may do what and when; a
refusal is shown on the page in the reader's language. Their messages are the `council`
gettext domain.
"""

from __future__ import annotations

from pbengine.pages.council.allocation import AllocationPages
from pbengine.pages.council.codes import CodePages
from pbengine.pages.council.review import ReviewPages

__all__ = ["COUNCIL_PAGES"]

COUNCIL_PAGES = (ReviewPages, CodePages, AllocationPages)

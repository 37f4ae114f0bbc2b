"""`/rounds/{id}/audit`: what anyone can note down, what auditors download, how to check it."""

from __future__ import annotations

import json
from datetime import datetime

from litestar import Controller, Response, get
from litestar.params import FromPath
from litestar.response import Template

from pbengine.pages.deps import Lang, Work
from pbengine.pages.explain import PHASES
from pbengine.pages.staff.session import SignedIn, Staff
from pbengine.pages.templating import page
from pbengine.service.access import is_insider_of
from pbengine.service.audit import AuditService
from pbengine.service.errors import ConflictError
from pbengine.service.rounds import RoundService

# A record is a snapshot of who did what and when: no shared cache may keep one.
PRIVATE = {"Cache-Control": "no-store"}


class AuditPages(Controller):
    path = "/rounds/{round_id:int}/audit"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def audit(
        self, uow: Work, language: Lang, signed_in: SignedIn, round_id: FromPath[int]
    ) -> Template:
        view = RoundService(uow).view(round_id)
        head = AuditService(uow).head(round_id)
        may_download = signed_in is not None and is_insider_of(signed_in.principal, view.council)
        return page(
            "audit/audit.html",
            language,
            round=view,
            phases=PHASES,
            head=head,
            written=datetime.fromisoformat(head.at) if head.at else None,
            signed_in=signed_in,
            may_download=may_download,
        )

    @get("/record.json", sync_to_thread=True)
    def record(self, uow: Work, staff: Staff, round_id: FromPath[int]) -> Response[bytes]:
        try:
            record = AuditService(uow).record(staff.principal, round_id)
        except ConflictError as exc:
            # A download, not a page: the refusal is the API's JSON, naming when it opens.
            refusal = {"status": exc.status, "field": exc.field, "problem": exc.problem}
            return Response(
                json.dumps(refusal).encode(),
                status_code=exc.status,
                media_type="application/json",
                headers=PRIVATE,
            )
        return Response(
            record.model_dump_json().encode(),
            media_type="application/json",
            headers={
                **PRIVATE,
                "Content-Disposition": f'attachment; filename="round-{round_id}-record.json"',
            },
        )

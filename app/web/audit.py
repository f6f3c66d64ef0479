"""Who read or changed a child's record, and when: for a subject access request or the DPO."""

from datetime import UTC

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.audit.service import child_ids_for_upn, find_events
from app.auth.service import list_clients
from app.database import SessionDep
from app.history.schemas import HistoryEntry
from app.history.service import versions_of
from app.inputs import LONDON
from app.people.service import list_people
from app.providers.service import list_providers
from app.web.child import UpnInPath, readable_child
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import OfficerPage

router = APIRouter(route_class=PageRoute)
SHOWN = 500


@router.get("/children/{upn}/audit")
def child_audit(
    upn: UpnInPath, request: Request, session: SessionDep, signed: OfficerPage
) -> HTMLResponse:
    """Every recorded read of the child and every change to its records."""
    pupil = readable_child(request, session, signed, upn)
    who = {client.client_id: client.name for client in list_clients(session)} | {
        f"person-{person.id}": f"{person.name} ({person.email})" for person in list_people(session)
    }
    return page(
        request,
        "audit.html",
        title="Who has read or changed this record",
        pupil=pupil,
        events=find_events(
            session,
            client_id=None,
            action=None,
            pupil_ids=child_ids_for_upn(session, pupil.upn),
            first=None,
            last=None,
            before_id=None,
            limit=SHOWN,
        ),
        changes=[
            HistoryEntry.of(version, revision)
            for version, revision in versions_of(
                session, pupil_id=pupil.id, before_id=None, limit=SHOWN
            )
        ],
        who=who,
        names={provider.id: provider.name for provider in list_providers(session)},
        tz=LONDON,
        utc=UTC,
    )

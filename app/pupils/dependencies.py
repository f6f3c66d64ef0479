"""The guard every handler reaching one child goes through: the UPN checked, the access rule
applied, and the child recorded for the audit trail, refused or not."""

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from app.audit.service import touched
from app.auth.dependencies import PupilReaderPrincipal
from app.auth.schemas import Principal
from app.database import SessionDep
from app.errors import InvalidContent
from app.models import Pupil
from app.pupils.service import readable_pupil
from app.pupils.upn import normalise_upn

UPN_EXAMPLE = "B801200005001"
UpnPath = Annotated[str, Path(min_length=1, max_length=20, examples=[UPN_EXAMPLE])]
UpnQuery = Annotated[str, Query(min_length=1, max_length=20, examples=[UPN_EXAMPLE])]


def valid_upn(upn: str) -> str:
    """The UPN in a path or query, normalised, or 422 naming the parameter."""
    try:
        return normalise_upn(upn)
    except ValueError as exc:
        raise InvalidContent(
            f"Not a valid UPN: {exc}", errors=[{"parameter": "upn", "detail": str(exc)}]
        ) from exc


def guarded_pupil(
    request: Request, session: SessionDep, principal: Principal, upn: str, *, lock: bool = False
) -> Pupil:
    """The child at this UPN if the caller may read them, else 404; either way the child, if
    there is one, is named in the call's audit event."""
    return readable_pupil(
        session, principal=principal, upn=upn, lock=lock, seen=touched(request).pupil_ids
    )


def _pupil_in_path(
    upn: UpnPath, request: Request, session: SessionDep, principal: PupilReaderPrincipal
) -> Pupil:
    return guarded_pupil(request, session, principal, valid_upn(upn))


def _locked_pupil_in_path(
    upn: UpnPath, request: Request, session: SessionDep, principal: PupilReaderPrincipal
) -> Pupil:
    return guarded_pupil(request, session, principal, valid_upn(upn), lock=True)


def _locked_pupil_in_query(
    upn: UpnQuery, request: Request, session: SessionDep, principal: PupilReaderPrincipal
) -> Pupil:
    return guarded_pupil(request, session, principal, valid_upn(upn), lock=True)


# The child at the path's `{upn}`, to read.
ReadablePupil = Annotated[Pupil, Depends(_pupil_in_path)]
# The same, its row held until the transaction ends, as every write to a child's records does.
LockedPupil = Annotated[Pupil, Depends(_locked_pupil_in_path)]
# The child at the query's `upn`, held for a write.
LockedPupilInQuery = Annotated[Pupil, Depends(_locked_pupil_in_query)]

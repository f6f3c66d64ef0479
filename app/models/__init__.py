"""ORM models, together in one package; API schemas live beside each domain."""

from app.models.audit import AuditChild, AuditEvent
from app.models.base import Base
from app.models.calendar import ClosureDay, Term
from app.models.clients import ApiClient
from app.models.history import ProvisionVersion, Revision, UpnChange
from app.models.people import Person, PersonSession
from app.models.providers import Provider
from app.models.provision import Provision, ProvisionEnd, ProvisionRecord
from app.models.pupils import (
    CurrentState,
    CurrentTimetable,
    DateOfBirthConflict,
    Pupil,
    PupilWeek,
    RegisterVersion,
    WeekTally,
)
from app.models.returns import NilReturn

__all__ = [
    "ApiClient",
    "AuditChild",
    "AuditEvent",
    "Base",
    "ClosureDay",
    "CurrentState",
    "CurrentTimetable",
    "DateOfBirthConflict",
    "NilReturn",
    "Person",
    "PersonSession",
    "Provider",
    "Provision",
    "ProvisionEnd",
    "ProvisionRecord",
    "ProvisionVersion",
    "Pupil",
    "PupilWeek",
    "RegisterVersion",
    "Revision",
    "Term",
    "UpnChange",
    "WeekTally",
]

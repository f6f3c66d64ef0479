"""Correcting the register's date of birth for a child (contract v1.2): re-judged in the same
transaction, kept in the history and the change feed."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.schemas import Principal
from app.config import Settings
from app.errors import InvalidContent
from app.history.service import History
from app.models import ProvisionRecord, Pupil
from app.provision.schemas import RecordWarning
from app.provision.service import apply_changes
from app.pupils.upn_changes import redraw_child
from app.register.derived import Changes
from app.register.rules import compulsory_school_age

DATE_OF_BIRTH_CORRECTED = "date_of_birth_corrected"


@dataclass(frozen=True)
class CorrectedDateOfBirth:
    pupil: Pupil
    warnings: list[RecordWarning]


def correct_date_of_birth(
    session: Session, *, principal: Principal, child: Pupil, date_of_birth: date, settings: Settings
) -> CorrectedDateOfBirth:
    """Give the child (its row locked) the corrected date of birth and judge every week again;
    the child's records that now fall outside compulsory school age are kept, with a warning."""
    if date_of_birth == child.date_of_birth:
        raise InvalidContent(
            f"{date_of_birth} is already the child's date of birth.",
            errors=[{"pointer": "/date_of_birth", "detail": "is the child's date of birth now"}],
        )
    history = History(session, principal.client_id)
    history.keep(
        pupil_id=child.id,
        provider_id=None,
        action=DATE_OF_BIRTH_CORRECTED,
        details={
            "old_date_of_birth": child.date_of_birth.isoformat(),
            "new_date_of_birth": date_of_birth.isoformat(),
        },
    )
    child.date_of_birth = date_of_birth
    changes = Changes()
    redraw_child(session, changes, child.id)
    apply_changes(session, history, changes, settings=settings)
    return CorrectedDateOfBirth(child, _outside_school_age(session, child))


def _outside_school_age(session: Session, child: Pupil) -> list[RecordWarning]:
    """A warning naming the child's record weeks outside compulsory school age (rule 8)."""
    age = compulsory_school_age(child.date_of_birth)
    weeks = sorted(
        set(
            session.scalars(
                select(ProvisionRecord.week_commencing).where(ProvisionRecord.pupil_id == child.id)
            )
        )
    )
    outside = [week for week in weeks if not age.covers(week)]
    if not outside:
        return []
    return [
        RecordWarning(
            pointer="/date_of_birth",
            detail=f"{len(outside)} of the child's record weeks ({outside[0]} to {outside[-1]}) "
            f"fall outside compulsory school age for a child born {child.date_of_birth} "
            f"({age.starts} to {age.ends}); they are kept but not judged. Check the date.",
        )
    ]

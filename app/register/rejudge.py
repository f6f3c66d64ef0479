"""`python -m app.register.rejudge`: re-judge every child from their first record, e.g. after
the LA changes REGISTER_FULL_TIME_HOURS or after an upgrade that changes the register's rules.
Children are re-judged in chunks, one transaction each."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings
from app.database import make_engine, make_sessionmaker
from app.models import ProvisionRecord
from app.register.service import (
    Changes,
    bump_register_version,
    load_calendar,
    lock_calendar,
    refresh,
)

CHUNK = 1000


def rejudge_everyone(make_session: "sessionmaker[Session]", *, settings: Settings) -> int:
    """Redraw every child's arrangements and register weeks; returns how many children."""
    with make_session() as session:
        firsts = session.execute(
            select(
                ProvisionRecord.pupil_id,
                ProvisionRecord.provider_id,
                func.min(ProvisionRecord.week_commencing),
            )
            .group_by(ProvisionRecord.pupil_id, ProvisionRecord.provider_id)
            .order_by(ProvisionRecord.pupil_id)
        ).all()
    children = sorted({pupil_id for pupil_id, _, _ in firsts})
    for start in range(0, len(children), CHUNK):
        chunk = set(children[start : start + CHUNK])
        changes = Changes()
        for pupil_id, provider_id, first in firsts:
            if pupil_id in chunk:
                changes.touch(pupil_id, first, provider_id=provider_id)
        with make_session.begin() as session:
            lock_calendar(session, exclusive=False)
            refresh(
                session,
                changes,
                full_time_hours=settings.full_time_hours,
                calendar=load_calendar(session),
            )
            bump_register_version(session)
    return len(children)


if __name__ == "__main__":
    settings = get_settings()
    count = rejudge_everyone(
        make_sessionmaker(make_engine(settings.sqlalchemy_url)), settings=settings
    )
    print(f"Re-judged {count} children at {settings.full_time_hours} hours full time.")

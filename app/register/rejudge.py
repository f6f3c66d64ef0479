"""`python -m app.register.rejudge`: re-judge every child from their first record, e.g. after
the LA changes REGISTER_FULL_TIME_HOURS. An upgrade whose rules or derived state differ does it
by itself (``rejudge_if_behind``). Children are re-judged in chunks, one transaction each."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, settings_or_exit
from app.database import make_engine, make_sessionmaker
from app.models import ProvisionRecord, RegisterVersion
from app.register.current import project_missed_days
from app.register.derived import Changes, refresh
from app.register.service import bump_register_version, load_calendar, lock_calendar

CHUNK = 1000
# The edition of the register's rules and derived state. Raise it with any change that means
# stored judgements, arrangements or counts must be made again.
EDITION = 2


def rejudge_everyone(make_session: "sessionmaker[Session]", *, settings: Settings) -> int:
    """Redraw every child's arrangements, register weeks and counts; returns how many."""
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
                changes.rearranged(pupil_id, provider_id, first)
        with make_session.begin() as session:
            lock_calendar(session, exclusive=False)
            refresh(
                session,
                changes,
                full_time=settings.full_time,
                alert_days=settings.missed_school_days_alert,
                calendar=load_calendar(session),
            )
            bump_register_version(session)
    return len(children)


def rejudge_if_behind(make_session: "sessionmaker[Session]", *, settings: Settings) -> int:
    """Re-judge everyone if the derived state was made by an older edition of the rules."""
    with make_session() as session:
        made_by = session.scalar(select(RegisterVersion.rules).where(RegisterVersion.id == 1))
    if made_by is not None and made_by >= EDITION:
        return 0
    children = rejudge_everyone(make_session, settings=settings)
    with make_session.begin() as session:
        session.execute(
            update(RegisterVersion).where(RegisterVersion.id == 1).values(rules=EDITION)
        )
    return children


def project_if_behind(make_session: "sessionmaker[Session]", *, settings: Settings) -> None:
    """Project when each child's school days missed reach the LA's figure again, if the
    figure has changed since (or the current states were never projected)."""
    figure = settings.missed_school_days_alert
    with make_session.begin() as session:
        if session.scalar(select(RegisterVersion.alert_days)) != figure:
            lock_calendar(session, exclusive=True)
            project_missed_days(
                session,
                alert_days=figure,
                full_time=settings.full_time,
                calendar=load_calendar(session),
            )


if __name__ == "__main__":
    settings = settings_or_exit()
    count = rejudge_everyone(
        make_sessionmaker(make_engine(settings.sqlalchemy_url)), settings=settings
    )
    print(f"Re-judged {count} children at {settings.full_time_hours} hours full time.")

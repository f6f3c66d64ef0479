"""`python -m app.register.rejudge`: re-judge every child, e.g. after the LA changes
REGISTER_FULL_TIME_HOURS. Children are re-judged in chunks, one transaction each."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings
from app.database import make_engine, make_sessionmaker
from app.models import ProvisionRecord
from app.register.service import load_calendar, lock_calendar, refresh_judgements

CHUNK = 1000


def rejudge_everyone(make_session: "sessionmaker[Session]", *, settings: Settings) -> int:
    """Re-judge all children from their first record; returns how many."""
    with make_session() as session:
        firsts = session.execute(
            select(ProvisionRecord.pupil_id, func.min(ProvisionRecord.week_commencing)).group_by(
                ProvisionRecord.pupil_id
            )
        ).all()
    for start in range(0, len(firsts), CHUNK):
        with make_session.begin() as session:
            lock_calendar(session, exclusive=False)
            refresh_judgements(
                session,
                changed_from={pupil: first for pupil, first in firsts[start : start + CHUNK]},
                full_time_hours=settings.full_time_hours,
                calendar=load_calendar(session),
            )
    return len(firsts)


if __name__ == "__main__":
    settings = get_settings()
    count = rejudge_everyone(
        make_sessionmaker(make_engine(settings.sqlalchemy_url)), settings=settings
    )
    print(f"Re-judged {count} children at {settings.full_time_hours} hours full time.")

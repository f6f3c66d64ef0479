"""Keeping every version of what providers send, and reading what was known when."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ColumnElement, Date, Integer, Select, String, insert, or_, select
from sqlalchemy.orm import Session

from app.bulk import rows
from app.models import ProvisionVersion, Pupil, Revision
from app.register.facts import RecordFacts
from app.register.rules import ProvisionEnd
from app.register.service import bump_register_version

# A record's fields as a version keeps them (its key, UPN, provider and week, is kept apart).
RECORD_FIELDS = (
    "hours",
    "hours_attended",
    "provision_type",
    "reasons",
    "exclusion_type",
    "exclusion_start_date",
    "provision_start_date",
    "timetable_review_date",
    "timetable_end_date",
    "parent_agreed_on",
)


VERSION_COLUMNS = (
    ("revision_id", Integer()),
    ("pupil_id", Integer()),
    ("provider_id", Integer()),
    ("action", String()),
    ("week_commencing", Date()),
    ("end_id", Integer()),
    ("details", JSON()),
)


def record_details(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record's fields as JSON keeps them exactly: hours as text, dates as ISO dates."""
    return {name: _plain(record[name]) for name in RECORD_FIELDS}


def end_details(end_date: date, end_reason: str) -> dict[str, Any]:
    """An end's fields as a version keeps them."""
    return {"end_date": end_date.isoformat(), "end_reason": end_reason}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [str(item) for item in value]
    return value


@dataclass
class History:
    """The versions one write keeps, recorded under one revision when the write closes."""

    session: Session
    client_id: str
    versions: list[tuple[int, int | None, str, date | None, int | None, dict[str, Any]]] = field(
        default_factory=list
    )

    def keep(
        self,
        *,
        pupil_id: int,
        provider_id: int | None,
        action: str,
        details: dict[str, Any],
        week_commencing: date | None = None,
        end_id: int | None = None,
    ) -> None:
        """Add a version: a record (by week) or an end (by id), as this write leaves it, or a
        change of UPN (neither, and no provider)."""
        self.versions.append((pupil_id, provider_id, action, week_commencing, end_id, details))

    def left_register(self, pupil_ids: Iterable[int]) -> None:
        """Note the children this write leaves with no open provision, against the provider of
        the write's last version for each (the change feed's ``left_register``)."""
        leaving = set(pupil_ids)
        last_provider = {pupil_id: provider_id for pupil_id, provider_id, *_ in self.versions}
        for pupil_id in sorted(leaving & last_provider.keys()):
            self.keep(
                pupil_id=pupil_id,
                provider_id=last_provider[pupil_id],
                action="left_register",
                details={},
            )

    def close(self) -> Revision | None:
        """Record the versions under a new revision numbered in commit order; call it last in
        the write, after the derived state is refreshed (it takes the register version lock)."""
        if not self.versions:
            return None
        revision = Revision(recorded_at=datetime.now(UTC), client_id=self.client_id)
        self.session.add(revision)
        self.session.flush()
        source = rows(
            self.session,
            "versions",
            VERSION_COLUMNS,
            [(revision.id, *version) for version in self.versions],
        )
        names = [name for name, _ in VERSION_COLUMNS]
        self.session.execute(insert(ProvisionVersion).from_select(names, select(source)))
        revision.number = bump_register_version(self.session)
        self.session.flush()
        return revision


def versions_of(
    session: Session, *, pupil_id: int, before_id: int | None, limit: int
) -> list[tuple[ProvisionVersion, Revision]]:
    """A child's versions, newest first, with the revision (who and when) of each. Leaving the
    register is the feed's note of a consequence, not something sent, so it is not shown."""
    query = (
        select(ProvisionVersion, Revision)
        .join(Revision, Revision.id == ProvisionVersion.revision_id)
        .where(
            ProvisionVersion.pupil_id.in_(child_ids(pupil_id)),
            ProvisionVersion.action != "left_register",
        )
        .order_by(ProvisionVersion.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(ProvisionVersion.id < before_id)
    return [(version, revision) for version, revision in session.execute(query)]


def child_ids(pupil_id: int | ColumnElement[int]) -> Select[int]:
    """The child's id and those of children merged into it by a UPN change: whose history
    rows (never moved) are the child's history."""
    return select(Pupil.id).where(or_(Pupil.id == pupil_id, Pupil.merged_into == pupil_id))


@dataclass(frozen=True)
class Known:
    """A child's records and ends as the register held them at one moment."""

    records: dict[tuple[int, date], dict[str, Any]]
    ends: list[ProvisionEnd]

    def hours(self) -> list[tuple[date, Decimal]]:
        """Each record's week and hours, for the pure core to add up."""
        return [(week, Decimal(details["hours"])) for (_, week), details in self.records.items()]

    def sent(self) -> dict[date, list[tuple[Decimal, Decimal | None, RecordFacts]]]:
        """Each week's records as the derived state reads them: hours, hours attended, facts."""
        by_week: dict[date, list[tuple[Decimal, Decimal | None, RecordFacts]]] = defaultdict(list)
        for (provider_id, week), details in self.records.items():
            attended = details.get("hours_attended")
            by_week[week].append(
                (
                    Decimal(details["hours"]),
                    None if attended is None else Decimal(attended),
                    RecordFacts(
                        provider_id,
                        details["provision_type"],
                        details.get("reasons") or [],
                        details.get("exclusion_type"),
                        *(_day(details.get(name)) for name in FACT_DATES),
                    ),
                )
            )
        return by_week


FACT_DATES = (
    "exclusion_start_date",
    "provision_start_date",
    "timetable_review_date",
    "timetable_end_date",
)


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def known_at(session: Session, *, pupil_id: int, moment: datetime) -> Known:
    """Replay a child's versions recorded up to ``moment``: the latest version of each record
    (gone if withdrawn) and of each end."""
    records: dict[tuple[int, date], dict[str, Any]] = {}
    ends: dict[int, ProvisionEnd] = {}
    for version in session.scalars(
        select(ProvisionVersion)
        .join(Revision, Revision.id == ProvisionVersion.revision_id)
        .where(ProvisionVersion.pupil_id.in_(child_ids(pupil_id)), Revision.recorded_at <= moment)
        .order_by(ProvisionVersion.id)
    ):
        if version.provider_id is None:  # a change of UPN: no record or end
            continue
        if version.end_id is not None:
            ends[version.end_id] = ProvisionEnd(
                version.provider_id,
                date.fromisoformat(version.details["end_date"]),
                version.details["end_reason"],
            )
        elif version.week_commencing is not None:
            key = (version.provider_id, version.week_commencing)
            if version.action == "withdrawn":
                records.pop(key, None)
            else:
                records[key] = version.details
    return Known(records, [ends[end_id] for end_id in sorted(ends)])

"""Engine and the per-request session: one transaction per request."""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

POOL_SIZE = 10


def connection_capacity(url: str, *, pool_size: int = POOL_SIZE) -> int:
    """How many connections the engine for this URL can hand out at once (as many again as
    the pool keeps open may be opened under load)."""
    return 1 if url.startswith("sqlite") else 2 * pool_size


def make_engine(url: str, *, pool_size: int = POOL_SIZE) -> Engine:
    """An engine for the URL; SQLite gets foreign keys and a busy timeout."""
    if not url.startswith("sqlite"):
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=pool_size,
            # The register's reads are short index scans. PostgreSQL's JIT compiles any plan it
            # guesses is costly, and on a million children a register page spent 10-30 ms
            # compiling to read 50 rows; and its default cost of a random page read assumes
            # spinning disks, which made it hash whole tables where a few thousand index probes
            # do (the alerts at 100,000 children: docs/PERFORMANCE.md).
            connect_args={"options": "-c jit=off -c random_page_cost=1.1"},
        )
    # SQLite has one writer at a time, so requests queue for a single connection rather than
    # contending for the file lock.
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=60,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks savepoints; SQLAlchemy emits BEGIN instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Every request reads then writes (at least its audit row); taking the write lock up
        # front makes concurrent requests wait their turn instead of failing as "locked".
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def get_session(request: Request) -> Iterator[Session]:
    """The request's session, committed once when the handler returns without error."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function" commits before the response is sent, so a 201 means it is stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

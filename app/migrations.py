"""Running the Alembic migrations from code (start-up, tests, readiness)."""

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from app.config import Settings
from app.database import make_engine, make_sessionmaker
from app.register.rejudge import project_if_behind, rejudge_if_behind

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic's config for this project, optionally pointed at a database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(settings: Settings) -> None:
    """Bring the schema to the latest migration, and the derived state to the rules of this
        release (children are re-judged once when the rules have changed since they were, and their
    current states projected again when the LA's figure of school days missed has)."""
    command.upgrade(alembic_config(settings.sqlalchemy_url), "head")
    engine = make_engine(settings.sqlalchemy_url)
    try:
        make_session = make_sessionmaker(engine)
        rejudge_if_behind(make_session, settings=settings)
        project_if_behind(make_session, settings=settings)
    finally:
        engine.dispose()


if __name__ == "__main__":
    # The deployment's one-off migration step: `python -m app.migrations`.
    from app.config import settings_or_exit
    from app.observability.logs import configure_logging

    configure_logging()
    settings = settings_or_exit()
    upgrade_to_head(settings)
    logging.getLogger("register").info(
        "migrated to head", extra={"database": settings.database_url_for_display}
    )

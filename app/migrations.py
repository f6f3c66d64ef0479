"""Running the Alembic migrations from code (start-up, tests, readiness)."""

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic's config for this project, optionally pointed at a database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    """Bring the database schema to the latest migration."""
    command.upgrade(alembic_config(database_url), "head")


if __name__ == "__main__":
    # The deployment's one-off migration step: `python -m app.migrations`.
    from app.config import get_settings
    from app.observability.logs import configure_logging

    configure_logging()
    settings = get_settings()
    upgrade_to_head(settings.sqlalchemy_url)
    logging.getLogger("register").info(
        "migrated to head", extra={"database": settings.database_url_for_display}
    )

"""The schema comes only from Alembic, and the migrations form one line."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.migrations import alembic_config
from app.models import Base


def test_there_is_exactly_one_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert (
            context.get_current_revision()
            == ScriptDirectory.from_config(alembic_config()).get_current_head()
        )
        assert compare_metadata(context, Base.metadata) == []

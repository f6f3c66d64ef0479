"""Settings refuse unsafe values outside development."""

import pytest
from pydantic import ValidationError

from app.config import DEVELOPMENT_SIGNING_KEY, Settings


@pytest.mark.parametrize("key", [DEVELOPMENT_SIGNING_KEY, "short"])
def test_production_refuses_a_placeholder_or_short_signing_key(key: str) -> None:
    with pytest.raises(ValidationError, match="REGISTER_JWT_SIGNING_KEY"):
        Settings(environment="production", jwt_signing_key=key)


def test_development_runs_with_the_placeholder_and_postgres_urls_get_psycopg() -> None:
    settings = Settings(environment="development", database_url="postgresql://u@h/db")
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h/db"
    assert settings.full_time_hours == 25


def test_the_documented_environment_variable_selects_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGISTER_ENV", "production")
    with pytest.raises(ValidationError, match="REGISTER_JWT_SIGNING_KEY"):
        Settings()

"""Settings refuse unsafe values outside development."""

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from pydantic import ValidationError

from app.config import DEVELOPMENT_SIGNING_KEY, Settings
from app.summary.cache import AggregateCache


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


def test_workers_come_from_the_environment_and_sqlite_gets_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKERS", "2")
    assert Settings(database_url="postgresql://register@db/register").workers == 2
    with pytest.raises(ValidationError, match="SQLite has one writer"):
        Settings(database_url="sqlite:///./register.db")


def test_an_aggregate_cache_of_size_zero_keeps_nothing() -> None:
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    off = AggregateCache(size=0)
    assert [off.get_or_compute("summary", compute) for _ in range(2)] == [1, 2]
    kept = AggregateCache(size=1)
    assert [kept.get_or_compute("summary", compute) for _ in range(2)] == [3, 3]


@pytest.mark.parametrize(
    ("setting", "named"),
    [('{"R": 21, "12": 25}', "'12'"), ('{"R": 21, "3": 0}', "'3'"), ('{"R": "x"}', "R")],
)
def test_the_service_refuses_to_start_on_a_malformed_year_group_setting(
    setting: str, named: str
) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "app.serve", "--port", "1"],
        env=os.environ | {"REGISTER_FULL_TIME_HOURS_BY_YEAR_GROUP": setting},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "REGISTER_FULL_TIME_HOURS_BY_YEAR_GROUP" in started.stderr
    assert "Traceback" not in started.stderr
    assert named in started.stderr


def test_year_groups_are_read_from_json_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGISTER_FULL_TIME_HOURS_BY_YEAR_GROUP", '{"7": 24, "R": 21}')
    full_time = Settings().full_time
    assert full_time.by_year_group == (("R", Decimal(21)), ("7", Decimal(24)))

import pytest
from sqlalchemy import Engine


def test_postgresql_connections_run_without_jit(engine: Engine) -> None:
    """JIT compilation cost a million-child register page more than its read (PERFORMANCE.md)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"

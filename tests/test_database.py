import pytest
from sqlalchemy import Engine


def test_postgresql_connections_run_without_jit_and_price_random_reads_as_in_memory(
    engine: Engine,
) -> None:
    """JIT compilation cost a million-child register page more than its read, and the default
    random page cost made the alerts hash whole tables (PERFORMANCE.md)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL settings")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
        assert connection.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"

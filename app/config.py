"""Service settings, read from the environment (prefix ``REGISTER_``)."""

from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from app.register.rules import YEAR_GROUPS, FullTime

DEVELOPMENT_SIGNING_KEY = "development-only-signing-key-do-not-deploy"
MIN_ADMIN_SECRET = 24


class Settings(BaseSettings):
    """One place for every setting; an LA changes these, not the code."""

    model_config = SettingsConfigDict(
        env_prefix="REGISTER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    environment: Literal["development", "test", "sandbox", "production"] = Field(
        default="development",
        validation_alias=AliasChoices("REGISTER_ENV", "REGISTER_ENVIRONMENT"),
    )
    database_url: str = Field(
        default="sqlite:///./register.db",
        validation_alias=AliasChoices("DATABASE_URL", "REGISTER_DATABASE_URL"),
    )

    jwt_signing_key: SecretStr = SecretStr(DEVELOPMENT_SIGNING_KEY)
    # After rotating the signing key, keep the old one here for one token lifetime so tokens
    # already issued stay valid; tokens name their key by `kid`.
    jwt_previous_signing_key: SecretStr | None = None
    jwt_issuer: str = "cnfte-register"
    jwt_audience: str = "cnfte-register-api"
    token_ttl_seconds: int = Field(default=900, ge=60, le=3600)

    admin_client_id: str | None = None
    admin_client_secret: SecretStr | None = None
    # The first administrator person, who signs in to the pages (as the admin client above
    # calls the API); reset to these on every start, as the admin client is.
    admin_email: str | None = Field(default=None, max_length=254)
    admin_password: SecretStr | None = None

    # People's sessions on the pages end after this long without a request.
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Failed sign-ins allowed per email address and per source address.
    sign_in_failure_limit: str = Field(default="10/minute", pattern=r"^\d+ ?(/|per) ?\w+$")

    # OpenID Connect sign-in (the LA's identity provider); off unless the issuer is set.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    # The ID token claim naming the person's role (a string, or a list such as groups);
    # oidc_role_values maps its values to the register's roles.
    oidc_role_claim: str = "roles"
    oidc_role_values: dict[str, str] = {
        "la_officer": "la_officer",
        "inspector": "inspector",
        "admin": "admin",
        "provider": "provider",
    }
    # For provider staff: the claim carrying their provider's id in the register.
    oidc_provider_claim: str = "provider_id"

    la_code: str = Field(default="999", pattern=r"^\d{3}$")
    la_name: str = "Demo Local Authority"
    full_time_hours: Decimal = Field(default=Decimal(25), gt=0, le=60)
    # Full-time hours by national curriculum year group (rule 10), a JSON object such as
    # {"R": 21, "3": 23.5, "7": 24, "10": 25}; a group not named takes the nearest lower one.
    full_time_hours_by_year_group: dict[str, Decimal] = Field(default_factory=dict)
    # A week's total above this is implausible (rule 14): stored, warned about, alerted.
    max_weekly_hours: Decimal = Field(default=Decimal(40), gt=0, le=168)

    # Alert thresholds (statutory defaults; an LA may set its own).
    long_run_weeks: int = Field(default=6, ge=1)
    unreported_alert_weeks: int = Field(default=2, ge=1)
    missed_school_days_alert: int = Field(default=15, ge=1)
    exclusion_provision_school_day: int = Field(default=6, ge=1)
    suppression_below: int = Field(default=5, ge=1)
    # A week's return is on time until the end of this many working days (Monday to Friday)
    # after the week ends; late from the day after.
    return_due_days: int = Field(default=2, ge=0, le=20)

    # Failed token requests allowed per client id and per source address (limits notation).
    token_failure_limit: str = Field(default="10/minute", pattern=r"^\d+ ?(/|per) ?\w+$")
    # Shared throttling store for several replicas; memory when unset.
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "REGISTER_REDIS_URL")
    )
    metrics_enabled: bool = False
    contact_email: str = "cnfte-register@example.org"

    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_batch_records: int = Field(default=5000, ge=1)
    # Date-of-birth clashes a provider may have in a day before it may send only children it
    # has sent before (docs/security.md: probing the register).
    conflict_budget: int = Field(default=10, ge=1)

    # Processes serving requests (one per core). Each holds up to twice the pool size in
    # database connections and admits that many requests at once; keep the total under the
    # database's max_connections. SQLite has one writer: one worker.
    workers: int = Field(
        default=1, ge=1, le=64, validation_alias=AliasChoices("WORKERS", "REGISTER_WORKERS")
    )
    database_pool_size: int = Field(default=10, ge=1, le=100)
    # Batch submissions a worker runs at once (CPU-bound; more would slow every read).
    concurrent_batches: int = Field(default=1, ge=1, le=100)
    # Finished summaries kept per process (0 turns the cache off, e.g. to measure without it).
    aggregate_cache_size: int = Field(default=256, ge=0)

    @field_validator("full_time_hours_by_year_group")
    @classmethod
    def _year_groups(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for group, hours in value.items():
            if group not in YEAR_GROUPS:
                raise ValueError(
                    f"key {group!r} is not a year group (one of {', '.join(YEAR_GROUPS)})"
                )
            if not 0 < hours <= 60:
                raise ValueError(f"key {group!r}: full-time hours must be above 0 and at most 60")
        return value

    @property
    def full_time(self) -> FullTime:
        """Full-time hours as the register's rules apply them."""
        return FullTime(
            self.full_time_hours,
            tuple(sorted(self.full_time_hours_by_year_group.items(), key=_year_order)),
        )

    @model_validator(mode="after")
    def one_worker_for_sqlite(self) -> "Settings":
        if self.database_url.startswith("sqlite") and self.workers > 1:
            raise ValueError("SQLite has one writer: run WORKERS=1, or use PostgreSQL")
        return self

    @model_validator(mode="after")
    def refuse_placeholder_key(self) -> "Settings":
        keys = [self.jwt_signing_key, self.jwt_previous_signing_key]
        for key in (k.get_secret_value() for k in keys if k is not None):
            if self.environment != "development" and (
                key == DEVELOPMENT_SIGNING_KEY or len(key) < 32
            ):
                raise ValueError(
                    "REGISTER_JWT_SIGNING_KEY (and any previous key) must be a secret of 32+ "
                    "characters outside development"
                )
        return self

    @model_validator(mode="after")
    def refuse_weak_admin_secret(self) -> "Settings":
        secret = self.admin_client_secret
        if self.environment in ("production", "sandbox") and (
            (secret is None) != (self.admin_client_id is None)
            or (secret is not None and len(secret.get_secret_value()) < MIN_ADMIN_SECRET)
        ):
            raise ValueError(
                f"REGISTER_ADMIN_CLIENT_SECRET must be a secret of {MIN_ADMIN_SECRET}+ "
                "characters, set with REGISTER_ADMIN_CLIENT_ID, outside development"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver named for PostgreSQL."""
        for prefix in ("postgresql://", "postgres://"):
            if self.database_url.startswith(prefix):
                return "postgresql+psycopg://" + self.database_url.removeprefix(prefix)
        return self.database_url

    @property
    def database_url_for_display(self) -> str:
        """The database URL with any password hidden, safe to print or log."""
        return make_url(self.database_url).render_as_string(hide_password=True)


def _year_order(named: tuple[str, Decimal]) -> int:
    return YEAR_GROUPS.index(named[0])


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()


def settings_or_exit() -> Settings:
    """The settings, or the process stops with one line naming each missing or weak setting:
    never a traceback, and never a value (pydantic would print the secrets beside it)."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = [_named(error) for error in exc.errors(include_input=False, include_url=False)]
        raise SystemExit("register cannot start: " + "; ".join(problems)) from None


def _named(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:  # a check across settings names them itself
        return message
    field = Settings.model_fields.get(str(error["loc"][0]))
    alias = field.validation_alias if field else None
    names = alias.choices if isinstance(alias, AliasChoices) else []
    name = str(names[0]) if names else f"REGISTER_{str(error['loc'][0]).upper()}"
    return f"{name}: {message}"

"""API clients and their tokens: slow-hashed secrets, short-lived signed JWTs, revocation."""

import hashlib
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from jose import ExpiredSignatureError, JWTError, jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.schemas import (
    ClientCreate,
    ClientCreated,
    ClientOut,
    Principal,
    Role,
    SecretRotated,
    TokenResponse,
)
from app.bulk import insert_into
from app.config import Settings
from app.errors import Conflict, InvalidClient, InvalidContent, NotFound, Unauthorized
from app.models import ApiClient, Provider

ALGORITHM = "HS256"
_hasher = PasswordHasher()
# The test suite creates clients in every test; only there is a cheap hash acceptable.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# Verified against when the client id (or a person's address) is unknown, so both
# failures take the same time.
UNKNOWN_SECRET_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_secret(secret: str, *, settings: Settings) -> str:
    """An argon2 hash of a client secret or a person's password."""
    # Verifying reads the cost from the stored hash, so this choice is made once, here.
    hasher = _test_hasher if settings.environment == "test" else _hasher
    return hasher.hash(secret)


def verify_secret(secret_hash: str | None, secret: str) -> bool:
    """Whether the secret matches the hash (False for no hash)."""
    try:
        return secret_hash is not None and _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def _utc(moment: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def authenticate(session: Session, *, client_id: str, client_secret: str) -> ApiClient:
    """The enabled client these credentials prove (its secret, or a rotated one still in its
    grace period), or InvalidClient."""
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None:
        verify_secret(UNKNOWN_SECRET_HASH, client_secret)
    elif client.disabled_at is None and (
        verify_secret(client.secret_hash, client_secret)
        or (
            client.previous_secret_expires_at is not None
            and _utc(client.previous_secret_expires_at) > _now()
            and verify_secret(client.previous_secret_hash, client_secret)
        )
    ):
        return client
    raise InvalidClient("Unknown client, wrong secret, or a disabled client.")


def key_id(key: str) -> str:
    """A signing key's `kid`: derived from the key, so rotating the key changes it."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def verification_keys(settings: Settings) -> dict[str, str]:
    """The keys a token may be signed with, by `kid`: the current one and, during a
    rotation, the previous one."""
    keys = [settings.jwt_signing_key, settings.jwt_previous_signing_key]
    return {key_id(k.get_secret_value()): k.get_secret_value() for k in keys if k is not None}


def issue_token(client: ApiClient, *, settings: Settings) -> TokenResponse:
    """A signed bearer token carrying the client's role, provider and token generation."""
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": client.client_id,
        "iat": now,
        "exp": now + settings.token_ttl_seconds,
        "role": client.role,
        "provider_id": client.provider_id,
        "scope": client.role,
        "gen": client.token_generation,
    }
    key = settings.jwt_signing_key.get_secret_value()
    token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": key_id(key)})
    return TokenResponse(
        access_token=token, expires_in=settings.token_ttl_seconds, scope=client.role
    )


def principal_from_token(token: str, *, session: Session, settings: Settings) -> Principal:
    """The caller a bearer token proves: only our algorithm and keys are accepted, and only
    while its client is enabled and has not had its tokens revoked."""
    invalid = Unauthorized("The access token is not valid.")
    keys = verification_keys(settings)
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        # Tokens issued before keys had ids were signed with the current key.
        key = keys[kid] if kid is not None else settings.jwt_signing_key.get_secret_value()
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require_exp": True, "require_iat": True, "require_sub": True},
        )
    except ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired; request a new one.") from exc
    except (JWTError, KeyError) as exc:
        raise invalid from exc
    try:
        role, provider_id = Role(claims["role"]), claims.get("provider_id")
    except (KeyError, ValueError) as exc:
        raise invalid from exc
    # A provider token must name exactly one provider; no other token may name one.
    if (role is Role.provider) != isinstance(provider_id, int):
        raise invalid
    client_id = str(claims["sub"])
    state = session.execute(
        select(ApiClient.disabled_at, ApiClient.token_generation).where(
            ApiClient.client_id == client_id
        )
    ).one_or_none()
    if state is None or state.disabled_at is not None:
        raise Unauthorized("The access token's client is unknown or disabled.")
    if claims.get("gen", 0) != state.token_generation:
        raise Unauthorized("The access token was revoked; request a new one.")
    return Principal(client_id=client_id, role=role, provider_id=provider_id)


def create_client(session: Session, *, request: ClientCreate, settings: Settings) -> ClientCreated:
    """A new client with a random secret; a provider client belongs to exactly one provider."""
    check_provider_for_role(session, role=request.role, provider_id=request.provider_id)
    client_id = f"{request.role.value}-{secrets.token_hex(8)}"
    client_secret = secrets.token_urlsafe(32)
    session.add(
        ApiClient(
            client_id=client_id,
            secret_hash=hash_secret(client_secret, settings=settings),
            name=request.name,
            role=request.role,
            provider_id=request.provider_id,
        )
    )
    session.flush()
    return ClientCreated(
        client_id=client_id,
        client_secret=client_secret,
        name=request.name,
        role=request.role,
        provider_id=request.provider_id,
    )


def check_provider_for_role(session: Session, *, role: Role, provider_id: int | None) -> None:
    """A provider client or person belongs to exactly one existing provider; no other does."""
    if role is Role.provider:
        if provider_id is None:
            raise InvalidContent(
                "A provider's client or person needs a provider.",
                errors=[{"pointer": "/provider_id", "detail": "required for role provider"}],
            )
        if session.get(Provider, provider_id) is None:
            raise InvalidContent(
                f"No provider {provider_id}.",
                errors=[{"pointer": "/provider_id", "detail": "no such provider"}],
            )
    elif provider_id is not None:
        raise InvalidContent(
            "Only a provider's client or person belongs to a provider.",
            errors=[{"pointer": "/provider_id", "detail": f"must be absent for {role}"}],
        )


def list_clients(session: Session) -> Sequence[ClientOut]:
    """Every client, oldest first, without secrets."""
    clients = session.scalars(select(ApiClient).order_by(ApiClient.id)).all()
    return [client_out(client) for client in clients]


def client_out(client: ApiClient) -> ClientOut:
    """A client as an administrator sees it: never its secret or hash."""
    grace_ends = client.previous_secret_expires_at
    return ClientOut(
        client_id=client.client_id,
        name=client.name,
        role=Role(client.role),
        provider_id=client.provider_id,
        created_at=_utc(client.created_at),
        enabled=client.disabled_at is None,
        disabled_at=_utc(client.disabled_at) if client.disabled_at else None,
        secret_rotated_at=_utc(client.secret_rotated_at) if client.secret_rotated_at else None,
        previous_secret_expires_at=(
            _utc(grace_ends) if grace_ends and _utc(grace_ends) > _now() else None
        ),
    )


def _client(session: Session, client_id: str) -> ApiClient:
    client = session.scalar(
        select(ApiClient).where(ApiClient.client_id == client_id).with_for_update()
    )
    if client is None:
        raise NotFound(f"No client {client_id}.")
    return client


def rotate_secret(
    session: Session, *, client_id: str, grace_seconds: int, settings: Settings
) -> SecretRotated:
    """A new secret for the client. Without a grace period the old secret and every token
    issued with it stop at once; with one, the old secret works until the period ends."""
    client = _client(session, client_id)
    new_secret = secrets.token_urlsafe(32)
    now = _now()
    if grace_seconds:
        client.previous_secret_hash = client.secret_hash
        client.previous_secret_expires_at = now + timedelta(seconds=grace_seconds)
    else:
        client.previous_secret_hash = client.previous_secret_expires_at = None
        client.token_generation += 1
    client.secret_hash = hash_secret(new_secret, settings=settings)
    client.secret_rotated_at = now
    session.flush()
    return SecretRotated(
        client_id=client.client_id,
        client_secret=new_secret,
        previous_secret_expires_at=client.previous_secret_expires_at,
    )


def set_enabled(session: Session, *, client_id: str, enabled: bool, caller: str) -> ClientOut:
    """Disable a client (its tokens are refused on their next request) or enable it again."""
    if not enabled and client_id == caller:
        raise Conflict("A client cannot disable itself; use another administrator's client.")
    client = _client(session, client_id)
    if enabled:
        client.disabled_at = None
    elif client.disabled_at is None:
        client.disabled_at = _now()
    session.flush()
    return client_out(client)


def ensure_admin(
    session: Session, *, client_id: str, client_secret: str, settings: Settings
) -> None:
    """Create the bootstrap admin, or reset its secret, role and state to the configured ones.
    Safe when several workers start at once: the row is created if absent, then locked."""
    session.execute(
        insert_into(session, ApiClient)
        .values(
            client_id=client_id, name="Bootstrap administrator", secret_hash="", role=Role.admin
        )
        .on_conflict_do_nothing(index_elements=["client_id"])
    )
    client = session.scalars(
        select(ApiClient).where(ApiClient.client_id == client_id).with_for_update()
    ).one()
    if not verify_secret(client.secret_hash, client_secret):
        client.secret_hash = hash_secret(client_secret, settings=settings)
        client.previous_secret_hash = client.previous_secret_expires_at = None
    client.role = Role.admin
    client.provider_id = None
    client.disabled_at = None
    session.flush()

"""API clients and their tokens: slow-hashed secrets, short-lived signed JWTs."""

import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from jose import ExpiredSignatureError, JWTError, jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.schemas import ClientCreate, ClientCreated, Principal, Role, TokenResponse
from app.bulk import insert_into
from app.config import Settings
from app.errors import InvalidContent, Unauthorized
from app.models import ApiClient, Provider

ALGORITHM = "HS256"
_hasher = PasswordHasher()
# The test suite creates clients in every test; only there is a cheap hash acceptable.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# Verified against when the client id is unknown, so both failures take the same time.
_UNKNOWN_CLIENT_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _hash_secret(secret: str, *, settings: Settings) -> str:
    # Verifying reads the cost from the stored hash, so this choice is made once, here.
    hasher = _test_hasher if settings.environment == "test" else _hasher
    return hasher.hash(secret)


def _verify_secret(secret_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, *, client_id: str, client_secret: str) -> ApiClient:
    """The client these credentials prove, or Unauthorized."""
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if not _verify_secret(client.secret_hash if client else _UNKNOWN_CLIENT_HASH, client_secret):
        raise Unauthorized("Unknown client or wrong secret.")
    assert client is not None
    return client


def issue_token(client: ApiClient, *, settings: Settings) -> TokenResponse:
    """A signed bearer token carrying the client's role and provider."""
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
    }
    token = jwt.encode(claims, settings.jwt_signing_key.get_secret_value(), algorithm=ALGORITHM)
    return TokenResponse(
        access_token=token, expires_in=settings.token_ttl_seconds, scope=client.role
    )


def principal_from_token(token: str, *, settings: Settings) -> Principal:
    """The caller a bearer token proves; only our own algorithm and key are accepted."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_signing_key.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require_exp": True, "require_iat": True, "require_sub": True},
        )
    except ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired; request a new one.") from exc
    except JWTError as exc:
        raise Unauthorized("The access token is not valid.") from exc
    try:
        role, provider_id = Role(claims["role"]), claims.get("provider_id")
    except (KeyError, ValueError) as exc:
        raise Unauthorized("The access token is not valid.") from exc
    # A provider token must name exactly one provider; no other token may name one.
    if (role is Role.provider) != isinstance(provider_id, int):
        raise Unauthorized("The access token is not valid.")
    return Principal(client_id=str(claims["sub"]), role=role, provider_id=provider_id)


def create_client(session: Session, *, request: ClientCreate, settings: Settings) -> ClientCreated:
    """A new client with a random secret; a provider client belongs to exactly one provider."""
    if request.role is Role.provider:
        if request.provider_id is None:
            raise InvalidContent(
                "A provider client needs a provider.",
                errors=[{"pointer": "/provider_id", "detail": "required for role provider"}],
            )
        if session.get(Provider, request.provider_id) is None:
            raise InvalidContent(
                f"No provider {request.provider_id}.",
                errors=[{"pointer": "/provider_id", "detail": "no such provider"}],
            )
    elif request.provider_id is not None:
        raise InvalidContent(
            "Only a provider client belongs to a provider.",
            errors=[{"pointer": "/provider_id", "detail": f"must be absent for {request.role}"}],
        )
    client_id = f"{request.role.value}-{secrets.token_hex(8)}"
    client_secret = secrets.token_urlsafe(32)
    session.add(
        ApiClient(
            client_id=client_id,
            secret_hash=_hash_secret(client_secret, settings=settings),
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


def ensure_admin(
    session: Session, *, client_id: str, client_secret: str, settings: Settings
) -> None:
    """Create the bootstrap admin, or reset its secret and role to the configured ones. Safe
    when several workers start at once: the row is created if absent, then locked."""
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
    if not _verify_secret(client.secret_hash, client_secret):
        client.secret_hash = _hash_secret(client_secret, settings=settings)
    client.role = Role.admin
    client.provider_id = None
    session.flush()

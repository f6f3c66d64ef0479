"""Which provider a change is made for, by whom."""

from app.auth.schemas import Principal, Role
from app.errors import Forbidden, InvalidContent


def acting_provider(principal: Principal, named: int | None, *, where: dict[str, str]) -> int:
    """The provider a change is made for: a provider's own, or the one an officer names."""
    if principal.role is Role.provider:
        assert principal.provider_id is not None
        if named not in (None, principal.provider_id):
            raise Forbidden("A provider may change only its own provision.")
        return principal.provider_id
    if named is None:
        raise InvalidContent(
            "An LA officer names the provider.",
            errors=[where | {"detail": "required when an officer makes this change"}],
        )
    return named

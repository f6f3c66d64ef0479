"""Unique Pupil Numbers: python-stdnum's check, widened to every English and Welsh LA, without
cleaning a UPN that is already written as one (the usual case, thousands per batch)."""

from typing import Annotated

from fastapi import Query
from stdnum.gb import upn as stdnum_upn

from app.errors import InvalidContent

# The check alphabet (I, O and S are never used): a character's place in it, modulo 23, is its
# value in the check sum (digits 0-9 are worth 0-9 that way).
ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ0123456789"
VALUES = {char: index % 23 for index, char in enumerate(ALPHABET)}
WEIGHTS = range(2, 14)

# python-stdnum knows the English LA numbers of 2011 only. UPNs travel with the child, so the
# register must also accept the English LAs created since 2019 (838 Dorset, 839 BCP,
# 940/941 Northamptonshire, 942/943 Cumbria) and the Welsh LAs (660-681).
LA_NUMBERS_STDNUM_LACKS = frozenset({838, 839, 940, 941, 942, 943, *range(660, 682)})


def _stdnum_knows(la: int) -> bool:
    body = f"{la:03d}200005001"
    return bool(stdnum_upn.is_valid(stdnum_upn.calc_check_digit(body) + body))


LA_NUMBERS = frozenset(la for la in range(1000) if _stdnum_knows(la)) | LA_NUMBERS_STDNUM_LACKS
_CHECK_LETTER_MESSAGE = "check letter does not match the rest of the UPN (is a digit mistyped?)"


def check_letter(body: str) -> str:
    """The check letter for the 12 characters after it."""
    return ALPHABET[sum(w * VALUES[c] for w, c in zip(WEIGHTS, body, strict=True)) % 23]


def normalise_upn(value: str) -> str:
    """The UPN without spaces, in capitals, if it is valid; otherwise ValueError saying why."""
    written = len(value) == 13 and value.isascii() and value.isalnum() and value.isupper()
    number = value if written else stdnum_upn.compact(value)
    if len(number) != 13:
        raise ValueError(f"a UPN has 13 characters, not {len(number)}")
    serial = number[1:12]
    if not (serial.isascii() and serial.isdigit()) or number[12] not in VALUES:
        raise ValueError(
            "characters 2-12 must be digits and the last a digit or a letter other than I, O, S"
        )
    if int(number[1:4]) not in LA_NUMBERS:
        raise ValueError(f"unknown LA number {number[1:4]}")
    if check_letter(number[1:]) != number[0]:
        raise ValueError(_CHECK_LETTER_MESSAGE)
    return number


def is_temporary_upn(upn: str) -> bool:
    """A temporary UPN ends in a letter instead of the last serial digit."""
    return upn[-1].isalpha()


UPN_EXAMPLE = "B801200005001"
UpnQuery = Annotated[str, Query(min_length=1, max_length=20, examples=[UPN_EXAMPLE])]


def valid_upn(upn: str) -> str:
    """The UPN in a path or query, normalised, or 422 naming the parameter."""
    try:
        return normalise_upn(upn)
    except ValueError as exc:
        raise InvalidContent(
            f"Not a valid UPN: {exc}", errors=[{"parameter": "upn", "detail": str(exc)}]
        ) from exc

"""Unique Pupil Numbers: python-stdnum's check, widened to every English and Welsh LA."""

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.gb import upn as stdnum_upn

# python-stdnum knows the English LA numbers of 2011 only. UPNs travel with the child, so the
# register must also accept the English LAs created since 2019 (838 Dorset, 839 BCP,
# 940/941 Northamptonshire, 942/943 Cumbria) and the Welsh LAs (660-681).
LA_NUMBERS_STDNUM_LACKS = frozenset({838, 839, 940, 941, 942, 943, *range(660, 682)})


def normalise_upn(value: str) -> str:
    """The UPN without spaces, in capitals, if it is valid; otherwise ValueError saying why."""
    number = stdnum_upn.compact(value)
    try:
        return str(stdnum_upn.validate(number))
    except InvalidComponent:
        if int(number[1:4]) not in LA_NUMBERS_STDNUM_LACKS:
            raise ValueError(f"unknown LA number {number[1:4]}") from None
        if stdnum_upn.calc_check_digit(number[1:]) != number[0]:
            raise ValueError(_CHECK_LETTER_MESSAGE) from None
        return number
    except InvalidLength:
        raise ValueError(f"a UPN has 13 characters, not {len(number)}") from None
    except InvalidFormat:
        raise ValueError(
            "characters 2-12 must be digits and the last a digit or a letter other than I, O, S"
        ) from None
    except InvalidChecksum:
        raise ValueError(_CHECK_LETTER_MESSAGE) from None
    except ValidationError:  # any other stdnum complaint is still the client's input
        raise ValueError("not a valid UPN") from None


_CHECK_LETTER_MESSAGE = "check letter does not match the rest of the UPN (is a digit mistyped?)"


def is_temporary_upn(upn: str) -> bool:
    """A temporary UPN ends in a letter instead of the last serial digit."""
    return upn[-1].isalpha()

"""Unique Pupil Numbers: what is accepted, how it is normalised, and why one is refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.gb import upn as stdnum_upn

from app.pupils.upn import LA_NUMBERS_STDNUM_LACKS, is_temporary_upn, normalise_upn
from tests.builders import make_temporary_upn, make_upn

# Worked examples, written out so the check-letter arithmetic is not only the library's own.
KNOWN_VALID = ["B801200005001", "L801200015001", "K80120001501A", "B838200015001", "H68120001503A"]
NEW_ENGLISH_LAS = [838, 839, 940, 941, 942, 943]
WELSH_LAS = list(range(660, 682))
# LAs since abolished: their children keep the UPNs they were given.
FORMER_ENGLISH_LAS = [835, 928, 909]


@pytest.mark.parametrize("upn", KNOWN_VALID)
def test_known_valid_upns_are_returned_unchanged(upn: str) -> None:
    assert normalise_upn(upn) == upn


@pytest.mark.parametrize(
    ("typed", "standard"),
    [
        ("b801200005001", "B801200005001"),
        ("B801 2000 05001", "B801200005001"),
        ("  b801 200 005 001 ", "B801200005001"),
        ("k80120001501a", "K80120001501A"),
    ],
)
def test_lowercase_and_spaces_are_normalised(typed: str, standard: str) -> None:
    assert normalise_upn(typed) == standard


@pytest.mark.parametrize("la", NEW_ENGLISH_LAS + WELSH_LAS + FORMER_ENGLISH_LAS + [201, 420, 801])
def test_every_english_and_welsh_la_number_is_accepted(la: int) -> None:
    assert normalise_upn(make_upn(9, la=la)) == make_upn(9, la=la)
    assert normalise_upn(make_temporary_upn(9, la=la)) == make_temporary_upn(9, la=la)


@pytest.mark.parametrize("la", [999, 0, 682, 659, 944, 100])
def test_an_unknown_la_number_is_refused_by_name(la: int) -> None:
    with pytest.raises(ValueError, match=f"unknown LA number {la:03d}"):
        normalise_upn(make_upn(9, la=la))


def wrong_check_letter(upn: str) -> str:
    return ("A" if upn[0] != "A" else "B") + upn[1:]


@pytest.mark.parametrize("la", [801, 838, 681])
def test_a_wrong_check_letter_is_refused_for_old_and_new_las(la: int) -> None:
    with pytest.raises(ValueError, match="check letter does not match"):
        normalise_upn(wrong_check_letter(make_upn(9, la=la)))


def test_a_mistyped_digit_is_caught_by_the_check_letter() -> None:
    upn = make_upn(9)
    mistyped = upn[:-1] + str((int(upn[-1]) + 1) % 10)
    with pytest.raises(ValueError, match="check letter"):
        normalise_upn(mistyped)


@pytest.mark.parametrize(("upn", "length"), [("B80120000500", 12), ("B8012000050011", 14), ("", 0)])
def test_the_wrong_length_is_refused_with_the_length_found(upn: str, length: int) -> None:
    with pytest.raises(ValueError, match=f"a UPN has 13 characters, not {length}"):
        normalise_upn(upn)


@pytest.mark.parametrize(
    "upn",
    [
        "B8012000050I1",  # a letter among the digits
        "B801200O05001",  # O typed for 0
        "K80120001501I",  # temporary UPNs never end in I, O or S
        "K80120001501O",
        "K80120001501S",
        "B801-20005001",
    ],
)
def test_letters_and_symbols_where_digits_belong_are_refused(upn: str) -> None:
    with pytest.raises(ValueError, match="characters 2-12 must be digits"):
        normalise_upn(upn)


def test_a_permanent_upn_is_not_temporary() -> None:
    assert is_temporary_upn(make_upn(9)) is False
    assert is_temporary_upn("B801200005001") is False


def test_a_upn_ending_in_a_letter_is_temporary() -> None:
    assert is_temporary_upn(make_temporary_upn(9)) is True
    assert is_temporary_upn(normalise_upn("k80120001501a")) is True


upn_like = st.text(alphabet="ABCDEHIOSXZ0123456789 ab", min_size=11, max_size=15)


@given(st.one_of(upn_like, st.integers(0, 999).map(lambda la: make_upn(7, la=la))), st.data())
def test_the_register_agrees_with_python_stdnum_but_for_the_las_it_lacks(
    candidate: str, data: st.DataObject
) -> None:
    # Mistype one character now and then, to test the check letter too.
    if data.draw(st.booleans()) and len(candidate) == 13:
        at = data.draw(st.integers(0, 12))
        candidate = candidate[:at] + data.draw(st.sampled_from("0189AX")) + candidate[at + 1 :]
    try:
        ours: str | None = normalise_upn(candidate)
    except ValueError:
        ours = None
    compact = stdnum_upn.compact(candidate)
    if ours is not None and int(ours[1:4]) in LA_NUMBERS_STDNUM_LACKS:
        return
    assert ours == (compact if stdnum_upn.is_valid(candidate) else None)

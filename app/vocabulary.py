"""The register's shared words: the code lists and the input types every domain speaks."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, PlainSerializer, WithJsonSchema

from app.inputs import RegisterDate, Text
from app.pupils.upn import normalise_upn


class ProviderKind(StrEnum):
    school = "school"
    pru = "pru"
    ap = "ap"
    hospital = "hospital"
    tuition = "tuition"
    yos = "yos"
    college = "college"
    custody = "custody"
    other = "other"


class ProvisionType(StrEnum):
    mainstream_school = "mainstream_school"
    special_school = "special_school"
    pru = "pru"
    alternative_provision = "alternative_provision"
    hospital_education = "hospital_education"
    home_tuition = "home_tuition"
    online_learning = "online_learning"
    college = "college"
    custody_education = "custody_education"
    yos_programme = "yos_programme"
    other = "other"


class Reason(StrEnum):
    permanent_exclusion = "permanent_exclusion"
    suspension = "suspension"
    medical = "medical"
    mental_health = "mental_health"
    part_time_timetable = "part_time_timetable"
    reintegration = "reintegration"
    pregnancy_or_young_parent = "pregnancy_or_young_parent"
    awaiting_school_place = "awaiting_school_place"
    no_suitable_place = "no_suitable_place"
    custody = "custody"
    new_to_country = "new_to_country"
    gypsy_roma_traveller = "gypsy_roma_traveller"
    elective_home_education = "elective_home_education"
    other = "other"


class ExclusionType(StrEnum):
    permanent = "permanent"
    suspension = "suspension"


class EndReason(StrEnum):
    returned_full_time = "returned_full_time"
    moved_to_other_provision = "moved_to_other_provision"
    moved_out_of_area = "moved_out_of_area"
    ceased_compulsory_school_age = "ceased_compulsory_school_age"
    elective_home_education = "elective_home_education"
    removed_from_roll = "removed_from_roll"
    whereabouts_unknown = "whereabouts_unknown"
    died = "died"
    other = "other"


# Exits that leave the LA not knowing where a child is being educated.
WHEREABOUTS_UNKNOWN = (EndReason.whereabouts_unknown, EndReason.removed_from_roll)


def _monday(day: date) -> date:
    if day.weekday() != 0:
        raise ValueError(f"week_commencing must be a Monday; {day} is a {day:%A}")
    return day


UPN = Annotated[
    str,
    Field(
        min_length=1,
        max_length=20,
        examples=["B801200005001"],
        description="A unique pupil number: a check letter, the LA's 3 digits, 4 for the "
        "establishment, 2 for the year and 3 for the serial (a temporary UPN ends in a letter). "
        "Spaces and lower case are accepted; a wrong check letter is refused (422).",
    ),
    AfterValidator(normalise_upn),
]
Monday = Annotated[
    RegisterDate,
    AfterValidator(_monday),
    Field(description="A Monday, the week's first day; any other day is refused (422)."),
]
# Hours come as a number or a decimal string, 0 to 60 with at most two decimal places; the
# description says as much as the server checks (pydantic would describe any string).
HOURS_PATTERN = r"^(60(\.0{1,2})?|[1-5]?[0-9](\.[0-9]{1,2})?)$"
HoursIn = Annotated[
    Decimal,
    Field(ge=0, le=60, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 60},
                {"type": "string", "pattern": HOURS_PATTERN},
            ],
            "examples": [12.5],
        },
        mode="validation",
    ),
]
# Hours leave the API as JSON numbers; Decimal is kept inside so 24.99 never rounds to 25.
Hours = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Name = Annotated[Text, Field(min_length=1, max_length=100)]
DateOfBirth = Annotated[date, Field(examples=[date(2013, 5, 1)])]
# The register serves children of compulsory school age and young people with EHC plans.
MAX_AGE = 25

"""ID-number validation with python-stdnum's cn.ric, with a reason the kiosk can show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stdnum.cn import ric
from stdnum.exceptions import ValidationError


class InvalidIdNumber(ValueError):
    """The number is not a valid 18-digit resident ID number; `reason` is a stable code."""

    MESSAGES = {
        "length": "身份证号码应为18位",
        "format": "身份证号码只能包含数字，最后一位可以是X",
        "checksum": "身份证号码校验位不正确，请核对",
        "birth_date": "身份证号码中的出生日期无效",
        "region": "身份证号码中的地区代码无效",
    }

    def __init__(self, reason: str):
        self.reason = reason
        self.message = self.MESSAGES[reason]
        super().__init__(f"{reason}: {self.message}")


@dataclass(frozen=True)
class IdNumber:
    number: str  # compact, upper-case X
    birth_date: dt.date
    province: str
    county: str
    gender: str  # "M" or "F", from the sequence digit's parity

    @property
    def masked(self) -> str:
        """Display form: region and check digit only (110105********002X would still leak birth)."""
        return f"{self.number[:6]}********{self.number[-4:]}"


def check_id_number(text: str, today: dt.date | None = None) -> IdNumber:
    """Validate `text` (spaces allowed, lower-case x accepted) or raise InvalidIdNumber."""
    number = "".join(text.split()).replace("-", "").upper()
    if len(number) != 18:
        raise InvalidIdNumber("length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber("format")
    # Date before checksum: a typo in the date is the more useful message when both are wrong.
    try:
        birth_date = ric.get_birth_date(number)
    except ValidationError:
        raise InvalidIdNumber("birth_date") from None
    if birth_date > (today or dt.date.today()) or birth_date.year < 1880:
        raise InvalidIdNumber("birth_date")
    if number[17] != ric.calc_check_digit(number):
        raise InvalidIdNumber("checksum")
    try:
        place = ric.get_birth_place(number)
    except ValidationError:
        raise InvalidIdNumber("region") from None
    gender = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number, birth_date, place.get("province", ""), place.get("county", ""), gender)

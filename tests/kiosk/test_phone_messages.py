"""The phone screen says what is wrong with a number as soon as its start shows it: a hotline or a
landline cannot be registered (a 400 number got "还差 1 位", a landline "请检查")."""

from __future__ import annotations

from typing import Any

import pytest

from db.personal import phone_entry_kind
from service.store import Store
from tests.kiosk.conftest import services_for
from tests.kiosk.helpers import open_window, tap, text, type_digits

LANDLINE = "请输入您的手机号：座机号码无法登记"
HOTLINE = "请输入您的手机号：热线号码无法登记"
EITHER = "请输入您的手机号：热线/座机号码无法登记"
FOREIGN = "请输入中国大陆手机号：境外号码无法登记"
INVALID = "这不是有效的手机号，请检查"


@pytest.mark.parametrize(("digits", "kind"), [
    ("", ""), ("1", "short"), ("1381234567", "short"), ("13812345678", "mobile"), ("19912345678", "mobile"),
    ("15412345678", "invalid"), ("138123456789", "invalid"),
    ("4", "not_mobile"), ("80", "not_mobile"), ("400", "service"), ("4001234567", "service"),
    ("800", "service"), ("95555", "service"), ("10086", "service"), ("110", "service"), ("12345", "service"),
    ("0", "landline"), ("02112345678", "landline"), ("01012345678", "landline"), ("21", "landline"),
    ("00", "foreign"), ("00852", "foreign"),
])
def test_a_number_is_told_by_its_start(digits: str, kind: str) -> None:
    assert phone_entry_kind(digits) == kind


# (what is typed, the hint after each prefix worth checking: {number of digits typed: hint})
CASES = {
    "hotline_400": ("4001234567", {1: EITHER, 3: HOTLINE, 10: HOTLINE}),
    "hotline_800": ("8008101234", {2: EITHER, 3: HOTLINE, 10: HOTLINE}),
    "landline_shanghai": ("02112345678", {1: LANDLINE, 11: LANDLINE}),
    "landline_beijing": ("01012345678", {1: LANDLINE, 11: LANDLINE}),
    "local_number": ("62345678", {1: LANDLINE, 8: LANDLINE}),
    "service_10086": ("10086", {2: HOTLINE, 5: HOTLINE}),
    "foreign": ("0085291234567", {2: FOREIGN, 11: FOREIGN}),
    "mobile": ("13812345678", {3: "还差 8 位", 10: "还差 1 位", 11: "号码正确"}),
    "no_such_prefix": ("15412345678", {10: "还差 1 位", 11: INVALID}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_phone_screen_names_what_is_wrong_at_once(qtbot: Any, store: Store, case: str) -> None:
    digits, hints = CASES[case]
    window = open_window(qtbot, services_for(store))
    tap(qtbot, window, "choice_phone")
    screen = window.screen("phone")
    for count, digit in enumerate(digits[:11], start=1):  # the keypad takes 11 digits
        type_digits(qtbot, window, digit)
        if count in hints:
            assert text(window, "phone_hint") == hints[count], f"after {digits[:count]}"
            assert screen.next.isEnabled() == (hints[count] == "号码正确")
    if not screen.next.isEnabled():  # 下一步 cannot be tapped: the screen keeps saying why
        screen._next()
        assert window.current == "phone" and text(window, "phone_hint") == hints[max(hints)]

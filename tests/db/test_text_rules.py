"""The shared rules for typed text (db/text_rules.py): each hostile character is refused by name."""

from __future__ import annotations

import pytest

from db import text_rules
from db.text_rules import TextRefused, check_text, clean_name, visible

# the characters issue 16 found accepted in names, and a few of their kind
HOSTILE = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
           "\u2067", "\u2068", "\u2069", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u2060",
           "\u2028", "\ud800"]


@pytest.mark.parametrize("char", HOSTILE)
def test_a_name_holding_a_hostile_character_is_refused_naming_it(char: str) -> None:
    with pytest.raises(TextRefused) as refused:
        clean_name(f"链家{char}一店", "渠道名称", "channel name")
    message = str(refused.value)
    assert f"U+{ord(char):04X}" in message
    assert message.index("渠道名称") < message.index("channel name")  # Chinese first


@pytest.mark.parametrize("char", HOSTILE)
def test_free_text_refuses_the_same_characters(char: str) -> None:
    with pytest.raises(TextRefused, match=f"U\\+{ord(char):04X}"):
        check_text(f"理由{char}如下", "理由", "reason")


def test_free_text_keeps_line_breaks_and_tabs_a_name_does_not() -> None:
    assert check_text("  第一行\n第二行\t完  ", "理由", "reason") == "第一行\n第二行\t完"
    with pytest.raises(TextRefused, match="U\\+000A"):
        clean_name("张\n伟", "姓名", "name")


def test_limits() -> None:
    assert clean_name(" 张" + "伟" * (text_rules.NAME_MAX - 1) + " ", "姓名", "name") == "张" + "伟" * 63
    with pytest.raises(TextRefused, match=f"最多 {text_rules.NAME_MAX} 个字"):
        clean_name("伟" * (text_rules.NAME_MAX + 1), "姓名", "name")
    with pytest.raises(TextRefused, match="请输入姓名"):
        clean_name("   ", "姓名", "name")
    assert len(check_text("A" * text_rules.TEXT_MAX, "理由", "reason")) == text_rules.TEXT_MAX
    with pytest.raises(TextRefused, match=f"最多 {text_rules.TEXT_MAX} 个字"):
        check_text("A" * (text_rules.TEXT_MAX + 1), "理由", "reason")


def test_a_caller_chooses_its_exception() -> None:
    class Mine(ValueError):
        pass

    with pytest.raises(Mine, match="U\\+202E"):
        clean_name("a\u202eb", "姓名", "name", error=Mine)


def test_visible_writes_hidden_characters_as_code_points() -> None:
    assert visible("王\x1b[31m丽\u202e") == "王<U+001B>[31m丽<U+202E>"
    assert visible("一\n二", multiline=True) == "一\n二"
    assert visible("一\n二") == "一<U+000A>二"
    assert visible("张伟") == "张伟"

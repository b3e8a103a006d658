"""Hostile text at every entry of db/ (issue 16, item 9): a control, bidi-override or zero-width
character in a name, or an over-long reason, is refused by the shared check (db/text_rules.py) with
its code point named, Chinese first, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from db import notes
from db.database import read_session
from db.models import JournalEntry, Note
from db.text_rules import TEXT_MAX
from judge.reasons import EngineError
from service import appeals, blacklist_admin, channels_admin, reception, staff_admin, users
from service.desk import Desk
from service.store import InvalidName, Store
from tests.db.stores import new_store

OWNED = "13812345678"
PASSWORD = "pw-123456"
HOSTILE = ["\x1b", "\u202e", "\u2066", "\u200b", "\ufeff"]  # each kind; all of them: test_text_rules


def _code(char: str) -> str:
    return f"U\\+{ord(char):04X}"


@pytest.fixture
def store(sqlite_url: str, tmp_path: Path) -> Store:
    s = new_store(sqlite_url, tmp_path / "keys", ("李强", "王丽"), {"链家": ["小周"]})
    for name, role, consultant in (("管理员", "admin", None), ("经理", "manager", None),
                                   ("王丽", "consultant", "王丽")):
        users.add_user(s, name, role, PASSWORD, consultant=consultant)
    s.register_visit(OWNED, consultant="李强", name="张先生")
    return s


def desk(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, PASSWORD))


def written(store: Store) -> tuple[int, int]:
    with read_session(store.engine) as session:
        return (int(session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0),
                int(session.scalar(sa.select(sa.func.count()).select_from(Note)) or 0))


@pytest.mark.parametrize("char", HOSTILE)
def test_registry_names_refuse_hostile_characters_in_the_store(store: Store, char: str) -> None:
    before = written(store)
    for add in (lambda: store.add_consultant(f"王{char}五"), lambda: store.add_channel(f"贝{char}壳", ["甲"]),
                lambda: store.add_channel("链家", [f"小{char}李"])):
        with pytest.raises(InvalidName, match=_code(char)):
            add()
    with pytest.raises(EngineError, match=_code(char)):
        users.add_user(store, f"前台{char}", "receptionist", PASSWORD)  # the admin CLI's `user add`
    assert written(store) == before


@pytest.mark.parametrize("char", HOSTILE)
def test_the_console_forms_refuse_them_on_their_field(store: Store, char: str) -> None:
    admin, manager = desk(store, "管理员"), desk(store, "经理")
    cases = [(lambda: staff_admin.add_consultant(admin, f"赵{char}六"), "name"),
             (lambda: staff_admin.add_user(admin, f"用户{char}", "manager", PASSWORD), "name"),
             (lambda: channels_admin.add_channel(manager, f"我爱我家{char}", ["甲"]), "channel"),
             (lambda: channels_admin.add_channel(manager, "我爱我家", [f"甲{char}"]), "agent"),
             (lambda: channels_admin.add_agent(manager, "链家", f"小{char}王"), "agent")]
    before = written(store)
    for act, field in cases:
        with pytest.raises(staff_admin.FieldRefused, match=_code(char)) as refused:
            act()
        assert refused.value.field == field
    assert written(store) == before


@pytest.mark.parametrize("char", HOSTILE)
def test_a_customer_name_from_a_kiosk_or_a_report_is_refused(store: Store, char: str) -> None:
    before = written(store)
    with pytest.raises(ValueError, match=_code(char)):
        store.register_visit("13912345678", name=f"刘{char}先生", actor="kiosk")
    with pytest.raises(ValueError, match=_code(char)):
        store.record_report("链家", "小周", "13912345678", name=f"刘{char}先生")
    with pytest.raises(ValueError, match=_code(char)):
        store.register_visit("13912345678", source=f"线上{char}", actor="kiosk")
    assert written(store) == before


@pytest.mark.parametrize("char", HOSTILE)
def test_source_names_refuse_them(store: Store, char: str) -> None:
    before = written(store)
    with pytest.raises(EngineError, match=_code(char)):
        reception.set_sources(store, [reception.Source("自然来访"), reception.Source(f"抖音{char}")])
    assert written(store) == before


@pytest.mark.parametrize("char", ["\x1b", "\u202e", "\u200b"])
def test_reasons_refuse_hidden_characters_but_keep_line_breaks(store: Store, char: str) -> None:
    customer = store.customer_id(OWNED)
    assert customer is not None
    before = written(store)
    with pytest.raises(EngineError, match=_code(char)):
        appeals.file_appeal(desk(store, "王丽"), customer, f"客户由我{char}邀约")
    with pytest.raises(EngineError, match=_code(char)):
        desk(store, "经理").reveal(customer, f"回访{char}核对")
    with pytest.raises(EngineError, match=_code(char)):
        blacklist_admin.set_listed(desk(store, "经理"), reason=f"虚假{char}报备", agent="小周")
    with pytest.raises(EngineError, match=_code(char)):
        store.follow_up(OWNED, "李强", f"电话{char}回访")
    assert written(store) == before
    appeals.file_appeal(desk(store, "王丽"), customer, "客户首访前\n由我电话邀约")
    assert written(store) == (before[0] + 1, before[1] + 1)


def test_reasons_are_limited(store: Store) -> None:
    customer = store.customer_id(OWNED)
    assert customer is not None
    before = written(store)
    with pytest.raises(EngineError, match=f"最多 {TEXT_MAX} 个字"):
        appeals.file_appeal(desk(store, "王丽"), customer, "理" * (TEXT_MAX + 1))
    with pytest.raises(EngineError, match=f"最多 {TEXT_MAX} 个字"):
        store.follow_up(OWNED, "李强", "回" * (TEXT_MAX + 1))
    assert written(store) == before
    result = appeals.file_appeal(desk(store, "王丽"), customer, "A" * TEXT_MAX)  # the limit itself passes
    with read_session(store.engine) as session:
        assert notes.note_texts(session, store.keyring, [
            entry for entry in session.scalars(sa.select(Note.ref))]) != {}
    assert result.outcome.new_cases

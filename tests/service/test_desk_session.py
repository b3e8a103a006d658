"""A signed-in user's Desk re-reads the user on every act: a user disabled meanwhile is refused (the
session is over) and a changed role counts from the next act, before anything is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from db.database import read_session, run_write
from db.models import JournalEntry, UserAccount
from service import users
from service.desk import Desk
from service.roles import PermissionDenied, SessionEnded
from service.store import Store
from tests.db.stores import new_store

SECRET = "pw-123456"


@pytest.fixture(autouse=True)
def quick_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("李强", "王丽"))
    users.add_user(s, "管理员", "admin", SECRET)
    users.add_user(s, "经理", "manager", SECRET)
    yield s
    s.dispose()


def signed_in(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, SECRET))


def journal_size(store: Store) -> int:
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0)


def change_role(store: Store, name: str, role: str) -> None:
    """No command changes a role yet: as an administrator's SQL would, from another station."""
    run_write(store.engine, lambda session: session.execute(
        sa.update(UserAccount).where(UserAccount.name == name).values(role=role)), site_lock=False)


def test_a_user_disabled_meanwhile_is_refused_at_the_next_write(store: Store) -> None:
    manager = signed_in(store, "经理")
    manager.set_duty(["王丽", "李强"])
    users.disable_user(store, "经理", actor="管理员")
    before = journal_size(store)
    with pytest.raises(SessionEnded, match="已停用"):
        manager.set_duty(["李强"])
    assert journal_size(store) == before
    assert store.site().rotation == ["王丽", "李强"]


def test_a_demoted_manager_is_refused_a_managers_act_at_the_next_write(store: Store) -> None:
    manager = signed_in(store, "经理")
    manager.set_duty(["王丽", "李强"])
    change_role(store, "经理", "receptionist")
    before = journal_size(store)
    with pytest.raises(PermissionDenied, match="receptionist"):
        manager.set_duty(["李强"])
    assert journal_size(store) == before and manager.role == "receptionist"
    manager.set_busy("李强", True)  # what a receptionist may do, they still may


def test_a_promotion_counts_from_the_next_act_too(store: Store) -> None:
    change_role(store, "经理", "receptionist")
    desk = signed_in(store, "经理")
    with pytest.raises(PermissionDenied):
        desk.set_duty(["李强"])
    change_role(store, "经理", "manager")
    desk.set_duty(["李强"])
    assert store.site().rotation == ["李强"]


def test_the_journal_names_the_signed_in_user(store: Store) -> None:
    signed_in(store, "经理").set_duty(["李强"])
    with read_session(store.engine) as session:
        entry = session.scalars(sa.select(JournalEntry).order_by(JournalEntry.seq.desc()).limit(1)).one()
    assert (entry.kind, entry.actor) == ("duty", "经理")

"""Station users: argon2 secrets, the hold-off after wrong secrets, journalled changes, the CLI."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from admin.cli import main
from db import migrate
from db.database import make_engine
from db.keys import Keyring
from db.models import JournalEntry, UserAccount
from service import users
from service.store import ManualClock, Store
from service.users import AuthError, UserError
from tests.service.test_store import T0, advance

SECRET = "correct horse 7"


@pytest.fixture(autouse=True)
def quick_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the hold-off logic, not the hashing cost, is under test here."""
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=ManualClock(T0), station="test")
    s.add_consultant("王丽")
    yield s
    s.dispose()


def journal_payloads(store: Store, kind: str) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(JournalEntry.payload).where(JournalEntry.kind == kind)
                                 .order_by(JournalEntry.seq)).scalars())


def test_the_right_secret_logs_in_and_changes_are_journalled_without_it(store: Store) -> None:
    added = users.add_user(store, "wangli", "consultant", SECRET, consultant="王丽")
    users.add_user(store, "front", "receptionist", "2468")
    users.set_secret(store, "front", "1357", actor="admin")
    users.disable_user(store, "front", actor="admin")
    assert added == users.User("wangli", "consultant", "王丽", True)
    assert users.authenticate(store, "wangli", SECRET) == added
    assert users.list_users(store) == [users.User("front", "receptionist", None, False), added]
    payloads = journal_payloads(store, "user")
    assert [p.count('"action"') for p in payloads] == [1, 1, 1, 1]
    assert '"set_secret"' in payloads[2] and '"disable"' in payloads[3]
    text = "".join(payloads)
    assert SECRET not in text and "1357" not in text and "argon2" not in text
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(UserAccount.secret_hash).where(UserAccount.name == "wangli")).scalar_one()
    assert stored.startswith("$argon2id$") and SECRET not in stored


def test_wrong_secrets_are_held_off_longer_and_longer(store: Store) -> None:
    users.add_user(store, "front", "receptionist", SECRET)
    for _ in range(4):
        with pytest.raises(AuthError, match="密码错误") as refused:
            users.authenticate(store, "front", "nope")
        assert refused.value.retry_after is None
    with pytest.raises(AuthError) as fifth:
        users.authenticate(store, "front", "nope")
    assert fifth.value.retry_after == 30
    with pytest.raises(AuthError, match="再试") as held:
        users.authenticate(store, "front", SECRET)  # even the right secret waits out the hold-off
    assert held.value.retry_after == 30
    advance(store, seconds=20)
    with pytest.raises(AuthError) as still:
        users.authenticate(store, "front", SECRET)
    assert still.value.retry_after == 10
    advance(store, seconds=11)
    with pytest.raises(AuthError) as sixth:
        users.authenticate(store, "front", "nope")
    assert sixth.value.retry_after == 60  # doubled
    advance(store, seconds=61)
    assert users.authenticate(store, "front", SECRET).name == "front"
    for _ in range(4):  # the count starts again after a good login
        with pytest.raises(AuthError):
            users.authenticate(store, "front", "nope")
    assert users.authenticate(store, "front", SECRET).name == "front"


def test_hold_off_grows_to_a_ceiling() -> None:
    assert [users.hold_seconds(n) for n in (0, 4, 5, 6, 7)] == [0, 0, 30, 60, 120]
    assert users.hold_seconds(40) == users.LONGEST_HOLD_S


def test_a_new_secret_lifts_the_hold_off(store: Store) -> None:
    users.add_user(store, "front", "receptionist", SECRET)
    for _ in range(5):
        with pytest.raises(AuthError):
            users.authenticate(store, "front", "nope")
    users.set_secret(store, "front", "new secret", actor="admin")
    assert users.authenticate(store, "front", "new secret").name == "front"


def test_refusals_say_why(store: Store) -> None:
    users.add_user(store, "boss", "admin", SECRET)
    users.add_user(store, "front", "receptionist", SECRET)
    users.disable_user(store, "front", actor="boss")
    with pytest.raises(AuthError, match="已停用"):
        users.authenticate(store, "front", SECRET)
    with pytest.raises(AuthError, match="没有此用户"):
        users.authenticate(store, "nobody", SECRET)
    with pytest.raises(UserError, match="最后一个管理员"):
        users.disable_user(store, "boss", actor="boss")
    with pytest.raises(UserError, match="未知角色"):
        users.add_user(store, "x", "owner", SECRET)
    with pytest.raises(UserError, match="已存在"):
        users.add_user(store, "boss", "manager", SECRET)
    with pytest.raises(UserError, match="至少"):
        users.add_user(store, "y", "manager", "12")
    with pytest.raises(UserError, match="未知置业顾问"):
        users.add_user(store, "zhang", "consultant", SECRET)  # no consultant named zhang
    assert [u.name for u in users.list_users(store)] == ["boss", "front"]
    assert len(journal_payloads(store, "user")) == 3  # refused changes journal nothing


def test_first_admin_has_no_secret_until_one_is_set(store: Store) -> None:
    assert users.ensure_first_admin(store) is True
    assert users.ensure_first_admin(store) is False
    with pytest.raises(AuthError, match="anchang user passwd admin"):
        users.authenticate(store, "admin", "")
    users.set_secret(store, "admin", SECRET, actor="admin")
    assert users.authenticate(store, "admin", SECRET).role == "admin"


def test_cli_init_add_passwd_disable_list(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    assert "anchang user passwd admin" in capsys.readouterr().out
    assert main(["init"]) == 0
    assert "anchang user passwd" not in capsys.readouterr().out  # only the first init creates admin

    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pin\n"))
    assert main(["user", "add", "front", "--role", "receptionist", "--secret-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("admin pass\n"))
    assert main(["user", "passwd", "admin", "--secret-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pin\n"))
    assert main(["user", "add", "x", "--role", "boss", "--secret-stdin"]) == 2
    assert "未知角色" in capsys.readouterr().err
    assert main(["user", "disable", "front"]) == 0
    capsys.readouterr()
    assert main(["user", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].startswith("admin\t管理员 / admin\t启用") and listing[1].startswith("front\t前台")
    assert "停用" in listing[1]

    engine = make_engine(db_url)
    s = Store(engine, Keyring.load(data_dir), station="test")
    try:
        assert users.authenticate(s, "admin", "admin pass").role == "admin"
        with pytest.raises(AuthError, match="已停用"):
            users.authenticate(s, "front", "s3cret-pin")
    finally:
        s.dispose()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["user", "passwd", "admin", "--secret-stdin"]) == 2
    assert "标准输入没有密码" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("whatever\n"))
    assert main(["user", "passwd", "nobody", "--secret-stdin"]) == 2
    assert "没有此用户" in capsys.readouterr().err


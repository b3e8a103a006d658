"""`anchang key-bundle`: the 生成密钥包 of a server PC without a screen. A manager or administrator signs in
(the same secret and hold-off as the console), the export is journalled under them, the file is the
owner's only and never overwritten, and a second computer joins with it once."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from admin.cli import main
from db.database import make_engine
from db.journal import JournalEntry
from service.stations import KEYS_EXPORTED
from tests.admin.test_cli_join import computer, first_site, join, listing


def key_bundle(monkeypatch: pytest.MonkeyPatch, user: str, secret: str, out: Path) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
    return main(["key-bundle", "--user", user, "--out", str(out), "--secret-stdin"])


def add_user(monkeypatch: pytest.MonkeyPatch, name: str, role: str, secret: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
    assert main(["user", "add", name, "--role", role, "--secret-stdin"]) == 0


def exports(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.select(JournalEntry.actor)
                                           .where(JournalEntry.kind == KEYS_EXPORTED)).scalars())
    finally:
        engine.dispose()


def test_a_manager_makes_a_bundle_that_a_second_computer_joins_with_once(
        pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    first_site(pg_url, tmp_path, monkeypatch)
    add_user(monkeypatch, "经理", "manager", "secret-1234")
    out = tmp_path / "site.anchang-keys"
    capsys.readouterr()
    assert key_bundle(monkeypatch, "经理", "secret-1234", out) == 0
    said = capsys.readouterr().out
    passphrase = said.split("shown only now): ")[1].split()[0]
    assert len(passphrase.replace("-", "")) == 16 and passphrase not in out.read_text("ascii")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert exports(pg_url) == ["经理"]

    before = out.read_bytes()  # a second export never overwrites a bundle someone may still need
    assert key_bundle(monkeypatch, "经理", "secret-1234", out) == 2
    assert out.read_bytes() == before and exports(pg_url) == ["经理"]

    computer(tmp_path / "second-pc", monkeypatch)
    assert join(out, pg_url, passphrase, monkeypatch, "--name", "前台2") == 0
    third = computer(tmp_path / "third-pc", monkeypatch)
    assert join(out, pg_url, passphrase, monkeypatch) == 2  # joins once
    assert listing(third) is None


@pytest.mark.parametrize(("role", "secret", "said"), [
    ("receptionist", "secret-1234", "may not export the site keys"),
    ("manager", "wrong-secret", "wrong secret"),
])
def test_who_may_not_or_a_wrong_secret_makes_no_bundle(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str], role: str, secret: str,
                                                      said: str) -> None:
    first_site(db_url, tmp_path, monkeypatch)
    add_user(monkeypatch, "someone", role, "secret-1234")
    out = tmp_path / "site.anchang-keys"
    capsys.readouterr()
    assert key_bundle(monkeypatch, "someone", secret, out) == 1
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
    assert not out.exists() and exports(db_url) == []

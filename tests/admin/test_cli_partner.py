"""`anchang partner`: a channel manager signs in and adds a channel's key (printed once, then found by the
server's check), lists, suspends, resumes and revokes it; a receptionist, a wrong secret and an unknown
channel are refused with one line and nothing written."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from admin.cli import main
from operations.common import open_store
from service import partners, users

SECRET = "pw-123456"


@pytest.fixture
def site(sqlite_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", sqlite_url)
    assert main(["init"]) == 0
    with open_store() as store:
        store.add_channel("链家", ["张三"])
        users.add_user(store, "渠道经理", "channel_manager", SECRET)
        users.add_user(store, "前台", "receptionist", SECRET)
    return sqlite_url


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str,
        secret: str = SECRET) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
    code = main(["partner", "--user", args[0], "--secret-stdin", *args[1:]])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_channel_key_is_printed_once_and_managed(site: str, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(monkeypatch, capsys, "渠道经理", "add", "链家接口", "--channel", "链家")
    assert code == 0, out
    key = re.search(r"(ak_\S+)", out)
    key_id = re.search(r"(pk_[0-9a-f]{12})", out)
    assert key is not None and key_id is not None
    with open_store() as store:
        found = partners.authenticate(store, key.group(1))
        assert found is not None and (found.kind, found.channel) == ("channel", "链家")
    code, out = run(monkeypatch, capsys, "渠道经理", "list")
    assert code == 0 and key_id.group(1) in out and "链家" in out and key.group(1) not in out
    assert run(monkeypatch, capsys, "渠道经理", "suspend", key_id.group(1))[0] == 0
    with open_store() as store:
        assert partners.authenticate(store, key.group(1)) is None
    assert run(monkeypatch, capsys, "渠道经理", "resume", key_id.group(1))[0] == 0
    assert run(monkeypatch, capsys, "渠道经理", "revoke", key_id.group(1))[0] == 0
    code, out = run(monkeypatch, capsys, "渠道经理", "resume", key_id.group(1))
    assert code == 1 and "已吊销" in out


def test_refusals_are_one_line_and_write_nothing(site: str, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(monkeypatch, capsys, "前台", "add", "小程序", "--kind", "appointments")
    assert code == 1 and "Traceback" not in out
    code, out = run(monkeypatch, capsys, "渠道经理", "add", "某中介", "--channel", "没有的渠道")
    assert code == 1 and "没有此渠道" in out
    code, out = run(monkeypatch, capsys, "渠道经理", "list", secret="wrong-secret")
    assert code == 1 and "Traceback" not in out
    code, out = run(monkeypatch, capsys, "渠道经理", "list")
    assert code == 0 and "没有合作方密钥" in out

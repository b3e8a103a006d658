"""A second computer on a site's database: `anchang init` refuses to make a second site there and makes
nothing; `anchang join BUNDLE_FILE` joins unattended, and each refusal (wrong passphrase, another site's
bundle, a used one, an unreachable database) leaves the data folder as it was."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest

import operations.first_run
from admin.cli import main
from db import station_registry
from db.database import make_engine
from db.keys import KEY_FILES, Keyring
from operations.common import AdminError
from service import key_bundle, site_settings
from service.store import Store

UNREACHABLE = "postgresql+psycopg://anchang@127.0.0.1:1/anchang"  # nothing listens on port 1


def computer(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """From here on the commands run as the computer whose data folder is `folder`."""
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(folder))
    monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
    return folder


def listing(folder: Path) -> list[str] | None:
    """Everything under `folder` (None when it does not exist): compared before and after a refusal."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")) if folder.exists() else None


def first_site(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The site's first computer: `anchang init --database-url`; returns its data folder."""
    folder = computer(tmp_path / "first-pc", monkeypatch)
    assert main(["init", "--database-url", url]) == 0
    return folder


def bundle_file(keys: Path, tmp_path: Path, name: str = "site.anchang-keys") -> tuple[Path, str]:
    """A key bundle of the keys in `keys` (the export code the 站点 page runs) and its passphrase."""
    passphrase = key_bundle.new_passphrase()
    path = tmp_path / name
    path.write_text(key_bundle.export_text(Keyring.load(keys), passphrase) + "\n", "utf-8")
    return path, passphrase


def join(bundle: Path, url: str, passphrase: str, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(passphrase + "\n"))
    return main(["join", str(bundle), "--database-url", url, "--passphrase-stdin", *extra])


# ------------------------------------------------------------------------------------------ init
def test_init_on_a_database_that_holds_a_site_makes_nothing(db_url: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    first_site(db_url, tmp_path, monkeypatch)
    capsys.readouterr()
    second = computer(tmp_path / "second-pc", monkeypatch)
    assert main(["init", "--database-url", db_url]) == 1
    err = capsys.readouterr().err
    assert err.index("已有站点") < err.index("already holds a site")  # Chinese first
    assert "anchang join BUNDLE_FILE" in err and "加入已有站点" in err and "生成密钥包" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not second.exists()  # no keys, no anchang.toml, no folder

    second.mkdir()  # an empty folder made beforehand stays empty
    assert main(["init", "--database-url", db_url]) == 1
    assert listing(second) == []


def test_init_with_another_sites_keys_says_to_move_them_aside(db_url: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The state an older version's `init` on the second PC left: its own keys and settings."""
    first_site(db_url, tmp_path, monkeypatch)
    second = computer(tmp_path / "second-pc", monkeypatch)
    Keyring.create(second)
    (second / "anchang.toml").write_text(f'[database]\nurl = "{db_url}"\n', "utf-8")
    before = listing(second)
    capsys.readouterr()
    assert main(["init"]) == 1
    err = capsys.readouterr().err
    assert "本机密钥属于另一个站点" in err and f"move the folder {second} aside" in err and "anchang join" in err
    assert listing(second) == before


def test_init_run_again_on_its_own_site_still_works(db_url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = first_site(db_url, tmp_path, monkeypatch)
    keys = {name: (folder / name).read_bytes() for name in KEY_FILES}
    assert main(["init"]) == 0
    assert {name: (folder / name).read_bytes() for name in KEY_FILES} == keys


def test_a_failed_init_takes_back_what_it_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema step fails (here: the first administrator cannot be made) before the database holds the
    new keys' check values: keys, settings and the SQLite file are removed, the folder too."""
    folder = computer(tmp_path / "new-pc" / "anchang", monkeypatch)

    def refused(*_args: object, **_kwargs: object) -> None:
        raise AdminError("数据库结构创建失败 / the schema could not be made")

    monkeypatch.setattr("operations.setup.record_key_check", refused)
    assert main(["init", "--database-url", f"sqlite:///{folder / 'anchang.sqlite3'}"]) == 1
    assert not (tmp_path / "new-pc").exists()


# ------------------------------------------------------------------------------------------ join
@pytest.mark.postgres
def test_join_with_the_passphrase_on_stdin_makes_a_station_that_writes(pg_url: str, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    first = first_site(pg_url, tmp_path, monkeypatch)
    bundle, passphrase = bundle_file(first, tmp_path)
    second = computer(tmp_path / "second-pc", monkeypatch)
    assert join(bundle, pg_url, passphrase.lower(), monkeypatch, "--name", "前台2") == 0, capsys.readouterr().err
    assert "已加入站点 / joined the site" in capsys.readouterr().out
    settings = tomllib.loads((second / "anchang.toml").read_text("utf-8"))
    assert settings["database"]["url"] == pg_url
    assert settings["console"]["station"] == "console-前台2" and settings["kiosk"]["station"] == "kiosk-前台2"
    assert station_registry.computer_id(second) is not None
    store = Store.open(pg_url, second, station="console-前台2", kind="console")
    try:
        site_settings.set_project_title(store, "滨江壹号", actor="admin")
    finally:
        store.dispose()
    engine = make_engine(pg_url)
    try:
        assert site_settings.project_title(engine) == "滨江壹号"  # the site reads what the station wrote
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_join_asks_for_the_passphrase_hidden(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = first_site(pg_url, tmp_path, monkeypatch)
    bundle, passphrase = bundle_file(first, tmp_path)
    second = computer(tmp_path / "second-pc", monkeypatch)
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or passphrase)
    assert main(["join", str(bundle), "--database-url", pg_url, "--name", "kiosk2"]) == 0
    assert prompts and "口令" in prompts[0]
    assert all((second / name).exists() for name in KEY_FILES)


@pytest.mark.postgres
def test_a_wrong_passphrase_leaves_nothing(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    first = first_site(pg_url, tmp_path, monkeypatch)
    bundle, passphrase = bundle_file(first, tmp_path)
    second = computer(tmp_path / "second-pc", monkeypatch)
    wrong = ("0" if passphrase[0] != "0" else "1") + passphrase[1:]
    capsys.readouterr()
    assert join(bundle, pg_url, wrong, monkeypatch) == 2
    err = capsys.readouterr().err
    assert "口令错误" in err and err.count("\n") == 1
    assert not second.exists()
    second.mkdir()
    assert join(bundle, pg_url, wrong, monkeypatch) == 2
    assert listing(second) == []


@pytest.mark.postgres
def test_another_sites_bundle_leaves_nothing(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    first_site(pg_url, tmp_path, monkeypatch)
    Keyring.create(tmp_path / "other-site")
    bundle, passphrase = bundle_file(tmp_path / "other-site", tmp_path, "other.anchang-keys")
    second = computer(tmp_path / "second-pc", monkeypatch)
    capsys.readouterr()
    assert join(bundle, pg_url, passphrase, monkeypatch) == 2
    assert "另一个站点" in capsys.readouterr().err
    assert not second.exists()


@pytest.mark.postgres
def test_a_used_bundle_leaves_nothing(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    first = first_site(pg_url, tmp_path, monkeypatch)
    bundle, passphrase = bundle_file(first, tmp_path)
    computer(tmp_path / "second-pc", monkeypatch)
    assert join(bundle, pg_url, passphrase, monkeypatch, "--name", "second") == 0
    third = computer(tmp_path / "third-pc", monkeypatch)
    third.mkdir()
    (third / "notes.txt").write_text("kept", "utf-8")  # something of the user's, there before
    before = listing(third)
    capsys.readouterr()
    assert join(bundle, pg_url, passphrase, monkeypatch, "--name", "third") == 2
    assert "已使用过" in capsys.readouterr().err
    assert listing(third) == before


def test_an_unreachable_database_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    Keyring.create(tmp_path / "site-keys")
    bundle, passphrase = bundle_file(tmp_path / "site-keys", tmp_path)
    second = computer(tmp_path / "second-pc", monkeypatch)
    assert join(bundle, UNREACHABLE, passphrase, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "无法连接数据库" in err and err.count("\n") == 1
    assert not second.exists()


def test_not_a_bundle_is_said_before_the_passphrase_is_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    computer(tmp_path / "second-pc", monkeypatch)
    text = tmp_path / "anchang.toml"
    text.write_text("[database]\n", "utf-8")
    monkeypatch.setattr("getpass.getpass", lambda _prompt: pytest.fail("asked for a passphrase"))
    assert main(["join", str(text), "--database-url", UNREACHABLE]) == 2
    assert "不是站点密钥包" in capsys.readouterr().err


@pytest.mark.postgres
def test_a_join_failing_after_the_keys_are_in_takes_them_back(pg_url: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The server goes away after the bundle's keys are installed: keys, station id and settings are taken
    back, and the message says the bundle is spent."""
    first = first_site(pg_url, tmp_path, monkeypatch)
    bundle, passphrase = bundle_file(first, tmp_path)
    second = computer(tmp_path / "second-pc", monkeypatch)

    def gone(*_args: object, **_kwargs: object) -> None:
        raise AdminError("无法连接数据库 / cannot reach the database: server closed the connection")

    monkeypatch.setattr(operations.first_run, "prepare_database", gone)
    capsys.readouterr()
    assert join(bundle, pg_url, passphrase, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "server closed the connection" in err and "密钥包已用掉" in err and err.count("\n") == 1
    assert not second.exists()

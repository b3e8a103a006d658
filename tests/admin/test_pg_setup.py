"""`anchang pg-setup` on the real PostgreSQL server: the station role owns nothing, the server itself refuses
it any edit of the journal, and it still does a station's work; the owner migrates and later tables are
granted. Each test gets a database and two roles of its own, dropped afterwards."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from admin.cli import main
from admin.pg_setup import hba_lines
from db import migrate
from db.database import make_engine
from db.keys import Keyring
from db.scrub import REWRITTEN_TABLES, not_rewritable, pending_since
from operations import upgrade
from service.store import ManualClock, Store
from tests.conftest import PG_URL

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
INSUFFICIENT_PRIVILEGE = "42501"


@dataclass(frozen=True)
class PgSite:
    database: str
    station_url: str
    owner_url: str
    printed: str


@pytest.fixture
def pg_site(data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[PgSite]:
    """pg-setup run as the superuser, then `anchang init` with the station URL and the owner URL."""
    if not PG_URL:
        pytest.skip("ANCHANG_TEST_PG_URL not set (scripts/test.sh sets it)")
    suffix = uuid.uuid4().hex[:10]
    database, owner, station = f"anchang_s_{suffix}", f"owner_{suffix}", f"station_{suffix}"
    superuser = make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)
    try:
        assert main(["pg-setup", "--database", database, "--owner", owner, "--station", station,
                     "--superuser-url", superuser, "--host", make_url(PG_URL).host or "127.0.0.1",
                     "--lan", "192.168.1.0/24"]) == 0
        printed = capsys.readouterr().out
        urls = re.findall(r"postgresql\+psycopg://\S+", printed)
        station_url = next(u for u in urls if f"//{station}:" in u)
        owner_url = next(u for u in urls if f"//{owner}:" in u).replace("@localhost:", f"@{make_url(PG_URL).host}:")
        monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
        assert main(["init", "--database-url", station_url, "--owner-url", owner_url]) == 0
        capsys.readouterr()
        yield PgSite(database, station_url, owner_url, printed)
    finally:
        server = sa.create_engine(superuser, isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{station}"')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{owner}"')
        server.dispose()


def refused(engine: sa.Engine, statement: str) -> str:
    """How the server refuses `statement`: "privileges" when the role's rights do (not the journal's
    triggers, which raise the same SQLSTATE with their own message); the test fails if it runs."""
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.begin() as conn:
        conn.exec_driver_sql(statement)
    message = str(caught.value.orig)
    by_rights = re.match(r"(permission denied for|must be owner of) ", message)
    return "privileges" if getattr(caught.value.orig, "sqlstate", "") == INSUFFICIENT_PRIVILEGE and by_rights \
        else message

def test_pg_setup_prints_passwords_once_and_scram_lines(pg_site: PgSite,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert "trust" not in "\n".join(hba_lines("d", "o", "s", None))
    assert "192.168.1.0/24  scram-sha-256" in pg_site.printed
    station_password = make_url(pg_site.station_url).password
    assert station_password and len(station_password) >= 24  # generated, not a placeholder
    assert main(["pg-setup", "--database", pg_site.database, "--owner", make_url(pg_site.owner_url).username or "",
                 "--station", make_url(pg_site.station_url).username or "",
                 "--superuser-url", make_url(PG_URL or "").set(database="postgres").render_as_string(False)]) == 0
    again = capsys.readouterr().out
    assert again.count("password unchanged") == 2 and station_password not in again  # shown once only
    station = make_engine(pg_site.station_url)  # and still the station's
    with station.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM journal").scalar()
    station.dispose()


def test_the_server_refuses_the_station_any_edit_of_the_journal(pg_site: PgSite) -> None:
    engine = make_engine(pg_site.station_url)
    try:
        for statement in ("ALTER TABLE journal DISABLE TRIGGER USER", "UPDATE journal SET actor = 'x'",
                          "DELETE FROM journal", "TRUNCATE journal", "DROP TRIGGER journal_no_update_delete ON journal",
                          "UPDATE alembic_version SET version_num = '0001'", "DELETE FROM key_checks",
                          "CREATE TABLE mine (id int)"):
            assert refused(engine, statement) == "privileges", statement
    finally:
        engine.dispose()


def test_a_station_does_its_work_as_the_station_role(pg_site: PgSite, data_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(pg_site.station_url)
    store = Store(engine, Keyring.load(data_dir), clock=ManualClock(T0), station="kiosk1")
    try:
        store.add_consultant("王丽")
        store.add_channel("链家", ["张三"])
        store.set_duty(["王丽"])
        store.record_report("链家", "张三", "13912345678")
        store.register_visit("13912345678", channel="链家", agent="张三", verified=False)
        confirmed = store.confirm_visit("13912345678", by="前台")
        store.follow_up("13912345678", "王丽", "客户想要三居")
        assert confirmed.seq > 0
    finally:
        store.dispose()
    assert main(["verify"]) == 0  # the station's URL is [database] url: verify reads as the station role
    assert "journal intact" in capsys.readouterr().out
    assert main(["board"]) == 0


def test_a_station_says_it_needs_the_owners_upgrade(pg_site: PgSite, data_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    owner = make_engine(pg_site.owner_url)
    older = migrate.known_revisions() - {migrate.head_revision()}
    with owner.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": sorted(older)[-1]})
    try:
        monkeypatch.setenv("ANCHANG_DATABASE_URL", pg_site.station_url)
        monkeypatch.setenv("ANCHANG_OWNER_DATABASE_URL", "")  # a station PC: no owner URL
        (data_dir / "anchang.toml").unlink()
        assert upgrade.start_check("anchang-kiosk") == 1
        err = capsys.readouterr().err
        assert "owner_url" in err and "may not change the schema" in err
        assert not (data_dir / "backups").exists()  # refused before anything was done
        assert migrate.current_revision(owner) == sorted(older)[-1]
    finally:
        with owner.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": migrate.head_revision()})
        owner.dispose()


def test_tables_a_later_migration_creates_are_granted(pg_site: PgSite) -> None:
    owner, station = make_engine(pg_site.owner_url), make_engine(pg_site.station_url)
    try:
        with owner.begin() as conn:  # what a later migration run by the owner does
            conn.exec_driver_sql("CREATE TABLE later_rows (id serial PRIMARY KEY, value text)")
            conn.exec_driver_sql("CREATE TABLE journal_like (id int)")
        with station.begin() as conn:
            conn.exec_driver_sql("INSERT INTO later_rows (value) VALUES ('a')")
            conn.exec_driver_sql("UPDATE later_rows SET value = 'b'")
            conn.exec_driver_sql("DELETE FROM later_rows")
        assert refused(station, "TRUNCATE later_rows") == "privileges"
        assert refused(station, "ALTER TABLE later_rows ADD COLUMN x int") == "privileges"
    finally:
        owner.dispose()
        station.dispose()


def test_a_station_may_not_create_the_schema_either(pg_site: PgSite) -> None:
    """A station pointed at an empty schema (nobody ran the owner's `anchang init`) does not migrate it."""
    owner = make_engine(pg_site.owner_url)
    with owner.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA fresh")
        conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA fresh TO "{make_url(pg_site.station_url).username}"')
    owner.dispose()
    fresh = make_url(pg_site.station_url).update_query_dict({"options": "-csearch_path=fresh"})
    station = make_engine(fresh.render_as_string(hide_password=False))
    try:
        with pytest.raises(migrate.NeedsOwner, match="owner_url"):
            migrate.upgrade(station)
        assert migrate.current_revision(station) is None
    finally:
        station.dispose()


def table_files(engine: sa.Engine) -> dict[str, int]:
    """The file each rewritten table lives in: VACUUM FULL writes a new one (a new relfilenode)."""
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT relname, relfilenode FROM pg_class WHERE relkind = 'r' AND "
                                         "relname = ANY(CAST(:t AS text[]))"), {"t": list(REWRITTEN_TABLES)}).all())


def test_an_erasure_by_the_station_leaves_the_scrub_to_the_owner_and_says_so(
        pg_site: PgSite, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    owner, station = make_engine(pg_site.owner_url), make_engine(pg_site.station_url)
    store = Store(station, Keyring.load(data_dir), clock=ManualClock(T0), station="kiosk1")
    try:
        store.add_consultant("王丽")
        store.set_duty(["王丽"])
        store.register_visit("13912345678", name="张三")
        store.register_visit("13912340000", name="李四")
        with station.connect() as conn:
            assert not_rewritable(conn) == sorted(REWRITTEN_TABLES)  # the station owns none of them
        monkeypatch.setenv("ANCHANG_DATABASE_URL", pg_site.station_url)
        monkeypatch.setenv("ANCHANG_OWNER_DATABASE_URL", "")  # a station PC: no owner URL
        (data_dir / "anchang.toml").unlink()
        before = table_files(owner)
        assert main(["forget", "13912345678"]) == 0
        out = capsys.readouterr().out
        assert "storage scrub pending" in out and "anchang scrub" in out
        assert table_files(owner) == before and pending_since(station) is not None

        monkeypatch.setenv("ANCHANG_OWNER_DATABASE_URL", pg_site.owner_url)  # the server PC
        assert main(["scrub"]) == 0
        assert "pending since" in capsys.readouterr().out
        scrubbed = table_files(owner)
        assert all(scrubbed[t] != before[t] for t in REWRITTEN_TABLES) and pending_since(station) is None

        assert main(["forget", "13912340000"]) == 0  # with the owner's URL the erasure rewrites them itself
        assert "through the owner's connection" in capsys.readouterr().out
        assert all(table_files(owner)[t] != scrubbed[t] for t in REWRITTEN_TABLES)
    finally:
        store.dispose()
        owner.dispose()

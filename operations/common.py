"""What every admin command shares: the configured database and keys, settings, one-line errors, times."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from db import migrate
from db.config import config_file, data_dir, database_url, section, settings
from db.database import UnsupportedDatabase, make_engine, supported_url
from db.keys import Keyring
from db.site_dirs import current_site, make_folder, protect
from service.store import Clock, Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_RETENTION_DAYS = 730
PG_CONNECT_TIMEOUT_S = "10"  # an unreachable server must not hang the command for minutes


class AdminError(Exception):
    """A failure the user can act on: printed as one line, exits with `code`."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def usage_error(message: str) -> AdminError:
    return AdminError(message, EXIT_USAGE)


# ---------------------------------------------------------------- database URLs
def parse_url(url: str) -> sa.URL:
    """The URL as written; a usage error unless it is SQLite or PostgreSQL (saying which are supported)."""
    try:
        supported_url(url)
    except UnsupportedDatabase as exc:
        raise usage_error(str(exc)) from None
    return make_url(url)


def shown_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return parse_url(url).render_as_string(hide_password=True)


def is_sqlite_url(url: str) -> bool:
    return parse_url(url).get_backend_name() == "sqlite"


def is_postgres_url(url: str) -> bool:
    return parse_url(url).get_backend_name() == "postgresql"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_engine(url: str, *, must_exist: bool = True) -> Engine:
    """An engine for `url`. A missing SQLite file is an error (opening it would create an empty one)."""
    parsed = parse_url(url)
    path = sqlite_path(url)
    if path is not None:
        if must_exist and not path.exists():
            raise AdminError(f"数据库文件不存在 / no database at {path}: 请先运行 / run `anchang init`")
        _site_files(path)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        url = parsed.update_query_dict({"connect_timeout": PG_CONNECT_TIMEOUT_S}).render_as_string(
            hide_password=False)
    try:
        return make_engine(url)
    except sa.exc.ArgumentError as exc:  # unknown dialect or driver
        raise usage_error(f"数据库地址无效 / unusable database URL {shown_url(url)}: {exc}") from None


def _site_files(database: Path) -> None:
    """The SQLite file is made here, before SQLite makes it 0644 (or 0640 under the system site's umask),
    with the site's file mode: 0600, or 0660 for the system site's group. One made by an older version
    gets it too; its -wal and -shm files follow it."""
    site = current_site()
    if not database.parent.exists():
        make_folder(database.parent, site)
    with contextlib.suppress(OSError):  # opening the database reports what is wrong with it
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, site.file_mode & 0o600))
    for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
        protect(path, site.file_mode)


@contextmanager
def checked_engine(url: str | None = None) -> Iterator[Engine]:
    """The configured database, with this program's schema in it."""
    engine = open_engine(url or database_url())
    try:
        migrate.check(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def open_store(clock: Clock | None = None, url: str | None = None) -> Iterator[Store]:
    """The configured database and the site keys, as the Store every station uses; the command line
    registers as the station "admin" (service/stations.py)."""
    with checked_engine(url) as engine:
        keyring = Keyring.load(data_dir())
        store = Store(engine, keyring, clock=clock, station="admin")
        store.register_station("admin")
        yield store


def retention_days() -> int:
    value = section(settings(), "retention").get("customer_days", DEFAULT_RETENTION_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AdminError(f"配置错误 / [retention] customer_days in {config_file()} must be a whole number "
                         f"of days ≥ 1, not {value!r}")
    return value


# ----------------------------------------------------------------------- times
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2999, 12, 31, tzinfo=UTC)


def parse_local_time(text: str, zone: ZoneInfo) -> datetime:
    """"2025-03-01", "2025-03-01 14:30" (the site's local time) or ISO-8601 with an offset, between 1970
    and 2999: a time near year 1 or 9999 would overflow as soon as a day is added to it."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise usage_error(f"时间格式无效 / not a time: {text!r} (use 2025-03-01 14:30)") from None
    moment = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment
    try:
        in_range = EARLIEST <= moment.astimezone(UTC) <= LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        raise usage_error(f"时间超出范围 / time {text!r} is out of range: use a time between 1970 and 2999")
    return moment


def local_text(moment: datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if moment is None else moment.astimezone(zone).strftime(fmt)

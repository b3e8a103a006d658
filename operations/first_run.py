"""What the console's first-run wizard does, without Qt: set up a new site, or join an existing one.

- A new site runs exactly what `anchang init` runs (operations/setup.py: keys, settings, schema, key check,
  the first administrator), then what the wizard collected beyond it: the administrator's password,
  the rules that differ from the defaults (one journalled version), the project's name and, when it was
  edited, the consent notice (service/site_settings.py: every station reads them from the database).
- Joining a site (a second kiosk or console on the site's PostgreSQL) installs the site's keys from a key
  bundle (service/key_bundle.py; a bundle joins one computer), gives this computer a new identity and names its
  stations so each can be told apart and retired (service/stations.py), and runs the same database steps as
  init (a no-op on an up-to-date site).

Nothing here prints: progress goes to `say`, failures are raised (AdminError, RulesRefused, BundleError)
with a one-line message; the wizard shows both.
"""

from __future__ import annotations

import re
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from db import station_registry
from db.config import config_file, data_dir, database_url, save_settings, settings
from db.keys import KEY_FILES
from db.models import Station
from operations.common import AdminError, is_postgres_url, open_engine, shown_url
from operations.half_made import NothingHalfMade
from operations.setup import Say, ensure_keys, prepare_database
from operations.site_probe import check_database
from service import key_bundle, rules_admin, site_settings, users
from service.store import Store

MIN_PASSWORD = 8
STATION_NAME = re.compile(r"[\w\-]{1,40}")  # letters (Chinese too), digits, _ and -: 40 + "console-" fits 64


def needed() -> bool:
    """The console opens the wizard on a computer with neither settings nor site keys in its data directory."""
    directory = data_dir()
    return not config_file().exists() and not any((directory / name).exists() for name in KEY_FILES)


def password_problem(password: str, again: str) -> str | None:
    """None when the administrator's password is acceptable, else "short", "simple" or "differ": at
    least MIN_PASSWORD characters of at least two kinds (letters, digits, others), typed the same twice."""
    if len(password) < MIN_PASSWORD:
        return "short"
    kinds = (any(c.isalpha() for c in password), any(c.isdigit() for c in password),
             any(not c.isalnum() for c in password))
    if sum(kinds) < 2 or len(set(password)) < 4:
        return "simple"
    if password != again:
        return "differ"
    return None


def default_station_name() -> str:
    """This computer's name as a station name (characters outside STATION_NAME become -)."""
    name = re.sub(r"[^\w\-]", "-", socket.gethostname()).strip("-")[:40]
    return name or "station"


@dataclass(frozen=True)
class NewSite:
    project: str
    admin_password: str
    database_url: str | None = None  # None: SQLite in the data directory (one station)
    rules: Mapping[str, Any] = field(default_factory=dict)  # rule key -> value; equal to the default: none
    consent_notice: str | None = None  # None: the kiosk's default notice, in its language


def create_site(plan: NewSite, say: Say) -> str:
    """Sets up a new site as `anchang init` does, then applies the wizard's choices; returns the URL."""
    title = plan.project.strip()
    if not title or len(title) > 64:
        raise AdminError("项目名称须为 1-64 个字 / the project name has 1 to 64 characters")
    problem = password_problem(plan.admin_password, plan.admin_password)
    if problem is not None:
        raise AdminError(f"管理员密码太弱 / the administrator's password is too weak ({problem})")
    overrides = rules_admin.check_values(plan.rules)  # RulesRefused names the field
    url = plan.database_url or database_url()
    if check_database(url).has_site:  # before anything is written here
        raise AdminError(f"该数据库已有站点 / {shown_url(url)} already holds a site: choose 加入已有站点 / "
                         "join an existing site instead")
    directory = data_dir()
    with NothingHalfMade(directory, config_file()) as made:  # a failure before the site exists: retry afresh
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        say(f"数据目录 / data directory: {directory}")
        ensure_keys(directory, say)
        values = settings()
        if plan.database_url:
            values.setdefault("database", {})["url"] = plan.database_url
        values.setdefault("kiosk", {})["title"] = title
        say(f"已写入配置 / wrote {save_settings(values)}")
        prepare_database(url, directory, say, keys_stored=made.keep)
    store = Store.open(url, directory, station="init")
    try:
        users.set_secret(store, users.FIRST_ADMIN, plan.admin_password, actor="init")
        say(f"已设置管理员密码 / set the password of {users.FIRST_ADMIN}")
        site_settings.set_project_title(store, title, actor="init")
        changed = {key: value for key, value in overrides.items() if store.rules_at()[key] != value}
        if changed:
            store.change_rules(changed, actor="init")
            say("已保存判客规则 / rules saved: " + ", ".join(f"{k} = {v}" for k, v in sorted(changed.items())))
        if plan.consent_notice is not None:
            version = site_settings.set_consent_notice(store, plan.consent_notice, actor="init")
            say(f"已保存人脸识别告知书 / consent notice saved (version {version})")
    finally:
        store.dispose()
    say("初始化完成 / init done")
    return url


@dataclass(frozen=True)
class JoinSite:
    database_url: str  # the site's PostgreSQL
    bundle_text: str  # a key bundle exported at a station of the site (file or QR code)
    passphrase: str
    station_name: str  # this computer's stations become console-<name> and kiosk-<name>


def station_names(name: str) -> dict[str, str]:
    return {"console": f"console-{name}", "kiosk": f"kiosk-{name}"}


def join_site(plan: JoinSite, say: Say) -> str:
    """Joins the site on `plan.database_url`: keys from the bundle, this computer's station names, the
    database steps of init. Refused before anything is written when the URL is not PostgreSQL, holds no
    site, or a station name is already another computer's."""
    url = plan.database_url.strip()
    if not is_postgres_url(url):
        raise AdminError("加入已有站点需要 PostgreSQL / joining a site needs its PostgreSQL server (a SQLite "
                         "file serves one station only)")
    name = plan.station_name.strip()
    if not STATION_NAME.fullmatch(name):
        raise AdminError(f"本机名称无效 / station name {name!r}: 1-40 letters, digits, - or _")
    if not check_database(url).has_site:
        raise AdminError(f"该数据库还没有站点 / {shown_url(url)} holds no site yet: set it up at its first "
                         "station (新建站点 / new site)")
    directory = data_dir()
    with NothingHalfMade(directory, config_file()):  # the keys are the site's copies: a failure takes them back
        engine = open_engine(url)
        try:
            _check_names_free(engine, station_names(name).values())
            computer = secrets.token_hex(16)  # this computer's identity, bound to its stations at their first start
            key_bundle.import_bundle(plan.bundle_text, plan.passphrase, engine, directory,
                                     stations_made=list(station_names(name).values()), computer=computer)
        finally:
            engine.dispose()
        try:
            _finish_join(url, directory, computer, name, say)
        except Exception as error:
            raise AdminError(f"{' '.join(str(error).split())}; 本机未加入，且此密钥包已用掉 / this computer did "
                             "not join and the key bundle is now used: ask a manager for a new one (站点 → "
                             "生成密钥包)") from error
    say("已加入站点 / joined the site")
    return url


def _finish_join(url: str, directory: Path, computer: str, name: str, say: Say) -> None:
    """After the bundle's keys are in place: this computer's id, its settings, init's database steps."""
    station_registry.save_computer_id(directory, computer)
    say(f"已导入站点密钥 / installed the site keys in {directory}")
    engine = open_engine(url)
    try:
        title = site_settings.project_title(engine)
    finally:
        engine.dispose()
    values = settings()
    values.setdefault("database", {})["url"] = url
    for kind, station in station_names(name).items():
        values.setdefault(kind, {})["station"] = station
    if title:
        values["kiosk"]["title"] = title
    say(f"已写入配置 / wrote {save_settings(values)}")
    prepare_database(url, directory, say)


def _check_names_free(engine: sa.Engine, names: Any) -> None:
    """A station name another computer uses (or a retired one) cannot be taken."""
    host = socket.gethostname()[:128]
    with engine.connect() as connection:
        rows = connection.execute(sa.select(Station.name, Station.host, Station.retired_at)
                                  .where(Station.name.in_(list(names)))).all()
    for station, its_host, retired in rows:
        if retired is not None or its_host != host:
            raise AdminError(f"站点名称已被使用 / the station name {station} is already taken"
                             f"{' (retired)' if retired is not None else f' by {its_host}'}: choose another name")


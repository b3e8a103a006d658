"""`anchang pg-setup`: a site's PostgreSQL database with two roles, run once on the server PC as the
postgres superuser.

- the owner (`--owner`) owns the database, its schema and every table: only it migrates (`anchang init`
  with `[database] owner_url`), and only it could drop the journal's guards.
- the station role (`--station`) owns nothing. It may read every table and write the rows stations write
  (projections, identities, notes, users, stations, outbox ...), but on the journal only SELECT and INSERT:
  UPDATE, DELETE and TRUNCATE are refused by its privileges, not only by the triggers, and ALTER TABLE
  (DISABLE TRIGGER) by not owning it. The schema version (alembic_version) and the key check values are
  read only. Tables later migrations create are granted through the owner's default privileges; the
  journal's and the read-only tables' extra rights are taken back by each upgrade (db/station_grants.py).

Re-running it is safe: existing roles keep their password unless one is given, existing tables are
handed to the owner and granted again (an older site whose stations connected as the tables' owner).
"""

from __future__ import annotations

import argparse
import re
import secrets
import socket
import sys
import urllib.parse

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.station_grants import STATION_TABLE_RIGHTS, revoke_station_edits
from operations.common import EXIT_OK, AdminError, parse_url, shown_url, usage_error

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DEFAULT_SUPERUSER_URL = "postgresql+psycopg://postgres@/postgres"  # the local socket, as the postgres user
SCHEMA = "public"


def _name(value: str, what: str) -> str:
    if not ROLE_NAME.match(value):
        raise usage_error(f"{what} 名称无效 / invalid {what} name {value!r}: lower-case letters, digits and _, "
                          "not starting with a digit, at most 63 characters")
    return f'"{value}"'


def _literal(conn: Connection, value: str) -> str:
    """A password as an SQL literal, quoted by the server (CREATE ROLE takes no parameters)."""
    return str(conn.execute(sa.text("SELECT quote_literal(:v)"), {"v": value}).scalar_one())


def new_password() -> str:
    return secrets.token_urlsafe(24)  # 192 bits; URL-safe, so it goes into a database URL as it is


def _ensure_role(conn: Connection, name: str, password: str | None) -> str | None:
    """Creates the login role (or sets the password given); returns the password to print, if new."""
    exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first() is not None
    if exists and password is None:
        conn.exec_driver_sql(f'ALTER ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS')
        return None
    secret = password or new_password()
    verb = "ALTER" if exists else "CREATE"
    conn.exec_driver_sql(f'{verb} ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS '
                         f"PASSWORD {_literal(conn, secret)}")
    return secret


def _hand_to_owner(conn: Connection, owner: str) -> int:
    """Every table, sequence, view and function of the schema owned by someone else goes to the owner."""
    kinds = {"r": "TABLE", "p": "TABLE", "S": "SEQUENCE", "v": "VIEW", "m": "MATERIALIZED VIEW"}
    rows = conn.execute(sa.text(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND pg_get_userbyid(c.relowner) <> :o "
        "ORDER BY c.relkind DESC"), {"s": SCHEMA, "o": owner}).all()
    for name, kind in rows:
        conn.exec_driver_sql(f'ALTER {kinds[kind]} "{SCHEMA}"."{name}" OWNER TO "{owner}"')
    functions = conn.execute(sa.text(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = :s AND pg_get_userbyid(p.proowner) <> :o"), {"s": SCHEMA, "o": owner}).scalars().all()
    for signature in functions:
        conn.exec_driver_sql(f'ALTER FUNCTION {signature} OWNER TO "{owner}"')
    return len(rows) + len(functions)


def grant_station(conn: Connection, database: str, owner: str, station: str) -> None:
    """Run inside the site's database: the schema the owner's, the station role's rights on it."""
    conn.exec_driver_sql(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
    conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO "{station}"')
    conn.exec_driver_sql(f'ALTER SCHEMA {SCHEMA} OWNER TO "{owner}"')
    conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC")
    conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA {SCHEMA} TO "{station}"')
    conn.exec_driver_sql(f'REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM "{station}"')
    conn.exec_driver_sql(f'GRANT {STATION_TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {SCHEMA} TO "{station}"')
    conn.exec_driver_sql(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO "{station}"')
    for_owner = f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA {SCHEMA}'
    conn.exec_driver_sql(f'{for_owner} GRANT {STATION_TABLE_RIGHTS} ON TABLES TO "{station}"')
    conn.exec_driver_sql(f'{for_owner} GRANT USAGE, SELECT ON SEQUENCES TO "{station}"')
    revoke_station_edits(conn)  # the journal: SELECT and INSERT only; READ_ONLY_TABLES: SELECT only


def run(args: argparse.Namespace) -> int:
    owner_password = station_password = None
    if args.passwords_stdin:
        lines = sys.stdin.read().splitlines()
        if len(lines) < 2 or not lines[0] or not lines[1]:
            raise usage_error("标准输入须有两行密码 / standard input must hold two passwords, the owner's then the "
                              "station role's, one a line")
        owner_password, station_password = lines[0], lines[1]
    return pg_setup(args.database, args.owner, args.station, lan=args.lan, superuser_url=args.superuser_url,
                    host=args.host, owner_password=owner_password, station_password=station_password)


def hba_lines(database: str, owner: str, station: str, lan: str | None) -> list[str]:
    """pg_hba.conf lines: stations from the office LAN, the owner from the server PC only; never trust."""
    network = lan or "samenet"
    return [
        "# TYPE  DATABASE  USER  ADDRESS  METHOD   (anchang pg-setup)",
        f"host    {database}  {station}  {network}  scram-sha-256",
        f"host    {database}  {owner}  127.0.0.1/32  scram-sha-256",
        f"host    {database}  {owner}  ::1/128  scram-sha-256",
    ]


def _url(name: str, password: str | None, host: str, port: int, database: str) -> str:
    secret = urllib.parse.quote(password, safe="") if password is not None else "<其密码 / its password>"
    return f"postgresql+psycopg://{name}:{secret}@{host}:{port}/{database}"


def pg_setup(database: str, owner: str, station: str, *, lan: str | None = None, superuser_url: str | None = None,
             host: str | None = None, owner_password: str | None = None,
             station_password: str | None = None) -> int:
    for value, what in ((database, "数据库 / database"), (owner, "所有者 / owner"), (station, "站点角色 / station")):
        _name(value, what)
    if owner == station:
        raise usage_error("所有者与站点角色必须不同 / the owner and the station role must be two roles")
    if lan is not None and not re.match(r"^[0-9a-fA-F:.]+/\d{1,3}$", lan):
        raise usage_error(f"网段无效 / --lan {lan!r} is not an address range such as 192.168.1.0/24")
    admin_url = parse_url(superuser_url or DEFAULT_SUPERUSER_URL)
    if admin_url.get_backend_name() != "postgresql":
        raise usage_error("pg-setup 只用于 PostgreSQL / pg-setup is for PostgreSQL only")
    server = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if not conn.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
                raise AdminError(f"须以超级用户连接 / connect as a superuser (postgres): {shown_url(str(admin_url))}")
            conn.exec_driver_sql("SET password_encryption = 'scram-sha-256'")
            passwords = {owner: _ensure_role(conn, owner, owner_password),
                         station: _ensure_role(conn, station, station_password)}
            created = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                   {"d": database}).first() is None
            if created:
                conn.exec_driver_sql(f'CREATE DATABASE "{database}" OWNER "{owner}" ENCODING \'UTF8\' '
                                     "TEMPLATE template0")
            else:
                conn.exec_driver_sql(f'ALTER DATABASE "{database}" OWNER TO "{owner}"')
        site = sa.create_engine(admin_url.set(database=database), isolation_level="AUTOCOMMIT")
        try:
            with site.connect() as conn, conn.begin():
                handed = _hand_to_owner(conn, owner)
                grant_station(conn, database, owner, station)
        finally:
            site.dispose()
    finally:
        server.dispose()
    _print_result(database, owner, station, passwords, created, handed, lan,
                  host or socket.gethostname(), admin_url.port or 5432)
    return EXIT_OK


def _print_result(database: str, owner: str, station: str, passwords: dict[str, str | None], created: bool,
                  handed: int, lan: str | None, host: str, port: int) -> None:
    print(f"{'已创建' if created else '已存在'}数据库 / database {database} {'created' if created else 'exists'}, "
          f"owned by {owner}" + (f"; {handed} 个对象已交给所有者 / objects handed to the owner" if handed else ""))
    for role, password in passwords.items():
        state = "新密码如下，只显示这一次 / new password below, shown once" if password else \
            "密码未改 / password unchanged"
        print(f"角色 / role {role}: {state}")
    print(f"\n站点使用 / stations use ([database] url, `anchang init --database-url ...`):\n  "
          f"{_url(station, passwords[station], host, port, database)}")
    print(f"服务器上升级使用 / on this server PC, migrations use ([database] owner_url, `anchang init --owner-url "
          f"...`):\n  {_url(owner, passwords[owner], 'localhost', port, database)}")
    print("\n加入 pg_hba.conf（放在其他规则之前，再 `SELECT pg_reload_conf()`）/ add to pg_hba.conf, before the "
          "other lines, then reload:")
    for line in hba_lines(database, owner, station, lan):
        print(f"  {line}")
    if lan is None:
        print("  （samenet：服务器所在的网段；可用 --lan 192.168.1.0/24 指定 / samenet: the server's own subnets; "
              "give --lan to name the office LAN）")
    print("不要使用 trust / never use trust; postgresql.conf: listen_addresses = the server's LAN address")

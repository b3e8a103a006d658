"""What a station's database role may do on PostgreSQL, beside the owner who migrates (admin/pg_setup.py).

Stations write more than the journal: the projections, customers' keys, identities, search keys and
pseudonyms, notes, users (lock-out counters, the console's user changes), stations, check-in references,
appointments, faces and consents, settings, the figures' tables. They get SELECT, INSERT, UPDATE and
DELETE on those, through the owner's default privileges also on tables later migrations create; never
TRUNCATE, REFERENCES or TRIGGER. Two kinds of table get less, taken back after every upgrade because a
table created after the default privileges were set would otherwise carry them:
- the journal: SELECT and INSERT only, so a station's credentials cannot rewrite history even with
  the triggers gone (and only the owner could drop those);
- READ_ONLY_TABLES, written only by the owner's `anchang init`: SELECT only.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

STATION_TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
APPEND_ONLY_TABLES = ("journal",)
READ_ONLY_TABLES = ("alembic_version", "key_checks")
_TAKEN = {name: ("UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER") for name in APPEND_ONLY_TABLES} | {
    name: ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER") for name in READ_ONLY_TABLES}


def revoke_station_edits(conn: Connection) -> list[str]:
    """Takes the rights above from everyone but each table's owner (tables of the current schema).
    Returns what was taken, as "table: role" (empty when nothing was granted beyond them)."""
    if conn.dialect.name != "postgresql":
        return []
    taken = []
    for table, rights in _TAKEN.items():
        grantees = conn.execute(sa.text(
            "SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END "
            "FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = to_regclass(:t) AND a.grantee <> c.relowner "
            "AND a.privilege_type = ANY(:rights)"), {"t": table, "rights": list(rights)}).scalars().all()
        for grantee in grantees:
            conn.exec_driver_sql(f"REVOKE {', '.join(rights)} ON {table} FROM {grantee}")
            taken.append(f"{table}: {grantee}")
    return taken


def can_migrate(conn: Connection) -> bool:
    """Whether this connection's role may change the schema: on PostgreSQL the journal's owner (or a
    superuser) with CREATE on the schema; a station's role is neither. SQLite: always."""
    if conn.dialect.name != "postgresql":
        return True
    return bool(conn.execute(sa.text(
        "SELECT has_schema_privilege(current_schema(), 'CREATE') AND coalesce((SELECT pg_has_role(c.relowner, "
        "'USAGE') FROM pg_class c WHERE c.oid = to_regclass('journal')), true)")).scalar())

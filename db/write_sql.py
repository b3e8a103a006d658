"""Row writes of one journalled fact, as values, turned into SQL once per shape.

A write holds the site's lock while it builds and sends its statements, and every other kiosk waits
that long. Building a SQLAlchemy statement costs about as much as sending it, so a write describes
its rows (`RowWrite`: table, operation, column values) and the statement for that shape (the same
table, operation and columns) is built once per process, with bound parameters, and reused: the
database sees the same text again (psycopg prepares it after a few uses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.models import Base

Operation = Literal["insert", "update", "upsert", "delete"]
Shape = tuple[str, str, tuple[str, ...], str, tuple[str, ...]]


@dataclass(frozen=True)
class RowWrite:
    """Rows of one table to insert, update (by `key`), upsert (on `key`; the `keep` columns are set on
    insert only) or delete (by `key`), all with the same columns. The statement is for one row (a
    multi-row VALUES statement is one SQLAlchemy will not cache): several rows are an executemany, or
    on PostgreSQL one CTE each in the write's single statement."""

    table: str
    op: Operation
    rows: tuple[dict[str, Any], ...]
    key: str = "id"
    keep: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.rows or any(row.keys() != self.rows[0].keys() for row in self.rows):
            raise ValueError(f"{self.table}: rows of one write need the same columns")

    @property
    def shape(self) -> Shape:
        return self.table, self.op, tuple(self.rows[0]), self.key, self.keep

    def params(self, prefix: str) -> list[dict[str, Any]]:
        return [{f"{prefix}{column}": value for column, value in row.items()} for row in self.rows]


def insert(table: str, *rows: dict[str, Any]) -> RowWrite:
    return RowWrite(table, "insert", rows)


def update(table: str, row: dict[str, Any], key: str = "id") -> RowWrite:
    return RowWrite(table, "update", (row,), key)


def delete(table: str, key_value: Any, key: str = "id") -> RowWrite:
    return RowWrite(table, "delete", ({key: key_value},), key)


def upsert(table: str, rows: Sequence[dict[str, Any]], key: str = "id", keep: tuple[str, ...] = ()) -> RowWrite:
    return RowWrite(table, "upsert", tuple(rows), key, keep)


def _binds(table: sa.Table, columns: tuple[str, ...], prefix: str) -> dict[str, Any]:
    return {name: sa.bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in columns}


@lru_cache(maxsize=512)
def statement(dialect: str, shape: Shape, prefix: str) -> Any:
    """The statement for one row of this shape, its parameters named `<prefix><column>`."""
    name, op, columns, key, keep = shape
    table = Base.metadata.tables[name]
    if op in ("update", "delete"):
        where = table.c[key] == sa.bindparam(f"{prefix}{key}", type_=table.c[key].type)
        if op == "delete":
            return sa.delete(table).where(where)
        return sa.update(table).where(where).values(_binds(table, tuple(c for c in columns if c != key), prefix))
    if op == "insert":
        return sa.insert(table).values(_binds(table, columns, prefix))
    upserting = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(_binds(table, columns, prefix))
    changed = {column: upserting.excluded[column] for column in columns if column != key and column not in keep}
    return upserting.on_conflict_do_update(index_elements=[key], set_=changed)


def execute(connection: sa.Connection, writes: Sequence[RowWrite]) -> None:
    """Each write as one statement (several rows: an executemany), in the order given."""
    dialect = connection.dialect.name
    for write in writes:
        params = write.params("p_")
        connection.execute(statement(dialect, write.shape, "p_"), params if len(params) > 1 else params[0])

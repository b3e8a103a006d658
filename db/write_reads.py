"""What a write reads under the site's lock, in one statement.

Once a write holds the lock it needs the journal entries other stations wrote since its station last
looked, the entry it last saw (is it still there: a restore?), on PostgreSQL the server's clock, and the
rows its fact depends on: the customer of a phone, pseudonyms, whether a consultant or channel exists.
Each of those was a round trip of its own while every other kiosk waited. Here they are one statement:
a one-row CTE (`probe`) holding the clock and every value asked for, outer-joined to the journal's new
entries. The statement is built once per shape of question (`Probe.signature`) and reused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from db import write_sql
from db.models import Agent, Channel, Consultant, JournalEntry, Station
from db.models import CheckinRef as CheckinRefRow
from db.write_sql import RowWrite

JOURNAL_COLUMNS = (JournalEntry.seq, JournalEntry.at, JournalEntry.kind, JournalEntry.payload, JournalEntry.hash,
                   JournalEntry.station)


class Probe:
    """Values one write asks for, read with the journal under the lock; and the rows it writes back."""

    def signature(self) -> tuple[Any, ...]:
        """Equal signatures ask the same question (same columns, same parameters), with other values."""
        raise NotImplementedError

    def columns(self, dialect: str) -> list[sa.ColumnElement[Any]]:
        """Labelled scalar expressions (labels unique to this kind of probe), parameters by name."""
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        raise NotImplementedError

    def read(self, row: sa.RowMapping) -> None:
        raise NotImplementedError

    def writes(self) -> list[RowWrite]:
        """Rows this probe's answers make the write add (after the projection's rows)."""
        return []

    def customer_rows(self) -> dict[int, tuple[bool, dict[str, Any]]]:
        """Customer columns to write with the projection's: {customer: (new row?, values)}."""
        return {}


_statements: dict[tuple[Any, ...], sa.Select[Any]] = {}


def replay_statement(dialect: str, server_clock: Any, probes: Sequence[Probe]) -> sa.Select[Any]:
    """SELECT probe.now, probe.station_retired, probe.<asked>..., journal.<entry> FROM probe LEFT JOIN journal
    ON seq >= :since. `station_retired`: is the writing station (:w_station) retired? Asked with every write.

    `server_clock`: the database's clock as a column (PostgreSQL), or None. The probe is a CTE so that
    volatile values in it (the clock, a sequence) are computed once, not once per journal row."""
    key = (dialect, server_clock is not None, tuple(probe.signature() for probe in probes))
    found = _statements.get(key)
    if found is None:
        asked = [column for probe in probes for column in probe.columns(dialect)]
        now = server_clock if server_clock is not None else sa.null()
        probe = sa.select(now.label("now"), _station_retired(), *asked).cte("probe")
        found = (sa.select(probe, *JOURNAL_COLUMNS)
                 .select_from(probe.outerjoin(JournalEntry, JournalEntry.seq >= sa.bindparam("since")))
                 .order_by(JournalEntry.seq))
        if len(_statements) > 256:  # shapes are few; this only bounds a pathological caller
            _statements.clear()
        _statements[key] = found
    return found


def _station_retired() -> sa.Label[Any]:
    """When the writing station (parameter `w_station`) was retired, else NULL (service/stations.py)."""
    return (sa.select(Station.retired_at).where(Station.name == sa.bindparam("w_station", type_=sa.String))
            .scalar_subquery().label("station_retired"))


class Names(Probe):
    """Do the consultants, the channel and the agent a write names exist (and is the agent the channel's)?
    Registry rows are never deleted, but they are read here, fresh, at no cost of a round trip."""

    def __init__(self, consultants: Sequence[str | None] = (), channel: str | None = None,
                 agent: str | None = None) -> None:
        self.consultants = tuple(name for name in consultants if name is not None)
        self.channel, self.agent = channel, agent
        self.known: set[str] = set()  # consultants found
        self.channel_found = False
        self.agent_channel: str | None = None

    def signature(self) -> tuple[Any, ...]:
        return "names", len(self.consultants), self.channel is not None, self.agent is not None

    def columns(self, dialect: str) -> list[sa.ColumnElement[Any]]:
        asked: list[sa.ColumnElement[Any]] = [
            sa.exists().where(Consultant.name == sa.bindparam(f"n_c{i}", type_=sa.String)).label(f"n_c{i}")
            for i in range(len(self.consultants))]
        if self.channel is not None:
            asked.append(sa.exists().where(Channel.name == sa.bindparam("n_channel", type_=sa.String))
                         .label("n_channel"))
        if self.agent is not None:
            asked.append(sa.select(Agent.channel).where(Agent.name == sa.bindparam("n_agent", type_=sa.String))
                         .scalar_subquery().label("n_agent"))
        return asked

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {f"n_c{i}": name for i, name in enumerate(self.consultants)}
        if self.channel is not None:
            values["n_channel"] = self.channel
        if self.agent is not None:
            values["n_agent"] = self.agent
        return values

    def read(self, row: sa.RowMapping) -> None:
        self.known = {name for i, name in enumerate(self.consultants) if row[f"n_c{i}"]}
        self.channel_found = bool(row["n_channel"]) if self.channel is not None else False
        self.agent_channel = row["n_agent"] if self.agent is not None else None


class CheckinRef(Probe):
    """A kiosk's check-in reference: already registered (the kiosk sent it again)? And the row that
    keeps it beside the visit (db/checkin_refs.py), written with the visit."""

    def __init__(self, ref: str | None) -> None:
        self.ref, self.taken = ref, False
        self.row: dict[str, Any] | None = None

    def signature(self) -> tuple[Any, ...]:
        return ("ref", self.ref is not None)

    def columns(self, dialect: str) -> list[sa.ColumnElement[Any]]:
        if self.ref is None:
            return []
        return [sa.exists().where(CheckinRefRow.ref == sa.bindparam("r_ref", type_=sa.String)).label("r_taken")]

    def params(self) -> dict[str, Any]:
        return {} if self.ref is None else {"r_ref": self.ref}

    def read(self, row: sa.RowMapping) -> None:
        self.taken = self.ref is not None and bool(row["r_taken"])
        self.row = None

    def writes(self) -> list[RowWrite]:
        return [] if self.row is None else [write_sql.insert("checkin_refs", self.row)]

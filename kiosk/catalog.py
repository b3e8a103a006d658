"""What the visitor's screens show that comes from the database — the sources, the channels with their
agents — kept in memory and refreshed in the background, so that no screen waits for a
read, and a read never waits behind a write the database is holding up. Qt-free; the window schedules
`load` on its read workers (at start, on journal news, every minute) and swaps the result in."""

from __future__ import annotations

from dataclasses import dataclass, field

from db import reception
from db.service import Store


def _offline_sources() -> list[reception.Source]:
    """Before the first load (database away at start): what needs no channel list."""
    return [s for s in reception.DEFAULT_SOURCES if s.registers_as == "natural"]


@dataclass(frozen=True)
class Catalog:
    sources: list[reception.Source] = field(default_factory=_offline_sources)
    channels: dict[str, list[str]] = field(default_factory=dict)
    loaded: bool = False  # False: the offline defaults, nothing read yet


def load(store: Store) -> Catalog:
    """One read of everything the screens list (runs on a worker)."""
    return Catalog(sources=reception.sources(store), channels=reception.channels(store), loaded=True)

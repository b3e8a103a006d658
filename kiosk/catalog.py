"""What the visitor's screens show that comes from the database — the sources, the channels with their
agents, the site's consent notice — kept in memory and refreshed in the background, so that no screen
waits for a read, and a read never waits behind a write the database is holding up. Qt-free; the window
schedules `load` on its read workers (at start, on journal news, every minute) and swaps the result in.
Each fresh read is also kept on disk (kiosk.catalog_cache) for a kiosk that starts without its database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from service import reception, site_settings
from service.store import Store

if TYPE_CHECKING:
    from kiosk.catalog_cache import CatalogCache

log = logging.getLogger(__name__)


def _offline_sources() -> list[reception.Source]:
    """Before the first load (database away at start, no cache): what needs no channel list."""
    return [s for s in reception.DEFAULT_SOURCES if s.registers_as == "natural"]


@dataclass(frozen=True)
class Catalog:
    sources: list[reception.Source] = field(default_factory=_offline_sources)
    channels: dict[str, list[str]] = field(default_factory=dict)
    notice: tuple[str, str] | None = None  # the site's own consent notice (text, version); None: the default
    loaded: bool = False  # False: the offline defaults or the cached copy, nothing read yet
    saved_at: datetime | None = None  # the cached copy (kiosk.catalog_cache): when it was last written


def load(store: Store, cache: CatalogCache | None = None) -> Catalog:
    """One read of everything the screens list (runs on a worker), kept in `cache` when given. A cache
    that cannot be written is logged: the fresh read is still shown."""
    fresh = Catalog(sources=reception.sources(store), channels=reception.channels(store),
                    notice=site_settings.consent_notice(store.engine), loaded=True)
    if cache is not None:
        try:
            cache.save(fresh)
        except OSError as error:
            log.warning("sources and channels read, but not kept in the cache %s: %s", cache.path, error)
    return fresh

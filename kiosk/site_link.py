"""A kiosk that starts while the site database is away (a server still booting, a network not up yet, a
SQLite folder not mounted): it needs the site's keys, not the database, to take check-ins into its
outbox. So `open_store` hands back a store that has not reached the database yet and a `SiteLink` that
does the start checks `Store.open` would have done — the schema is this program's, the key files are
this site's, the station registered and not retired — the first time the database answers. Until they
pass nothing is written there: the check-ins wait in the outbox, and the kiosk says it is offline.

Qt-free: the submitter calls `ensure` on its writer thread before each write and drain.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from db import integrity, migrate
from db.database import DatabaseUnavailable, make_engine, read_session
from db.keys import Keyring
from kiosk.outbox import UNREACHABLE
from service.store import Store

log = logging.getLogger(__name__)


class SiteRefused(DatabaseUnavailable):
    """The database answers but this kiosk may not write there (a schema of another version, another
    site's keys, a retired station): the check-ins stay in the outbox, and staff are told why."""


class SiteLink:
    def __init__(self, store: Store, kind: str = "kiosk") -> None:
        self.store, self.kind = store, kind
        self.online = False
        self._guard = threading.Lock()

    def ensure(self) -> None:
        """Returns once the start checks have passed (at once after the first time). Raises
        DatabaseUnavailable while the database is away, SiteRefused (one) when a check refuses."""
        if self.online:
            return
        with self._guard:
            if self.online:
                return
            engine = self.store.engine
            try:
                migrate.check(engine)
                with read_session(engine) as session:
                    integrity.check_keys(session, self.store.keyring)
                self.store.register_station(self.kind)
            except DatabaseUnavailable:
                raise
            except UNREACHABLE as error:  # as the store's own reads say it: the callers keep retrying
                raise DatabaseUnavailable(f"数据库不可用 / the database is unavailable: "
                                          f"{str(error).splitlines()[0]}") from error
            except Exception as error:  # noqa: BLE001 - every refusal is said, and the check-ins kept
                raise SiteRefused(f"数据库拒绝本机写入 / the site database refuses this kiosk: "
                                  f"{str(error).splitlines()[0]}") from error
            self.online = True
            log.info("site database reached: the start checks passed, the outbox drains now")


def open_store(url: str, directory: Path, *, station: str, budget_s: float) -> tuple[Store, SiteLink | None]:
    """`Store.open` as the kiosk needs it; when the database does not answer, a store to reach it later
    and the SiteLink that checks it then. Without the site's keys (no site here) it raises as before."""
    try:
        return Store.open(url, directory, station=station, kind="kiosk", write_budget_s=budget_s), None
    except UNREACHABLE as error:
        keyring = Keyring.load(directory)  # KeysMissing: no site on this computer, said as before
        log.warning("site database not reachable at start (%s): taking check-ins into the outbox",
                    str(error).splitlines()[0])
    store = Store(make_engine(url, lock_budget_s=budget_s), keyring, station=station)
    store.write_budget_s = budget_s
    return store, SiteLink(store)

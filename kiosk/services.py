"""What the kiosk window is given (store, camera, ID reader, face engine, outbox, timings), so tests and
the tour inject fakes and short timers while `anchang-kiosk` passes the real ones."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiosk.camera_feed import FrameSource
from kiosk.catalog import Catalog
from kiosk.checkin import OutboxLike
from kiosk.faces import FaceEngine
from service.store import Store
from vision.qr import AppointmentVerifier

NOTICE_VERSION = "face-notice-2025-06"


class CardReader(Protocol):
    def open(self) -> str: ...
    def close(self) -> None: ...
    def read_card(self) -> Any: ...


@dataclass(frozen=True)
class Timings:
    done_ms: int = 8_000  # back to the start screen after a successful check-in
    idle_ms: int = 30_000  # ... and after the last touch on any screen
    long_press_ms: int = 2_000  # staff corner
    card_poll_ms: int = 400  # ID card: ask the reader again while no card lies on it
    card_wait_ms: int = 20_000  # give up waiting for a card
    outbox_retry_ms: int = 15_000  # try the outbox again while the database was away
    face_timeout_ms: int = 20_000  # a face attempt that neither passes nor fails
    submit_budget_ms: int = 3_000  # 提交: a write not answered by then goes to the outbox (kiosk.submitter)


def _open_reader(port: str) -> CardReader:
    from vision.idcard import IdCardReader

    return IdCardReader(port)


@dataclass
class KioskServices:
    store: Store
    outbox: OutboxLike | None = None
    camera: FrameSource | None = None
    faces: FaceEngine | None = None
    faces_factory: Callable[[], FaceEngine] | None = None  # slow to build: made on a worker after start
    reader_port: str | None = None
    open_reader: Callable[[str], CardReader] = _open_reader
    verifier: AppointmentVerifier | None = None
    qr_decoder: Callable[[Any], list[str]] | None = None
    notice_version: str = NOTICE_VERSION
    notice_text: str | None = None  # the site's own notice (service/site_settings.py); None: the default
    project_name: str = "案场通"
    timings: Timings = field(default_factory=Timings)
    wall_clock: Callable[[], float] = time.time
    alerts: list[str] = field(default_factory=list)  # shown to reception in staff mode
    live: Callable[[Store], Any] | None = None  # service.live.LiveFeed: news of journal entries
    site_link: Any = None  # kiosk.site_link.SiteLink when the kiosk started without its database
    catalog_cache: Any = None  # kiosk.catalog_cache.CatalogCache: where each fresh catalogue is kept
    catalog: Catalog | None = None  # started without its database: the catalogue kept from the last read

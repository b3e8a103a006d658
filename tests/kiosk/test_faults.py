"""Faults: the database away (outbox, "登记已保存，请到前台", written once when it answers), the camera lost
(three other paths keep working, back by itself), a double tap on 提交, a visitor who walks away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from db.models import VisitRecord
from kiosk.fakes import FakeCamera, ScriptedFaceEngine
from kiosk.outbox import Outbox
from kiosk.services import Timings
from service.store import Store, SystemClock
from tests.kiosk.conftest import make_store, services_for
from tests.kiosk.helpers import open_window, phone_path, tap, text, type_digits, until, wait_screen
from vision.camera import CameraState


def visits(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(VisitRecord)).scalar_one())


def test_outbox_keeps_check_ins_while_the_database_is_away(qtbot: Any, tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    store = make_store(f"sqlite:///{folder / 'anchang.sqlite3'}", tmp_path / "keys")
    outbox = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    window = open_window(qtbot, services_for(store, outbox=outbox))
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13800001212")
    until(qtbot, lambda: window.runner.pending == 0)
    store.engine.dispose()
    folder.rename(tmp_path / "away")  # the database is gone
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message") == "登记已保存，请到前台"
    assert [c["phone"] for c in outbox.pending()] == ["13800001212"]
    assert all(c["template"] is None for c in outbox.pending())  # no biometrics on the kiosk's disk
    (tmp_path / "away").rename(folder)  # back: the retry timer drains the outbox
    until(qtbot, lambda: outbox.pending() == [], timeout=10_000)
    until(qtbot, lambda: window.runner.pending == 0)
    assert visits(store) == 1
    window.drain_outbox()  # again: nothing twice
    until(qtbot, lambda: window.runner.pending == 0)
    assert visits(store) == 1
    store.dispose()


def test_a_postgresql_restart_under_a_running_kiosk_loses_nothing(qtbot: Any, private_pg: tuple[str, Any],
                                                                   tmp_path: Path) -> None:
    """A real server stopped and started under the window: the check-in waits in the outbox, is shown as
    waiting, and is written once when the server answers again."""
    url, pg_ctl = private_pg
    store = make_store(url + "?connect_timeout=2", tmp_path / "keys")
    store.clock = SystemClock()  # the server's clock, as at a real site
    outbox = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    window = open_window(qtbot, services_for(store, outbox=outbox))
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13800001313")
    until(qtbot, lambda: window.runner.pending == 0)
    pg_ctl("stop")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message") == "登记已保存，请到前台"
    assert [c["phone"] for c in outbox.pending()] == ["13800001313"]
    pg_ctl("start")
    until(qtbot, lambda: outbox.pending() == [], timeout=30_000)
    until(qtbot, lambda: window.runner.pending == 0)
    assert visits(store) == 1
    window.drain_outbox()
    until(qtbot, lambda: window.runner.pending == 0)
    assert visits(store) == 1  # none twice
    window.close()
    store.dispose()


def test_camera_lost_leaves_the_other_paths_and_comes_back(qtbot: Any, store: Store) -> None:
    camera = FakeCamera()
    window = open_window(qtbot, services_for(store, camera=camera, faces=ScriptedFaceEngine()))
    start = window.screen("start")
    until(qtbot, lambda: start.face.isEnabled())
    camera.state = CameraState.LOST
    until(qtbot, lambda: not start.face.isEnabled())
    assert not start.qr_button.isEnabled()
    assert text(window, "camera_status") == "摄像头暂不可用，正在重新连接；请用手机号登记"  # no ID reader here
    assert start.phone.isEnabled()
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13800003434")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    camera.state = CameraState.RUNNING
    until(qtbot, lambda: start.face.isEnabled())


def test_a_double_tap_on_submit_writes_once(qtbot: Any, any_store: Store) -> None:
    window = open_window(qtbot, services_for(any_store))
    tap(qtbot, window, "choice_phone")
    phone_path(qtbot, window, "13800005656")
    until(qtbot, lambda: window.runner.pending == 0)
    window.submit()
    window.submit()  # the second tap while the first runs
    wait_screen(qtbot, window, "done")
    until(qtbot, lambda: window.runner.pending == 0)
    assert visits(any_store) == 1


def test_the_same_flow_submitted_twice_is_one_visit(any_store: Store) -> None:
    from kiosk import checkin
    from kiosk.flow import Flow

    flow = Flow(method="phone", phone="13800007878", surname="李", title="先生")
    checkin.submit(any_store, None, flow.checkin())
    checkin.submit(any_store, None, flow.checkin())  # a resend after a lost answer: same ref
    assert visits(any_store) == 1


def test_a_visitor_who_walks_away_is_reset_quietly(qtbot: Any, store: Store) -> None:
    window = open_window(qtbot, services_for(store, timings=Timings(idle_ms=1500)))
    tap(qtbot, window, "choice_phone")
    type_digits(qtbot, window, "138000")
    wait_screen(qtbot, window, "start")  # idle_ms after the last touch
    assert window.flow is None
    assert visits(store) == 0
    tap(qtbot, window, "choice_phone")
    assert text(window, "phone_display") == "—"  # nothing left of the last visitor


def test_each_touch_restarts_the_idle_timer(qtbot: Any, store: Store) -> None:
    window = open_window(qtbot, services_for(store))
    tap(qtbot, window, "choice_phone")
    qtbot.wait(300)
    before = window.idle_timer.remainingTime()
    type_digits(qtbot, window, "1")
    assert window.idle_timer.remainingTime() > before
    assert window.current == "phone"


def test_sightings_of_enrolled_faces_are_recorded_once_per_visit(qtbot: Any, store: Store) -> None:
    from kiosk.checkin import face_key

    consent = store.record_consent("v1")
    store.register_visit("13800009090", name="赵女士", face=face_key(consent), actor="kiosk")
    store.enrol_face("13800009090", b"\x02" * 512, consent)
    customer = str(store.customer_id("13800009090"))
    faces = ScriptedFaceEngine(seen=[customer])
    window = open_window(qtbot, services_for(store, camera=FakeCamera(), faces=faces))
    start = window.screen("start")
    until(qtbot, lambda: customer in start.sighted)
    until(qtbot, lambda: window.runner.pending == 0)
    start.record_sightings([customer])  # seen again in the same visit
    until(qtbot, lambda: window.runner.pending == 0)
    with store.engine.connect() as conn:
        from db.models import JournalEntry

        kinds = conn.execute(sa.select(JournalEntry.kind)).scalars().all()
    assert kinds.count("sighting") == 1

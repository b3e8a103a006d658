"""QR appointments (read on the start screen without a tap; the appointment shown for the visitor to confirm
and checked in for its customer; forged, expired, foreign, cancelled and used codes explained; the store
away at the scan or at the confirmation) and the ID card through the simulated GA 467 reader (read, no card, bad checksum, unplugged, none attached)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from db.models import VisitRecord
from kiosk.fakes import FakeCamera
from kiosk.outbox import Outbox
from service import appointments, reception
from service.desk import Desk
from service.queries import appointments as queries
from service.store import Store
from service.users import User
from tests.kiosk.conftest import make_store, services_for
from tests.kiosk.helpers import open_window, tap, text, type_digits, until, wait_screen
from vision.idcard.simulator import CardImage, SimulatedReader
from vision.qr import Appointment, AppointmentSigner, AppointmentVerifier, generate_signing_key


class Codes:
    """What the camera 'sees': the QR texts the injected decoder returns."""

    def __init__(self) -> None:
        self.showing: list[str] = []

    def __call__(self, frame: Any) -> list[str]:
        return list(self.showing)


def qr_window(qtbot: Any, store: Store, codes: Codes, **services: Any) -> Any:
    verifier = AppointmentVerifier([store.keyring.verify_key], "anchang")
    return open_window(qtbot, services_for(store, camera=FakeCamera(), verifier=verifier, qr_decoder=codes,
                                           **services))


def reception_desk(store: Store) -> Desk:
    return Desk(store, User(name="前台小王", role="receptionist", consultant=None, active=True))


def book(store: Store, phone: str = "13812345678", consultant: str = "王丽") -> tuple[str, str]:
    """An appointment open now (it began 10 minutes ago, for an hour): (its code, the signed QR text)."""
    starts = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    desk = reception_desk(store)
    code = appointments.create(desk, "张", "女士", phone, starts, starts + timedelta(hours=1), consultant)
    return code, appointments.signed_code(desk, code, "anchang")


def summary(store: Store, code: str, masked: str = "138****5678", consultant: str = "王丽") -> str:
    row = queries.get(reception_desk(store), code)
    return f"张女士 {masked}\n您预约了 {row.starts_at:%H:%M}-{row.ends_at:%H:%M}\n置业顾问 {consultant}"


def test_a_valid_code_prefills_the_check_in_for_the_appointments_customer(qtbot: Any, any_store: Store) -> None:
    any_store.register_visit("13900000001", name="王五")  # another customer; the rotation moves on
    codes = Codes()
    window = qr_window(qtbot, any_store, codes)
    code, text_code = book(any_store, consultant="李强")
    codes.showing = [text_code]  # held up on the start screen, no tap
    wait_screen(qtbot, window, "qr")
    until(qtbot, lambda: window.screen("qr").details is not None)
    codes.showing = []
    assert text(window, "qr_appointment") == summary(any_store, code, consultant="李强")
    assert window.flow.method == "qr" and window.flow.appointment == code and window.flow.phone == ""
    tap(qtbot, window, "qr_submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message") == "登记成功，置业顾问 李强 马上为您服务"
    assert text(window, "done_detail") == "138****5678"
    row = queries.get(reception_desk(any_store), code)
    assert row.status == "arrived" and row.visit_seq is not None
    with any_store.engine.connect() as conn:
        visited = conn.scalar(sa.select(VisitRecord.customer_id).where(VisitRecord.id == row.visit_seq))
    assert visited == any_store.customer_id("13812345678") == row.customer_id
    assert [p.visit_seq for p in reception.pending_checkins(any_store)] == [row.visit_seq]  # 前台确认


def test_the_confirmation_and_the_done_screen_name_the_same_consultant(qtbot: Any, any_store: Store) -> None:
    """Booked with 王丽 while new; 李强 received the visitor since and protects them: both screens say 李强."""
    code, text_code = book(any_store, consultant="王丽")
    any_store.register_visit("13812345678", consultant="李强", name="张女士")
    codes = Codes()
    window = qr_window(qtbot, any_store, codes)
    codes.showing = [text_code]
    until(qtbot, lambda: window.screen("qr").details is not None)
    codes.showing = []
    assert text(window, "qr_appointment") == summary(any_store, code, consultant="李强")
    tap(qtbot, window, "qr_submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message") == "登记成功，置业顾问 李强 马上为您服务"


def test_the_confirmation_promises_no_name_the_write_alone_can_tell(qtbot: Any, any_store: Store) -> None:
    """A check-in another consultant received still waits for reception: who receives the appointment's
    visit is the write's to say, so the confirmation shows the time and the masked phone only."""
    code, text_code = book(any_store, consultant="王丽")
    any_store.register_visit("13812345678", consultant="李强", name="张女士", verified=False)
    codes = Codes()
    window = qr_window(qtbot, any_store, codes)
    codes.showing = [text_code]
    until(qtbot, lambda: window.screen("qr").details is not None)
    codes.showing = []
    assert text(window, "qr_appointment") == summary(any_store, code).rsplit("\n", 1)[0]
    assert "置业顾问" not in text(window, "qr_appointment")
    tap(qtbot, window, "qr_submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message").startswith("登记成功")


@pytest.mark.parametrize(("state", "message"), [("cancelled", "此预约已取消，请用其他方式登记"),
                                                 ("used", "此预约码已使用过，请用其他方式登记")])
def test_a_cancelled_or_used_code_is_refused_in_plain_words(qtbot: Any, any_store: Store, state: str,
                                                            message: str) -> None:
    code, text_code = book(any_store)
    if state == "cancelled":
        appointments.cancel(reception_desk(any_store), code)
    else:
        appointments.check_in_appointment(any_store, code, ref="at-another-kiosk")
    visits_before = len(reception.pending_checkins(any_store))
    codes = Codes()
    window = qr_window(qtbot, any_store, codes)
    codes.showing = [text_code]
    wait_screen(qtbot, window, "qr")
    until(qtbot, lambda: text(window, "qr_error") == message)
    assert window.flow is None and window.screen("qr").details is None
    assert len(reception.pending_checkins(any_store)) == visits_before
    tap(qtbot, window, "qr_phone")  # the other way in is right there
    wait_screen(qtbot, window, "phone")


@pytest.mark.parametrize(("kind", "message"), [("forged", "预约码无效，请联系置业顾问"),
                                                ("expired", "预约码已过期，请用其他方式登记"),
                                                ("foreign", "这是其他项目的预约码")])
def test_a_bad_code_gets_its_reason(qtbot: Any, store: Store, kind: str, message: str) -> None:
    signer = AppointmentSigner(store.keyring.signing_key)  # the site's own key, as the console signs
    codes = Codes()
    window = qr_window(qtbot, store, codes)
    now = int(time.time())
    if kind == "forged":
        code = AppointmentSigner(generate_signing_key()).sign(Appointment("A-1", "anchang", now, now + 60))
    elif kind == "expired":
        code = signer.sign(Appointment("A-2", "anchang", now - 7200, now - 3600))
    else:
        code = signer.sign(Appointment("A-3", "other", now - 60, now + 3600))
    codes.showing = [code]
    wait_screen(qtbot, window, "qr")
    until(qtbot, lambda: text(window, "qr_error") == message)
    assert window.flow is None


def test_store_away_at_the_scan_offers_the_phone_path(qtbot: Any, tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    store = make_store(f"sqlite:///{folder / 'anchang.sqlite3'}", tmp_path / "keys")
    _code, text_code = book(store)
    codes = Codes()
    window = qr_window(qtbot, store, codes)
    store.engine.dispose()
    folder.rename(tmp_path / "away")
    codes.showing = [text_code]
    wait_screen(qtbot, window, "qr")
    until(qtbot, lambda: text(window, "qr_error") == "暂时无法查询预约，请改用手机号登记")
    assert window.flow is None
    tap(qtbot, window, "qr_phone")
    wait_screen(qtbot, window, "phone")
    (tmp_path / "away").rename(folder)
    window.close()
    store.dispose()


def test_store_away_at_the_confirmation_keeps_the_check_in_in_the_outbox(qtbot: Any, tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    store = make_store(f"sqlite:///{folder / 'anchang.sqlite3'}", tmp_path / "keys")
    outbox = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    code, text_code = book(store)
    codes = Codes()
    window = qr_window(qtbot, store, codes, outbox=outbox)
    codes.showing = [text_code]
    until(qtbot, lambda: window.screen("qr").details is not None)
    codes.showing = []
    until(qtbot, lambda: window.runner.pending == 0)
    store.engine.dispose()
    folder.rename(tmp_path / "away")  # the database goes while the visitor reads the confirmation
    tap(qtbot, window, "qr_submit")
    wait_screen(qtbot, window, "done")
    assert text(window, "done_message") == "登记已保存，请到前台"
    assert "138****5678" in text(window, "done_detail")
    [queued] = outbox.pending()
    assert queued["appointment"] == code and queued["phone"] == ""  # the kiosk never held the number
    (tmp_path / "away").rename(folder)
    until(qtbot, lambda: outbox.pending() == [], timeout=10_000)
    until(qtbot, lambda: window.runner.pending == 0)
    row = queries.get(reception_desk(store), code)
    assert row.status == "arrived" and outbox.rejected() == []
    window.close()
    store.dispose()


def test_id_card_read_verifies_the_visit(qtbot: Any, any_store: Store) -> None:
    with SimulatedReader(CardImage()) as reader:
        window = open_window(qtbot, services_for(any_store, reader_port=reader.port))
        tap(qtbot, window, "choice_idcard")
        until(qtbot, lambda: window.screen("idcard").next.isEnabled())
        assert text(window, "idcard_name") == "张*"  # the public screen shows no full name
        assert text(window, "idcard_number") == "110105********002X"
        tap(qtbot, window, "idcard_next")
        wait_screen(qtbot, window, "phone")
        type_digits(qtbot, window, "13500004444")
        tap(qtbot, window, "phone_next")
        wait_screen(qtbot, window, "source")  # the name came from the card
        until(qtbot, lambda: window.screen("source").loaded)
        tap(qtbot, window, "submit")
        wait_screen(qtbot, window, "done")
    view = any_store.customer_view("13500004444")
    assert view is not None and view.owner == "李强"  # verified: the first visit makes the owner


def test_no_card_then_a_card(qtbot: Any, store: Store) -> None:
    with SimulatedReader() as reader:
        window = open_window(qtbot, services_for(store, reader_port=reader.port))
        tap(qtbot, window, "choice_idcard")
        until(qtbot, lambda: text(window, "idcard_status") == "请将身份证放在读卡区")
        reader.card = CardImage()
        until(qtbot, lambda: window.screen("idcard").next.isEnabled())


def test_a_bad_checksum_is_a_message_and_a_retry(qtbot: Any, store: Store) -> None:
    with SimulatedReader(CardImage()) as reader:
        reader.corrupt_next = True
        window = open_window(qtbot, services_for(store, reader_port=reader.port))
        tap(qtbot, window, "choice_idcard")
        until(qtbot, lambda: window.screen("idcard").next.isEnabled())  # retried after the message
        assert window.flow.id_card == "11010519491231002X"


def test_reader_unplugged_is_a_message_and_no_record(qtbot: Any, store: Store, tmp_path: Any) -> None:
    before = store.site().last_seq if hasattr(store.site(), "last_seq") else None
    window = open_window(qtbot, services_for(store, reader_port=str(tmp_path / "ttyGONE")))
    tap(qtbot, window, "choice_idcard")
    until(qtbot, lambda: text(window, "idcard_status") == "身份证读卡器未连接，请用其他方式登记")
    assert not window.screen("idcard").next.isEnabled()
    assert window.flow.id_card is None
    tap(qtbot, window, "idcard_back")
    assert not window.screen("start").idcard.isEnabled()  # shown disabled with the reason from now on
    assert "未连接读卡器" in window.screen("start").idcard.text()
    assert (store.site().last_seq if before is not None else None) == before


def test_no_reader_attached_shows_the_choice_disabled(qtbot: Any, store: Store) -> None:
    window = open_window(qtbot, services_for(store))
    assert not window.screen("start").idcard.isEnabled()
    assert window.screen("start").idcard.text() == "刷身份证\n（未连接读卡器）"


def test_reader_unplugged_while_waiting_for_the_card(qtbot: Any, store: Store) -> None:
    reader = SimulatedReader()
    reader.__enter__()
    window = open_window(qtbot, services_for(store, reader_port=reader.port))
    tap(qtbot, window, "choice_idcard")
    until(qtbot, lambda: text(window, "idcard_status") == "请将身份证放在读卡区")
    reader.__exit__(None, None, None)  # the cable is pulled between two polls
    until(qtbot, lambda: text(window, "idcard_status") == "身份证读卡器未连接，请用其他方式登记")
    assert window.flow.id_card is None and store.customer_id("13500004444") is None


def test_a_real_qr_picture_is_decoded_from_the_camera(qtbot: Any, store: Store) -> None:
    import cv2
    import numpy as np

    from vision.qr import qr_matrix_image

    code, text_code = book(store)
    picture = qr_matrix_image(text_code, scale=6)
    frame = np.ascontiguousarray(cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR) if picture.ndim == 2 else picture)
    verifier = AppointmentVerifier([store.keyring.verify_key], "anchang")
    window = open_window(qtbot, services_for(store, camera=FakeCamera(frame), verifier=verifier))
    until(qtbot, lambda: window.screen("qr").details is not None)
    assert window.current == "qr" and window.flow.appointment == code

"""QR appointments (read on the start screen without a tap; forged or expired codes explained) and the
ID card through the simulated GA 467 reader (read, no card, bad checksum, unplugged, none attached)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from db.service import Store
from kiosk.fakes import FakeCamera
from tests.kiosk.conftest import services_for
from tests.kiosk.helpers import open_window, tap, text, type_digits, until, wait_screen
from vision.idcard.simulator import CardImage, SimulatedReader
from vision.qr import Appointment, AppointmentSigner, AppointmentVerifier, generate_signing_key


class Codes:
    """What the camera 'sees': the QR texts the injected decoder returns."""

    def __init__(self) -> None:
        self.showing: list[str] = []

    def __call__(self, frame: Any) -> list[str]:
        return list(self.showing)


@pytest.fixture
def signer() -> AppointmentSigner:
    return AppointmentSigner(generate_signing_key())


def qr_window(qtbot: Any, store: Store, signer: AppointmentSigner, codes: Codes) -> Any:
    verifier = AppointmentVerifier([signer.public_key], "anchang")
    return open_window(qtbot, services_for(store, camera=FakeCamera(), verifier=verifier, qr_decoder=codes))


def test_a_valid_code_held_up_on_the_start_screen_starts_the_check_in(qtbot: Any, any_store: Store,
                                                                     signer: AppointmentSigner) -> None:
    codes = Codes()
    window = qr_window(qtbot, any_store, signer, codes)
    now = int(time.time())
    codes.showing = [signer.sign(Appointment("A-7", "anchang", now - 60, now + 3600))]
    wait_screen(qtbot, window, "phone")
    codes.showing = []
    assert window.flow.method == "qr" and window.flow.appointment == "A-7"
    assert text(window, "phone_notice") == "预约已确认，请输入手机号完成登记"


@pytest.mark.parametrize(("kind", "message"), [("forged", "预约码无效，请联系置业顾问"),
                                                ("expired", "预约码已过期，请用其他方式登记"),
                                                ("foreign", "这是其他项目的预约码")])
def test_a_bad_code_gets_its_reason(qtbot: Any, store: Store, signer: AppointmentSigner, kind: str,
                                    message: str) -> None:
    codes = Codes()
    window = qr_window(qtbot, store, signer, codes)
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


def test_id_card_read_verifies_the_visit(qtbot: Any, any_store: Store) -> None:
    with SimulatedReader(CardImage()) as reader:
        window = open_window(qtbot, services_for(any_store, reader_port=reader.port))
        tap(qtbot, window, "choice_idcard")
        until(qtbot, lambda: window.screen("idcard").next.isEnabled())
        assert text(window, "idcard_name") == "张三"
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


def test_a_real_qr_picture_is_decoded_from_the_camera(qtbot: Any, store: Store, signer: AppointmentSigner) -> None:
    import cv2
    import numpy as np

    from vision.qr import qr_matrix_image

    now = int(time.time())
    code = signer.sign(Appointment("A-9", "anchang", now - 60, now + 3600))
    picture = qr_matrix_image(code, scale=6)
    frame = np.ascontiguousarray(cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR) if picture.ndim == 2 else picture)
    verifier = AppointmentVerifier([signer.public_key], "anchang")
    window = open_window(qtbot, services_for(store, camera=FakeCamera(frame), verifier=verifier))
    wait_screen(qtbot, window, "phone")
    assert window.flow.appointment == "A-9"

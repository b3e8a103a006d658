"""预约 page: reception books a visitor (the number cleared from the form, shown masked), the signed QR
code is shown, saved as a PNG the kiosk's decoder reads and printed to a PDF; every bad field is refused
beside it with nothing typed lost; a consultant books only for themself and sees their own; cancelling
makes the code useless at the kiosk; the admin only looks; the channel manager does not see the page and
the Desk refuses them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QTime

import console.window
from console.pages import PAGES
from console.pages.appointments import AppointmentsPage
from service import appointments
from service.appointments import AppointmentRefused
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import Store
from service.users import User
from tests.console.helpers import click, open_console, settle
from tests.db.stores import T0
from vision.qr import AppointmentVerifier

PHONE = "138 1234 5678"


@pytest.fixture(autouse=True)
def _only_this_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window builds only the 今日 and 预约 pages: other pages' state is not under test here."""
    monkeypatch.setattr(console.window, "PAGES", tuple(p for p in PAGES if p[0] in ("today", "appointments")))


def _page(qtbot: Any, store: Store, user: str) -> tuple[Any, AppointmentsPage]:
    window = open_console(qtbot, store, user)
    page = window.open_page("appointments")
    settle(window)
    assert isinstance(page, AppointmentsPage)
    return window, page


def _fill(page: AppointmentsPage, surname: str = "张", phone: str = PHONE, start: int = 11, end: int = 12,
          consultant: str | None = "李强") -> None:
    page.surname.setText(surname)
    page.title_choice.setCurrentIndex(page.title_choice.findData("女士"))
    page.phone.setText(phone)
    page.starts.setTime(QTime(start, 0))
    page.ends.setTime(QTime(end, 0))
    if consultant is not None:
        page.consultant.setCurrentIndex(page.consultant.findData(consultant))


def _shown(page: AppointmentsPage) -> list[tuple[str, ...]]:
    model = page.model
    return [tuple(str(model.data(model.index(r, c))) for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def test_reception_books_a_visitor_and_saves_and_prints_the_code(qtbot: Any, any_store: Store,
                                                                tmp_path: Path) -> None:
    window, page = _page(qtbot, any_store, "前台")
    assert page.day.date() == QDate(2026, 3, 1) and page.starts.time() == QTime(11, 0)  # the site's today
    _fill(page)
    click(qtbot, window, "appointments_create")
    assert _shown(page) == [("11:00-12:00", "张女士", "138****5678", "李强", "待到访", "前台")]
    assert page.phone.text() == "" and page.surname.text() == ""  # the number does not stay on screen
    settle(window)
    code_text = page.card.code_text
    verifier = AppointmentVerifier([any_store.keyring.verify_key], appointments.project_name())
    code = verifier.verify(code_text, T0.timestamp()).appointment_id
    assert page.card.caption.text().splitlines() == ["张女士 138****5678", "2026-03-01 11:00-12:00", "置业顾问 李强"]
    assert "5678" not in code_text and "张" not in code_text
    # saved: the picture the visitor gets is read back by the kiosk's decoder
    import cv2

    from vision.qr import QrDecoder

    saved = page.card.save(tmp_path / "code.png")
    assert saved is not None and QrDecoder().decode(cv2.imread(str(saved))) == [code_text]
    printed = page.card.print_slip(tmp_path / "slip.pdf")
    assert printed is not None and printed.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True).stdout
        assert "张女士 138****5678" in text and "置业顾问 李强" in text and PHONE.replace(" ", "") not in text
    # the kiosk finds it
    assert appointments.for_kiosk(any_store, code).consultant == "李强"


def test_every_bad_field_is_refused_beside_it_and_nothing_typed_is_lost(qtbot: Any, store: Store) -> None:
    window, page = _page(qtbot, store, "经理")
    _fill(page, surname="", phone="138 1234", start=9, end=9)
    page.starts.setTime(QTime(9, 0))
    page.ends.setTime(QTime(8, 0))
    click(qtbot, window, "appointments_create")
    assert page.form.error_text("appointments_surname").startswith("请填写来访人的姓")
    assert page.form.error_text("appointments_phone").startswith("手机号码无效")
    assert page.form.error_text("appointments_window").startswith("结束时间须晚于开始时间")
    assert page.phone.text() == "138 1234" and page.model.rowCount() == 0
    _fill(page)
    click(qtbot, window, "appointments_create")
    assert page.form.error_text("appointments_phone") == "" and page.model.rowCount() == 1
    # the same visitor at an overlapping time
    _fill(page, start=11, end=13, consultant="王丽")
    click(qtbot, window, "appointments_create")
    assert page.form.error_text("appointments_window").startswith("该客户在此时段已有预约")


def test_a_consultant_books_for_themself_and_sees_only_their_own(qtbot: Any, any_store: Store) -> None:
    manager = Desk(any_store, User(name="经理", role="manager", consultant=None, active=True))
    starts = T0.replace(hour=4)  # 12:00 at the site
    appointments.create(manager, "王", "先生", "13900000002", starts, starts.replace(hour=5), "王丽")
    window, page = _page(qtbot, any_store, "李强")
    assert page.consultant.currentData() == "李强" and not page.consultant.isEnabled()
    assert page.model.rowCount() == 0  # 王丽's visitor is not shown
    _fill(page, consultant=None)
    click(qtbot, window, "appointments_create")
    assert [row[3] for row in _shown(page)] == ["李强"]


def test_another_consultants_customer_is_refused_and_a_manager_may_assign_them_with_the_booking(
        qtbot: Any, any_store: Store) -> None:
    any_store.register_visit(PHONE, consultant="王丽", name="张女士")  # 王丽 protects 张女士 from now on
    window, page = _page(qtbot, any_store, "前台")
    _fill(page, consultant="李强")
    click(qtbot, window, "appointments_create")
    assert page.form.error_text("appointments_consultant").startswith(
        "该客户受 王丽 保护至 2026-03-08，请由其本人预约或由经理指定")
    assert page.model.rowCount() == 0 and page.phone.text() == PHONE  # nothing booked, nothing typed lost
    assert not page.assign_button.isVisibleTo(window)  # reception does not assign customers
    window.close()
    window, page = _page(qtbot, any_store, "经理")
    _fill(page, consultant="李强")
    click(qtbot, window, "appointments_create")
    assert page.form.error_text("appointments_consultant").startswith("该客户受 王丽 保护")
    assert page.assign_button.text() == "改派给 李强 并预约"
    click(qtbot, window, "appointments_assign")
    assert [row[3] for row in _shown(page)] == ["李强"] and page.form.error_text("appointments_consultant") == ""
    assert any_store.customer_view(PHONE).owner == "李强"  # type: ignore[union-attr]
    assert not page.assign_button.isVisibleTo(window)


def test_cancelling_makes_the_code_useless_at_the_kiosk(qtbot: Any, any_store: Store) -> None:
    window, page = _page(qtbot, any_store, "前台")
    _fill(page)
    click(qtbot, window, "appointments_create")
    code = page.model.rows[0].code
    page.view.selectRow(0)
    settle(window)
    click(qtbot, window, "appointments_cancel")
    assert page.cancel_question.text() == "取消 张女士 138****5678 11:00-12:00 的预约？"
    click(qtbot, window, "appointments_cancel_confirm")
    settle(window)
    assert _shown(page)[0][4] == "已取消"
    page.view.selectRow(0)
    settle(window)
    assert not page.card.save_button.isEnabled() and not page.cancel_button.isEnabled()
    with pytest.raises(AppointmentRefused) as refused:
        appointments.for_kiosk(any_store, code)
    assert refused.value.reason == "cancelled"


def test_roles_admin_looks_channel_manager_sees_nothing_and_the_desk_refuses(qtbot: Any, store: Store) -> None:
    window, page = _page(qtbot, store, "管理员")
    assert page.findChild(type(page.card.save_button), "appointments_create") is None  # no form to book with
    window.close()
    window = open_console(qtbot, store, "渠道经理")
    assert "appointments" not in window.pages
    with pytest.raises(LookupError):
        window.open_page("appointments")
    channel_manager = Desk(store, User(name="渠道经理", role="channel_manager", consultant=None, active=True))
    with pytest.raises(PermissionDenied):
        appointments.create(channel_manager, "张", "女士", PHONE, T0, T0.replace(hour=3), "李强")
    admin = Desk(store, User(name="管理员", role="admin", consultant=None, active=True))
    with pytest.raises(PermissionDenied):
        appointments.create(admin, "张", "女士", PHONE, T0, T0.replace(hour=3), "李强")


def test_the_page_renders_at_office_size(qtbot: Any, store: Store, tmp_path: Path) -> None:
    window, page = _page(qtbot, store, "前台")
    _fill(page)
    click(qtbot, window, "appointments_create")
    _fill(page, surname="欧阳", phone="139 8765 4321", start=14, end=15, consultant="王丽")
    click(qtbot, window, "appointments_create")
    settle(window)
    picture = tmp_path / "appointments.png"
    assert window.grab().save(str(picture))
    assert page.card.isVisible() and page.card.code_text

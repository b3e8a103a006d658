"""Appointments (预约): booked through a Desk with field-level refusals, journalled without personal data,
listed per day, signed into a QR code the kiosk verifies, cancelled, and checked in at the kiosk for the
appointment's customer (once; a resend from the outbox gets the first result)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from db.models import Appointment, Identity, JournalEntry
from service import appointments
from service.appointments import AppointmentInputError, AppointmentRefused, ProtectedCustomer
from service.desk import Desk
from service.queries import appointments as queries
from service.roles import PermissionDenied
from service.store import Store
from service.users import User
from tests.db.stores import T0, new_store
from tests.service.test_store import advance, journal_count
from vision.qr import AppointmentVerifier, InvalidAppointmentCode

ZONE = ZoneInfo("Asia/Shanghai")
TEN = T0.astimezone(ZONE)  # 2026-03-01 10:00 at the site
PHONE = "138 1234 5678"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("李强", "王丽"))
    yield s
    s.dispose()


def desk(store: Store, role: str, consultant: str | None = None) -> Desk:
    return Desk(store, User(name=consultant or role, role=role, consultant=consultant, active=True))


def book(store: Store, who: Desk | None = None, phone: str = PHONE, start: int = 1, hours: int = 1,
         consultant: str | None = "李强", surname: str = "张", title: str = "女士") -> str:
    starts = TEN + timedelta(hours=start)
    return appointments.create(who or desk(store, "receptionist"), surname, title, phone, starts,
                               starts + timedelta(hours=hours), consultant)


def entries(store: Store, kind: str) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.scalars(sa.select(JournalEntry.payload).where(JournalEntry.kind == kind)))


def test_booking_finds_or_makes_the_customer_and_journals_no_personal_data(store: Store) -> None:
    code = book(store)
    assert len(code) == appointments.CODE_LENGTH and code.isalpha()
    customer = store.customer_id(PHONE)
    assert customer is not None
    [row] = queries.expected(desk(store, "manager"), TEN.date())
    assert (row.code, row.customer_id, row.surname, row.phone_masked, row.consultant, row.status) == (
        code, customer, "张女士", "138****5678", "李强", "booked")
    assert (row.starts_at, row.ends_at) == (TEN + timedelta(hours=1), TEN + timedelta(hours=2))
    [payload] = entries(store, "appointment")
    assert code in payload and "5678" not in payload and "张" not in payload
    with store.engine.connect() as conn:  # the number lives only as the customer's encrypted identity
        assert conn.scalar(sa.select(sa.func.count()).select_from(Identity)) == 1
        assert "5678" not in repr(conn.execute(sa.select(Appointment)).all())
    # a known visitor is found, not made twice
    store.register_visit("13900000001", name="王五")
    book(store, phone="13900000001", surname="王", title="先生", start=3)
    book(store, phone="13900000002", surname="欧阳", title="先生", start=3)  # a compound surname, whole
    book(store, phone="13900000003", surname="张伟", title="先生", start=3)  # a full name: its surname
    shown = {row.customer_id: row.surname for row in queries.expected(desk(store, "manager"), TEN.date())}
    assert [shown[store.customer_id(f"1390000000{i}")] for i in (1, 2, 3)] == ["王*", "欧阳先生", "张先生"]


@pytest.mark.parametrize(("change", "field"), [
    ({"phone": "010 1234 5678"}, "phone"), ({"phone": "138"}, "phone"), ({"surname": " "}, "surname"),
    ({"surname": "张3"}, "surname"), ({"title": "同学"}, "surname"), ({"hours": 0}, "window"),
    ({"hours": 13}, "window"), ({"start": -3}, "window"), ({"start": 24 * 91}, "window"),
    ({"consultant": None}, "consultant"), ({"consultant": "赵六"}, "consultant")])
def test_bad_input_is_refused_beside_its_field_and_writes_nothing(store: Store, change: dict[str, object],
                                                                  field: str) -> None:
    before = journal_count(store)
    with pytest.raises(AppointmentInputError) as refused:
        book(store, **change)  # type: ignore[arg-type]
    assert refused.value.field == field and " / " in str(refused.value)
    assert journal_count(store) == before and store.customer_id(PHONE) is None


def test_every_bad_field_is_reported_at_once(store: Store) -> None:
    with pytest.raises(AppointmentInputError) as refused:
        book(store, surname="", phone="138", hours=0, consultant=None)
    assert set(refused.value.errors) == {"surname", "phone", "window", "consultant"}


def test_a_visitor_is_not_booked_twice_for_overlapping_times(store: Store) -> None:
    book(store, start=1, hours=2)
    with pytest.raises(AppointmentInputError) as refused:
        book(store, start=2, consultant="王丽")
    assert refused.value.field == "window"
    book(store, start=3)  # after the first one ends


def test_roles_consultant_books_for_themself_and_sees_their_own(store: Store) -> None:
    li, wang = desk(store, "consultant", "李强"), desk(store, "consultant", "王丽")
    mine = book(store, li, consultant=None)
    with pytest.raises(AppointmentInputError):
        book(store, li, phone="13900000002", consultant="王丽")
    book(store, wang, phone="13900000003", consultant="王丽")
    assert [r.code for r in queries.expected(li, TEN.date())] == [mine]
    assert len(queries.expected(desk(store, "admin"), TEN.date())) == 2  # the admin looks, books nothing
    with pytest.raises(PermissionDenied):
        book(store, desk(store, "admin"))
    with pytest.raises(PermissionDenied):
        book(store, desk(store, "channel_manager"))
    with pytest.raises(PermissionDenied):
        queries.expected(desk(store, "channel_manager"), TEN.date())
    with pytest.raises(AppointmentRefused):  # not theirs: as if it did not exist
        appointments.cancel(wang, mine)
    with pytest.raises(AppointmentRefused):
        appointments.signed_code(wang, mine)


def test_the_signed_code_is_verified_by_the_kiosk_key_for_the_window_with_grace(store: Store) -> None:
    code = book(store, start=1)
    reception = desk(store, "receptionist")
    text = appointments.signed_code(reception, code, "anchang")
    assert text == appointments.signed_code(reception, code, "anchang")  # reprinted: the same code
    verifier = AppointmentVerifier([store.keyring.verify_key], "anchang", clock_skew_seconds=0)
    opens = TEN + timedelta(hours=1) - appointments.EARLY
    assert verifier.verify(text, opens.timestamp()).appointment_id == code
    with pytest.raises(InvalidAppointmentCode, match="not_yet_valid"):
        verifier.verify(text, opens.timestamp() - 60)
    closes = TEN + timedelta(hours=2) + appointments.LATE
    with pytest.raises(InvalidAppointmentCode, match="expired"):
        verifier.verify(text, closes.timestamp() + 60)
    with pytest.raises(InvalidAppointmentCode, match="other_project"):
        verifier.verify(appointments.signed_code(reception, code, "elsewhere"), opens.timestamp())


def test_kiosk_lookup_and_check_in_for_the_appointments_customer(store: Store) -> None:
    store.register_visit("13900000009", name="先来")  # the rotation's next is now 王丽
    code = book(store, start=0, consultant="李强")
    shown = appointments.for_kiosk(store, code)
    assert (shown.surname, shown.phone_masked, shown.consultant) == ("张女士", "138****5678", "李强")
    assert (shown.starts_at.hour, shown.ends_at.hour) == (10, 11)
    result = appointments.check_in_appointment(store, code, ref="kiosk-1")
    assert result.customer_id == store.customer_id(PHONE) and result.assigned_to == "李强"
    assert result.phone_masked == "138****5678"
    view = store.customer_view(PHONE)
    assert view is not None and view.owner == "none"  # unverified: waits for 前台确认
    [row] = [r for r in queries.expected(desk(store, "manager"), TEN.date()) if r.code == code]
    assert (row.status, row.visit_seq) == ("arrived", result.seq)
    assert entries(store, "appointment_arrived") and str(result.seq) in entries(store, "appointment_arrived")[0]
    # the same check-in sent again (the outbox after a lost answer): the first result, nothing written
    before = journal_count(store)
    again = appointments.check_in_appointment(store, code, ref="kiosk-1")
    assert (again.seq, journal_count(store)) == (result.seq, before)
    # anyone else with the same code: used
    with pytest.raises(AppointmentRefused) as refused:
        appointments.check_in_appointment(store, code, ref="kiosk-2")
    assert refused.value.reason == "used"
    with pytest.raises(AppointmentRefused, match="已使用"):
        appointments.for_kiosk(store, code)
    with pytest.raises(AppointmentRefused):
        appointments.cancel(desk(store, "manager"), code)


def test_outside_the_window_and_cancelled_codes_are_refused(store: Store) -> None:
    later = book(store, start=3)
    with pytest.raises(AppointmentRefused) as refused:
        appointments.for_kiosk(store, later)
    assert refused.value.reason == "not_yet_valid"
    advance(store, hours=5, minutes=1)  # 15:01: past 13:00-14:00 and its hour of grace
    with pytest.raises(AppointmentRefused) as refused:
        appointments.check_in_appointment(store, later, ref="k")
    assert refused.value.reason == "expired"
    assert queries.get(desk(store, "manager"), later).status == "missed"
    # a check-in kept in the kiosk's outbox since 13:30 is judged by when the visitor stood there
    arrived = TEN + timedelta(hours=3, minutes=30)
    result = appointments.check_in_appointment(store, later, ref="k", arrived_at=arrived)
    assert result.customer_id == store.customer_id(PHONE)
    cancelled = book(store, phone="13900000004", start=6)
    appointments.cancel(desk(store, "receptionist"), cancelled)
    with pytest.raises(AppointmentRefused) as refused:
        appointments.for_kiosk(store, cancelled)
    assert refused.value.reason == "cancelled"
    with pytest.raises(AppointmentRefused):
        appointments.cancel(desk(store, "receptionist"), cancelled)
    [payload] = entries(store, "appointment_cancelled")
    assert cancelled in payload and "0004" not in payload
    with pytest.raises(AppointmentRefused, match="没有找到"):
        appointments.for_kiosk(store, "NOSUCHCODEXX")


def test_a_protected_customer_of_another_consultant_is_not_booked_with_someone_else(store: Store) -> None:
    store.register_visit(PHONE, consultant="王丽", name="张女士")  # 王丽's customer from now on
    before = journal_count(store)
    for booker, consultant in ((desk(store, "receptionist"), "李强"), (desk(store, "consultant", "李强"), None)):
        with pytest.raises(ProtectedCustomer) as refused:
            book(store, booker, consultant=consultant)
        assert refused.value.field == "consultant" and refused.value.held.owner == "王丽"
        assert str(refused.value).startswith("该客户受 王丽 保护至 2026-03-08，请由其本人预约或由经理指定")
    with pytest.raises(ProtectedCustomer):  # a manager too, unless the booking assigns the customer
        book(store, desk(store, "manager"))
    assert journal_count(store) == before and not queries.expected(desk(store, "manager"), TEN.date())
    # the owner books them, or anyone books them with the owner
    book(store, desk(store, "consultant", "王丽"), consultant=None)
    book(store, consultant="王丽", start=3)
    assert [row.consultant for row in queries.expected(desk(store, "manager"), TEN.date())] == ["王丽", "王丽"]
    # a customer whose protection lapsed (no follow-up in 7 days) is in the pool: anyone books them
    advance(store, days=8)
    book(store, consultant="李强", start=8 * 24 + 2)


def test_a_manager_books_another_consultants_customer_only_as_an_explicit_assignment(store: Store) -> None:
    store.register_visit(PHONE, consultant="王丽", name="张女士")
    manager = desk(store, "manager")
    with pytest.raises(PermissionDenied):  # only a manager assigns
        appointments.create(desk(store, "receptionist"), "张", "女士", PHONE, TEN + timedelta(hours=1),
                            TEN + timedelta(hours=2), "李强", assign=True)
    book(store, manager, consultant="王丽", start=1)
    # refused as a whole: an overlapping booking does not leave the assignment behind
    before = journal_count(store)
    with pytest.raises(AppointmentInputError) as refused:
        appointments.create(manager, "张", "女士", PHONE, TEN + timedelta(hours=1), TEN + timedelta(hours=2),
                            "李强", assign=True)
    assert refused.value.field == "window" and journal_count(store) == before
    assert store.customer_view(PHONE).owner == "王丽"  # type: ignore[union-attr]
    code = appointments.create(manager, "张", "女士", PHONE, TEN + timedelta(hours=3), TEN + timedelta(hours=4),
                               "李强", assign=True)
    assert store.customer_view(PHONE).owner == "李强"  # type: ignore[union-attr]
    with store.engine.connect() as conn:
        [(assigned_seq, assigned)] = conn.execute(sa.select(JournalEntry.seq, JournalEntry.payload)
                                                  .where(JournalEntry.kind == "assign")).all()
    [payload] = [p for p in entries(store, "appointment") if code in p]
    assert json.loads(payload)["assigned"] == assigned_seq == journal_count(store) - 1  # in the same write
    assert json.loads(assigned)["consultant"] == "李强" and "5678" not in assigned + payload
    # with nobody else's protection to lift, assign=True books and assigns nothing
    appointments.create(manager, "王", "先生", "13900000007", TEN + timedelta(hours=1), TEN + timedelta(hours=2),
                        "王丽", assign=True)
    assert len(entries(store, "assign")) == 1


def test_the_visitor_goes_to_whoever_protects_them_at_the_check_in_and_the_kiosk_says_so(store: Store) -> None:
    code = book(store, start=0, consultant="李强")  # a new visitor, booked with 李强
    assert appointments.for_kiosk(store, code).consultant == "李强"
    store.register_visit(PHONE, consultant="王丽", name="张女士")  # ... who came by earlier and met 王丽
    advance(store, minutes=30)
    shown = appointments.for_kiosk(store, code)
    assert shown.consultant == "王丽"  # the confirmation names who will receive them, not who was booked
    result = appointments.check_in_appointment(store, code, ref="kiosk-3")
    assert result.assigned_to == shown.consultant  # protection stands; no ownership case over a booking
    assert all(case.kind != "ownership_conflict" for case in store.site().cases.values())


def test_the_kiosk_names_nobody_while_another_consultants_check_in_waits_for_reception(store: Store) -> None:
    code = book(store, start=0, consultant="王丽")
    store.register_visit(PHONE, verified=False, name="张女士")  # the rotation's 李强, unconfirmed
    assert appointments.for_kiosk(store, code).consultant is None  # the write alone can tell
    assert appointments.check_in_appointment(store, code, ref="kiosk-4").assigned_to in ("李强", "王丽")


def test_an_erased_visitor_cannot_be_checked_in(store: Store) -> None:
    code = book(store, start=0)
    store.forget(PHONE)
    with pytest.raises(AppointmentRefused, match="没有找到"):
        appointments.for_kiosk(store, code)
    with pytest.raises(AppointmentRefused):
        appointments.check_in_appointment(store, code, ref="k")
    assert queries.get(desk(store, "manager"), code).phone_masked == "（已删除）"


def test_blacklisted_visitor_is_flagged_for_the_kiosk(store: Store) -> None:
    code = book(store, start=0)
    assert not appointments.blacklisted(store, code)
    store.blacklist(phone=PHONE)
    assert appointments.blacklisted(store, code)

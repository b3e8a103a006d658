"""Acts that make two journal entries are one write: 接待开始/接待结束 with the consultant's busy mark, a
blacklist change with its reason, an appointment's arrival with its visit, 拉黑 on a warning with the
warning closed, reception's correction of a check-in's number (the mistaken one dismissed, the visitor
registered again). The database going away before the second entry (here: its insert fails) leaves neither,
never one without the other; a refusal of the second step refuses the first too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from db import journal
from db.models import Appointment, JournalEntry, VisitStay
from judge.reasons import WarningClosed
from service import appointments, blacklist_admin, reception
from service.desk import Desk
from service.queries import blacklist as blacklist_queries
from service.serving import end_reception, start_reception
from service.store import Store
from service.users import User
from tests.db.stores import T0, new_store
from tests.service.test_store import advance, journal_count

PHONE = "13812340001"


class DiskGone(RuntimeError):
    """The database connection lost in the middle of a write."""


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("李强", "王丽"), {"贝壳": ["周杰"]})
    yield s
    s.dispose()


def desk(store: Store, role: str, consultant: str | None = None) -> Desk:
    return Desk(store, User(name=consultant or role, role=role, consultant=consultant, active=True))


@pytest.fixture
def fail_on(monkeypatch: pytest.MonkeyPatch) -> Any:
    """fail_on(kind): the next journal entry of that kind fails to be inserted, as a lost connection would."""
    real = journal.append

    def arm(kind: str) -> None:
        def append(session: Any, **entry: Any) -> Any:
            if entry["kind"] == kind:
                monkeypatch.setattr(journal, "append", real)  # once
                raise DiskGone(f"connection lost writing {kind}")
            return real(session, **entry)
        monkeypatch.setattr(journal, "append", append)
    return arm


def kinds(store: Store, since: int) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.scalars(sa.select(JournalEntry.kind).where(JournalEntry.seq > since)
                                 .order_by(JournalEntry.seq)))


def busy(store: Store) -> set[str]:
    with store._lock:
        return set(store.site().busy)


def stay_of(store: Store, visit_seq: int) -> VisitStay | None:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(VisitStay).where(VisitStay.visit_seq == visit_seq)).first()  # type: ignore[return-value]


def test_a_reception_never_starts_without_its_consultant_busy(store: Store, fail_on: Any) -> None:
    visit = store.register_visit(PHONE, consultant="李强")
    manager, before = desk(store, "manager"), journal_count(store)
    fail_on("busy")
    with pytest.raises(DiskGone):
        start_reception(manager, visit.seq)
    assert (stay_of(store, visit.seq), busy(store), journal_count(store)) == (None, set(), before)
    start_reception(manager, visit.seq)  # tried again: both, in one write
    assert stay_of(store, visit.seq) is not None and busy(store) == {"李强"}
    assert kinds(store, before) == ["reception_stay", "busy"]


def test_a_reception_never_ends_with_its_consultant_left_busy(store: Store, fail_on: Any) -> None:
    visit = store.register_visit(PHONE, consultant="李强")
    manager = desk(store, "manager")
    start_reception(manager, visit.seq)
    advance(store, minutes=40)
    before = journal_count(store)
    fail_on("busy")
    with pytest.raises(DiskGone):
        end_reception(manager, visit.seq)
    stay = stay_of(store, visit.seq)
    assert stay is not None and stay.ended_at is None and busy(store) == {"李强"} and journal_count(store) == before
    assert end_reception(manager, visit.seq).seconds == 40 * 60
    assert busy(store) == set() and kinds(store, before) == ["reception_stay", "busy"]


def test_a_consultant_already_busy_is_not_marked_twice(store: Store) -> None:
    store.set_busy("李强", True)
    visit = store.register_visit(PHONE, consultant="王丽")
    before = journal_count(store)
    start_reception(desk(store, "receptionist"), visit.seq, consultant="李强")
    assert kinds(store, before) == ["reception_stay"]


@pytest.mark.parametrize("how", ["customer", "agent", "new_phone"])
def test_a_blacklist_change_never_stands_without_its_reason(store: Store, fail_on: Any, how: str) -> None:
    customer = store.register_visit(PHONE).customer_id
    manager, before = desk(store, "manager"), journal_count(store)

    def list_it() -> None:
        if how == "customer":
            blacklist_admin.set_listed(manager, reason="多次虚假报备", customer_id=customer)
        elif how == "agent":
            blacklist_admin.set_listed(manager, reason="多次虚假报备", agent="周杰")
        else:
            blacklist_admin.list_phone(manager, "13999990000", "恶意骚扰电话")

    fail_on(blacklist_admin.REASON_KIND)
    with pytest.raises(DiskGone):
        list_it()
    assert blacklist_queries.listed(store) == [] and journal_count(store) == before
    assert store.customer_id("13999990000") is None  # nor the customer a new number would have made
    list_it()
    [entry] = blacklist_queries.listed(store)
    assert entry.reason in ("多次虚假报备", "恶意骚扰电话") and entry.by == "manager"
    assert kinds(store, before) == ["blacklist", blacklist_admin.REASON_KIND]


def test_an_appointment_never_arrives_without_its_visit_nor_the_visit_without_the_arrival(
        store: Store, fail_on: Any) -> None:
    starts = T0 + timedelta(minutes=30)
    code = appointments.create(desk(store, "receptionist"), "张", "女士", PHONE, starts, starts + timedelta(hours=1),
                               "李强")
    before = journal_count(store)
    fail_on(appointments.ARRIVED)
    with pytest.raises(DiskGone):
        appointments.check_in_appointment(store, code, ref="kiosk-1-0001")
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(Appointment.status, Appointment.visit_seq)).one() == ("booked", None)
    assert journal_count(store) == before  # no visit either
    # the kiosk's outbox sends it again with the same ref: both written, once
    result = appointments.check_in_appointment(store, code, ref="kiosk-1-0001")
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(Appointment.status, Appointment.visit_seq)).one() == ("arrived", result.seq)
    assert kinds(store, before) == ["visit", appointments.ARRIVED]


def raise_warning(store: Store) -> int:
    """A repeat_visits_no_pledge warning about PHONE's customer (three visits, no pledge)."""
    for day in range(3):
        store.clock.at = T0 + timedelta(days=day)  # type: ignore[attr-defined]
        store.register_visit(PHONE)
    [warning] = store.site().warnings.values()
    return warning.id


def test_blacklisting_from_a_warning_lists_and_closes_together(store: Store, fail_on: Any) -> None:
    warning_id = raise_warning(store)
    customer = store.customer_id(PHONE)
    manager, before = desk(store, "manager"), journal_count(store)
    fail_on("warning_update")
    with pytest.raises(DiskGone):
        blacklist_admin.blacklist_for_warning(manager, warning_id, "核实为职业看房人", ("customer_id", customer))
    site = store.site()
    assert (site.warnings[warning_id].status, site.customers[customer or 0].blacklisted) == ("open", False)
    assert journal_count(store) == before
    blacklist_admin.blacklist_for_warning(manager, warning_id, "核实为职业看房人", ("customer_id", customer))
    site = store.site()
    assert (site.warnings[warning_id].status, site.customers[customer or 0].blacklisted) == ("blacklisted", True)
    assert kinds(store, before) == ["blacklist", blacklist_admin.REASON_KIND, "warning_update"]
    [entry] = blacklist_queries.listed(store)
    assert entry.reason == "核实为职业看房人"  # the warning's note is the listing's reason


def test_a_warning_closed_meanwhile_refuses_the_blacklisting_too(store: Store) -> None:
    """Another manager closed the warning after this one's screen checked it: the engine refuses the
    step inside the write, and the blacklist change before it is not written either."""
    warning_id = raise_warning(store)
    customer = store.customer_id(PHONE)
    manager, other = desk(store, "manager"), Desk(store, User("经理二", "manager", None, True))
    other.update_warning(warning_id, "dismissed", "误报，客户是业主亲属")
    before = journal_count(store)
    close = store.warning_step(warning_id, "blacklisted", "拉黑", by=manager.actor)
    with pytest.raises(WarningClosed, match="已被 经理二 处理（已排除）"):
        manager.blacklist(customer_id=customer, also=(close,))
    assert journal_count(store) == before
    assert not store.site().customers[customer or 0].blacklisted  # the station's engine was not left ahead
    with pytest.raises(WarningClosed, match="已被 经理二 处理"):  # the desk says the same before writing
        blacklist_admin.blacklist_for_warning(manager, warning_id, "核实为职业看房人", ("customer_id", customer))


def test_an_already_listed_target_only_closes_the_warning(store: Store) -> None:
    warning_id = raise_warning(store)
    manager = desk(store, "manager")
    blacklist_admin.set_listed(manager, reason="多次虚假报备", agent="周杰")
    before = journal_count(store)
    blacklist_admin.blacklist_for_warning(manager, warning_id, "同一经纪人", ("agent", "周杰"))
    assert kinds(store, before) == ["warning_update"]
    assert store.site().warnings[warning_id].status == "blacklisted"


def test_a_corrected_check_in_is_never_dismissed_without_the_visitor_registered_again(
        store: Store, fail_on: Any) -> None:
    mistaken = store.register_visit("13912345670", consultant="李强", verified=False, actor="kiosk")
    before = journal_count(store)
    fail_on("visit")
    with pytest.raises(DiskGone):
        desk(store, "receptionist").correct_checkin(mistaken.seq, PHONE)
    assert [row.visit_seq for row in reception.pending_checkins(store)] == [mistaken.seq]  # still waiting
    assert journal_count(store) == before and store.customer_id(PHONE) is None
    corrected = desk(store, "receptionist").correct_checkin(mistaken.seq, PHONE)
    assert reception.pending_checkins(store) == [] and corrected.assigned_to == "李强"
    assert kinds(store, before) == ["dismiss", "visit"]
    view = store.customer_view(PHONE)
    assert view is not None and view.owner == "李强"  # verified, received by the check-in's consultant

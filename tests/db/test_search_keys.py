"""Customer search keys (db/search_keys.py) and the 客户 list's query (service/queries/customers.py): search by
surname, name, pinyin initials and the last four digits through keyed hashes only; filters; a consultant's
scope in the SQL; the catch-up and the rebuild of the keys; erasure takes them away."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import identity, scrub, search_keys
from db.database import read_session, run_write
from db.models import CustomerSearchKey, JournalEntry
from service import users
from service.desk import Desk
from service.queries import customers as customer_queries
from service.queries.customers import CustomerFilter, SearchError, count_customers, list_customers
from service.queries.journal_index import JournalIndex
from service.store import Store
from tests.db.stores import new_store

PASSWORD = "pw-123456"
PEOPLE = {  # phone -> name
    "13800001234": "张小明",
    "13900005678": "张女士",
    "13700001234": "李娜",
    "15000002468": "欧阳娜娜",
    "15100001357": "单雄信",
}


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Store:
    s = new_store(db_url, tmp_path / "keys", ("李强", "王丽"), {"贝壳": ["周杰"]})
    for name, role, consultant in (("经理", "manager", None), ("李强", "consultant", "李强"),
                                   ("王丽", "consultant", "王丽")):
        users.add_user(s, name, role, PASSWORD, consultant=consultant)
    return s


def desk(store: Store, name: str) -> Desk:
    return Desk(store, users.authenticate(store, name, PASSWORD))


def found(store: Store, text: str, who: str = "经理", **filters: object) -> set[int]:
    rows = list_customers(desk(store, who), CustomerFilter(text=text, **filters), 0, 100)  # type: ignore[arg-type]
    return {row.id for row in rows}


def ids(store: Store, *phones: str) -> set[int]:
    return {store.customer_id(phone) or 0 for phone in phones}


def register_people(store: Store) -> None:
    for phone, name in PEOPLE.items():
        store.register_visit(phone, name=name, consultant="李强")


# ------------------------------------------------------------------ keys made from a name or a phone
def test_name_keys_hold_surname_name_pinyin_and_every_prefix_of_the_initials() -> None:
    keys = search_keys.name_keys("张小明")
    assert {("surname", "张"), ("name", "张小明"), ("pinyin", "zhang")} <= keys
    assert {("initials", "z"), ("initials", "zx"), ("initials", "zxm")} <= keys
    assert {v for k, v in search_keys.name_keys("单雄信") if k == "pinyin"} >= {"dan", "shan"}  # a polyphonic surname
    assert ("surname", "欧阳") in search_keys.name_keys("欧阳娜娜")
    assert ("initials", "oynn") in search_keys.name_keys("欧阳娜娜")
    assert {("surname", "zhang"), ("initials", "zw")} <= search_keys.name_keys("Zhang  Wei")
    assert search_keys.phone_keys("+86 138 0000 1234") == {("last4", "1234")}
    assert search_keys.name_keys("  ") == set()


def test_query_keys_say_what_a_typed_search_looks_for() -> None:
    assert search_keys.query_keys("张") == {("surname", "张"), ("name", "张")}
    assert search_keys.query_keys("ZXM") == {("initials", "zxm"), ("pinyin", "zxm")}
    assert search_keys.query_keys("１２３４") == {("last4", "1234")}  # full-width digits
    assert ("surname", "欧阳") in (search_keys.query_keys("欧阳") or set())
    assert search_keys.query_keys("张小明") == {("name", "张小明")}
    assert search_keys.query_keys("@@") is None and search_keys.query_keys("123") is None


# ------------------------------------------------------------------ searching
def test_search_by_surname_initials_pinyin_and_last_four_digits(store: Store) -> None:
    register_people(store)
    assert found(store, "张") == ids(store, "13800001234", "13900005678")
    assert found(store, "zxm") == ids(store, "13800001234")
    assert found(store, "zx") == ids(store, "13800001234")
    assert found(store, "zhang") == ids(store, "13800001234", "13900005678")
    assert found(store, "1234") == ids(store, "13800001234", "13700001234")
    assert found(store, "李娜") == ids(store, "13700001234")
    assert found(store, "欧阳") == ids(store, "15000002468")
    assert found(store, "shan") == found(store, "dan") == ids(store, "15100001357")
    assert found(store, "138 0000 1234") == ids(store, "13800001234")  # a full number, any spacing
    assert found(store, "137****1234") == ids(store, "13700001234")  # 前三后四
    assert found(store, "王") == set()
    with pytest.raises(SearchError):
        found(store, "@@")
    with pytest.raises(SearchError):
        found(store, "0101234567")  # not a mainland mobile: said so, not an empty list


def test_keys_are_keyed_hashes_holding_no_name_or_number(store: Store) -> None:
    register_people(store)
    found(store, "张")  # the list catches up the keys of customers written without them
    customer = store.customer_id("13800001234")
    with read_session(store.engine) as session:
        rows = session.execute(sa.select(CustomerSearchKey.digest, CustomerSearchKey.customer_id)).all()
    assert rows and all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest, _ in rows)
    mine = {digest for digest, owner in rows if owner == customer}
    expected = search_keys.phone_keys("13800001234") | search_keys.name_keys("张小明")
    assert mine == {search_keys.digest(store.keyring, kind, value) for kind, value in expected}


def test_index_customer_in_the_write_transaction_is_idempotent(store: Store) -> None:
    store.register_visit("13800001234", name="张小明")
    customer = store.customer_id("13800001234")
    assert customer is not None

    def count() -> int:
        with read_session(store.engine) as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(CustomerSearchKey)
                                      .where(CustomerSearchKey.customer_id == customer)) or 0)

    for _ in range(2):
        run_write(store.engine, lambda s: search_keys.index_customer(s, store.keyring, customer, "13800001234",
                                                                     "张小明"))
    assert count() == len(search_keys.phone_keys("13800001234") | search_keys.name_keys("张小明"))
    assert found(store, "zxm") == {customer}


def forget_keys(store: Store, *phones: str) -> None:
    """As a database written before search keys existed (or before the write path made them)."""
    customers = list(ids(store, *phones))
    run_write(store.engine, lambda s: s.execute(sa.delete(CustomerSearchKey)
                                                .where(CustomerSearchKey.customer_id.in_(customers))))


def test_catch_up_indexes_customers_without_keys_and_rebuild_replaces_them(store: Store) -> None:
    register_people(store)
    forget_keys(store, *PEOPLE)
    other_station = Store(store.engine, store.keyring, clock=store.clock, station="other")
    assert search_keys.ensure_indexed(other_station.engine, other_station.keyring) == len(PEOPLE)
    assert search_keys.ensure_indexed(other_station.engine, other_station.keyring) == 0  # nothing new: one cheap query
    store.register_visit("18600009999", name="赵六")
    forget_keys(store, "18600009999")
    assert search_keys.ensure_indexed(other_station.engine, other_station.keyring) == 1  # only the new customer is looked at
    run_write(store.engine, lambda s: s.execute(sa.delete(CustomerSearchKey)))
    assert search_keys.reindex_all(store.engine, store.keyring) == len(PEOPLE) + 1
    assert found(store, "zl") == ids(store, "18600009999")


@pytest.mark.skipif(not hasattr(identity, "search_keys"), reason="db/identity.py does not add search_keys.key_rows")
def test_the_write_path_makes_the_keys_with_the_customer(store: Store) -> None:
    store.register_visit("13800001234", name="张小明")
    store.register_visit("13900005678")  # no name yet
    store.register_visit("13900005678", name="李四")  # the name comes at the next visit
    store.record_report("贝壳", "周杰", "13700001234", name="王五")  # a customer made by a report
    with read_session(store.engine) as session:
        assert search_keys.unindexed(session) == []
        for phone, name in (("13800001234", "张小明"), ("13900005678", "李四"), ("13700001234", "王五")):
            customer = store.customer_id(phone)
            kept = set(session.scalars(sa.select(CustomerSearchKey.digest)
                                       .where(CustomerSearchKey.customer_id == customer)))
            assert kept == {search_keys.digest(store.keyring, kind, value)
                            for kind, value in search_keys.phone_keys(phone) | search_keys.name_keys(name)}


def test_erasure_deletes_the_search_keys(store: Store) -> None:
    register_people(store)
    assert found(store, "zxm") == ids(store, "13800001234")
    customer = store.forget("13800001234").customer
    assert customer is not None
    with read_session(store.engine) as session:
        left = session.scalar(sa.select(sa.func.count()).select_from(CustomerSearchKey)
                              .where(CustomerSearchKey.customer_id == customer))
    assert left == 0
    assert found(store, "zxm") == set() and found(store, "1234") == ids(store, "13700001234")
    assert "customer_search" in scrub.REWRITTEN_TABLES  # PostgreSQL rewrites it: no dead rows left
    erased = [row for row in list_customers(desk(store, "经理"), CustomerFilter(), 0, 50) if row.id == customer]
    assert erased[0].phone_masked == "（已删除）" and erased[0].surname == "（已删除）"


# ------------------------------------------------------------------ scope and filters
def test_a_consultant_sees_own_customers_and_the_pool_in_the_query(store: Store) -> None:
    store.register_visit("13800001234", name="张小明", consultant="李强")
    store.register_visit("13900005678", name="张女士", consultant="王丽")
    store.clock.at += timedelta(days=5)
    store.follow_up("13800001234", "李强", "回访")  # 李强 keeps his customer
    store.clock.at += timedelta(days=3)  # 王丽's 7-day follow-up period has run out: that customer is in the pool
    store.register_visit("13700001234", name="李娜", consultant="王丽")  # protected for 王丽
    lapsed, protected = store.customer_id("13900005678"), store.customer_id("13700001234")
    mine = store.customer_id("13800001234")
    assert found(store, "", "李强") == {mine, lapsed}
    assert found(store, "", "王丽") == {protected, lapsed}
    assert count_customers(desk(store, "李强"), CustomerFilter()) == 2
    assert found(store, "1234", "王丽") == {protected}  # the scope holds inside a search too
    rows = {row.id: row for row in list_customers(desk(store, "经理"), CustomerFilter(), 0, 10)}
    assert rows[lapsed].owner == "pool" and rows[protected].owner == "王丽" and rows[mine].owner == "李强"


def test_filters_owner_status_channel_stage_and_first_visit_dates(store: Store) -> None:
    store.register_visit("13800001234", name="张小明", consultant="李强")
    store.record_report("贝壳", "周杰", "13900005678", name="张女士")
    store.clock.at += timedelta(hours=2)
    store.register_visit("13900005678", channel="贝壳", agent="周杰", consultant="王丽")
    store.change_stage("13900005678", "王丽", "pledge")
    store.record_report("贝壳", "周杰", "13700001234", name="李娜")  # reported, not yet visited
    first, second, reported = (store.customer_id(p) for p in ("13800001234", "13900005678", "13700001234"))
    assert found(store, "", consultant="李强") == {first}
    assert found(store, "", consultant="王丽") == {second}
    assert found(store, "", status="unvisited") == {reported}
    assert found(store, "", status="protected") == {first, second}
    assert found(store, "", status="pool") == set()
    assert found(store, "", channel="贝壳") == {second}
    assert found(store, "", channel="natural") == {first}
    assert found(store, "", stage="pledge") == {second}
    assert found(store, "", stage="none") == {first, reported}
    today = store.clock.at.astimezone(store.rules_at().timezone).date()
    assert found(store, "", first_visit_from=today, first_visit_to=today) == {first, second}
    assert found(store, "", first_visit_from=today + timedelta(days=1)) == set()
    assert found(store, "张", first_visit_to=date(2000, 1, 1)) == set()
    with pytest.raises(ValueError):
        found(store, "", status="lost")


def test_the_journal_index_finds_a_customers_facts_and_starts_over_after_a_restore(store: Store) -> None:
    register_people(store)
    customer = store.customer_id("13800001234") or 0
    store.follow_up("13800001234", "李强", "回访")
    store.change_stage("13800001234", "李强", "pledge")
    index = JournalIndex()
    with read_session(store.engine) as session:
        index.catch_up(session)
        kinds = dict(session.execute(sa.select(JournalEntry.seq, JournalEntry.kind)
                                     .where(JournalEntry.seq.in_(index.seqs("customer", [customer])))).all())
    assert sorted(kinds.values()) == ["follow_up", "stage"]  # visits come from their projection table
    index.hash = "0" * 64  # as if the entry it stopped at were another one now (a restored database)
    index.refs.clear()
    with read_session(store.engine) as session:
        index.catch_up(session)
    assert index.seqs("customer", [customer]) == set(kinds)


def test_a_broad_search_walks_the_newest_first_index_with_the_same_answer(store: Store,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    register_people(store)
    manager = desk(store, "经理")
    narrow = [row.id for row in list_customers(manager, CustomerFilter(text="z"), 0, 10)]
    monkeypatch.setattr(customer_queries, "BROAD_SEARCH", 1)  # as if thousands matched
    assert [row.id for row in list_customers(manager, CustomerFilter(text="z"), 0, 10)] == narrow
    assert [row.id for row in list_customers(manager, CustomerFilter(text="z"), 1, 10)] == narrow[1:]
    assert set(narrow) == ids(store, "13800001234", "13900005678")


@pytest.mark.parametrize(("broad", "walk"), [(1, 10_000), (1, 1)], ids=["hashed", "walked"])
def test_every_way_of_listing_a_broad_search_gives_the_same_pages_and_counts(
        store: Store, monkeypatch: pytest.MonkeyPatch, broad: int, walk: int) -> None:
    """Listed by id (a few matches), the matches hashed once (many, PostgreSQL), or the newest-first index
    walked (very many): the same customers, pages, scope and counts, a merged number's person included."""
    register_people(store)
    store.register_visit("13600009999", name="张伟", consultant="王丽")  # another consultant's customer
    store.register_visit("13800001234", id_card="11010519491231002X")
    store.register_visit("15900007777", name="张小明", id_card="11010519491231002X")  # merged into 张小明

    def listing() -> list[object]:
        seen: list[object] = []
        for who in ("经理", "李强"):
            for text in ("z", "张", "7777"):
                rows = list_customers(desk(store, who), CustomerFilter(text=text), 0, 10)
                seen += [[row.id for row in rows], [row.id for row in list_customers(
                    desk(store, who), CustomerFilter(text=text), 1, 2)],
                    count_customers(desk(store, who), CustomerFilter(text=text))]
        return seen

    by_id = listing()
    monkeypatch.setattr(customer_queries, "BROAD_SEARCH", broad)  # as if thousands matched
    monkeypatch.setattr(customer_queries, "WALK_SEARCH", walk)  # ... or tens of thousands
    assert listing() == by_id
    assert set(by_id[0]) == ids(store, "13800001234", "13900005678", "13600009999")  # type: ignore[arg-type]
    assert by_id[6] == [store.customer_id("13800001234")]  # 7777: the number merged into 张小明


def test_a_number_merged_into_a_known_person_finds_that_person(store: Store) -> None:
    store.register_visit("13800001234", name="张小明", id_card="11010519491231002X")
    store.register_visit("15900007777", name="张小明", id_card="11010519491231002X")  # a second number, same card
    known, second = store.customer_id("13800001234"), store.customer_id("15900007777")
    assert store.site().resolve(second or 0) == known
    assert found(store, "7777") == {known}
    assert found(store, "159****7777") == {known}
    assert found(store, "15900007777") == {known}


def test_pages_run_newest_visit_first_then_the_never_visited_across_page_boundaries(store: Store) -> None:
    visited = [f"1380000{i:04d}" for i in range(5)]
    for phone in visited:
        store.register_visit(phone, consultant="李强")
        store.clock.at += timedelta(minutes=1)
    reported = [f"1370000{i:04d}" for i in range(3)]
    for phone in reported:
        store.record_report("贝壳", "周杰", phone)
    manager = desk(store, "经理")
    whole = [row.id for row in list_customers(manager, CustomerFilter(), 0, 100)]
    assert whole == [store.customer_id(p) for p in reversed(visited)] + [store.customer_id(p) for p in reversed(reported)]
    for size in (2, 3, 5):
        paged = [row.id for start in range(0, 9, size) for row in list_customers(manager, CustomerFilter(), start, size)]
        assert paged == whole, size

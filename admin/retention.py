"""`anchang forget` and `anchang purge`: erasure by crypto-shredding, so the journal keeps verifying.

`Store.forget` finds a customer by phone; retention works by customer id through `Store.forget_customer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from admin.common import EXIT_OK, local_text, open_store, retention_days
from db.database import read_session
from db.erasure import scrub_storage
from db.models import Customer
from db.personal import normalize_phone
from db.service import Store

ACTOR = "admin"


def forget_customer(store: Store, customer_id: int, reason: str, *, scrub: bool = True) -> None:
    store.forget_customer(customer_id, reason, ACTOR, scrub=scrub)


def forget(phone: str) -> int:
    normalize_phone(phone)  # a malformed number is refused before the database is opened
    with open_store() as store:
        customer = store.customer_id(phone)
        masked = _masked(store, customer) if customer is not None else None
        customer = store.forget(phone, actor=ACTOR)
    print(f"已删除客户 #{customer}（{masked}）的个人信息：密钥已销毁，号码、姓名、身份证与人脸模板无法再解密 / "
          f"erased customer #{customer} ({masked}): their key is destroyed, so phone, name, ID card and "
          "face templates can no longer be decrypted")
    print("判客记录保留（不含个人信息），日志仍可校验 / the attribution history stays (it holds no personal "
          "data) and the journal still verifies")
    return EXIT_OK


@dataclass(frozen=True)
class Expired:
    customer: int
    masked: str
    last_activity: datetime


def expired_customers(session: Session, cutoff: datetime) -> list[Expired]:
    """Customers (not yet erased) whose last visit, deal or creation is before `cutoff`.

    A customer merged into another (one face, two phones) goes with the one it was merged into.
    """
    rows = session.execute(sa.select(Customer.id, Customer.merged_into, Customer.phone_masked, Customer.forgotten,
                                     Customer.created_at, Customer.last_visit_at, Customer.deal_at)).all()
    by_id = {row.id: row for row in rows}

    def own_activity(row: sa.Row) -> datetime:
        return max(t for t in (row.created_at, row.last_visit_at, row.deal_at) if t is not None)

    def root(row: sa.Row) -> sa.Row:
        seen = set()
        while row.merged_into is not None and row.merged_into in by_id and row.id not in seen:
            seen.add(row.id)
            row = by_id[row.merged_into]
        return row

    found = []
    for row in rows:
        if row.forgotten:
            continue
        last = max(own_activity(row), own_activity(root(row)))
        if last < cutoff:
            found.append(Expired(row.id, row.phone_masked or "—", last))
    return sorted(found, key=lambda e: (e.last_activity, e.customer))


def purge(dry_run: bool) -> int:
    days = retention_days()
    with open_store() as store:
        now = store.now()
        zone = store.rules_at(now).timezone
        cutoff = now - timedelta(days=days)
        with read_session(store.engine) as session:
            expired = expired_customers(session, cutoff)
        print(f"保留期 {days} 天：最后活动早于 {local_text(cutoff, zone)} 的客户 / retention {days} days: "
              f"customers with no activity since {local_text(cutoff, zone)}: {len(expired)}")
        for item in expired:
            print(f"  #{item.customer}  {item.masked}  最后活动 / last activity {local_text(item.last_activity, zone)}")
        if dry_run:
            print("试运行，未删除任何数据 / dry run: nothing was erased")
            return EXIT_OK
        for item in expired:
            forget_customer(store, item.customer, reason="retention", scrub=False)
        if expired:
            scrub_storage(store.engine)  # once for the batch: the WAL checkpoint / VACUUM FULL
    print(f"已清除 {len(expired)} 位客户的个人信息 / erased the personal data of {len(expired)} customers")
    return EXIT_OK


def _masked(store: Store, customer_id: int) -> str:
    with read_session(store.engine) as session:
        return session.scalar(sa.select(Customer.phone_masked).where(Customer.id == customer_id)) or "—"

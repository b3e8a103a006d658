"""`anchang forget`, `anchang purge` and `anchang scrub`: erasure by crypto-shredding, so the journal keeps
verifying.

`Store.forget` finds a customer and the refused kiosk check-ins by phone; retention works by customer id
through `Store.forget_customer`, and shreds the refused check-ins handled before the same cutoff. Each
says when the storage scrub is left pending for the database's owner (db/scrub.py); `anchang scrub`
finishes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.database import read_session
from db.models import Customer, RefusedCheckin
from db.personal import normalize_phone
from db.scrub import Scrub, pending_since, scrub_storage
from operations.common import EXIT_FAILED, EXIT_OK, local_text, open_store, retention_days
from service import kiosk_refusals
from service.store import Store

ACTOR = "admin"


def forget_customer(store: Store, customer_id: int, reason: str, *, scrub: bool = True) -> None:
    store.forget_customer(customer_id, reason, ACTOR, scrub=scrub)


def forget(phone: str) -> int:
    normalize_phone(phone)  # a malformed number is refused before the database is opened
    with open_store() as store:
        customer = store.customer_id(phone)
        masked = _masked(store, customer) if customer is not None else None
        forgotten = store.forget(phone, actor=ACTOR)
    if forgotten.customer is not None:
        print(f"已删除客户 #{forgotten.customer}（{masked}）的个人信息：密钥已销毁，号码、姓名、身份证与人脸模板无法再解密 / "
              f"erased customer #{forgotten.customer} ({masked}): their key is destroyed, so phone, name, ID card "
              "and face templates can no longer be decrypted")
        print("判客记录保留（不含个人信息），日志仍可校验 / the attribution history stays (it holds no personal "
              "data) and the journal still verifies")
    else:
        print("没有此号码的客户 / no customer with this number")
    if forgotten.refused_checkins:
        print(f"已删除 {len(forgotten.refused_checkins)} 条此号码的被拒登记（号码、姓名与登记内容）/ erased "
              f"{len(forgotten.refused_checkins)} refused kiosk check-in(s) with this number (phone, name and what "
              "was entered)")
    assert forgotten.scrub is not None
    _say_scrub(forgotten.scrub)
    return EXIT_OK


def scrub() -> int:
    """`anchang scrub`: rewrites the storage an erasure left pending (run on the server PC, where the
    owner's URL is configured)."""
    with open_store() as store:
        waiting = pending_since(store.engine) if store.engine.dialect.name == "postgresql" else None
        if waiting:
            print(f"待清理自 / a scrub has been pending since {waiting}")
        done = scrub_storage(store.engine)
    _say_scrub(done)
    if done.complete and not done.by_owner:
        print("存储已清理 / storage scrubbed")
    return EXIT_OK if done.complete else EXIT_FAILED


def _say_scrub(done: Scrub) -> None:
    if done.pending:
        print(f"注意：存储清理待完成：本账号无权重写 {', '.join(done.pending)}，已删除的数据仍可能留在数据库文件中；"
              "请在数据库服务器上运行 `anchang scrub`（配置 [database] owner_url）/ note: storage scrub pending: "
              "this database role may not rewrite those tables, so erased bytes may linger in the database "
              "files until the owner runs `anchang scrub` on the server PC ([database] owner_url)")
    elif not done.complete:
        print("注意：数据库日志文件正被其他程序读取，未能截断；下次删除或检查点会完成 / note: the WAL could not be "
              "truncated while another program kept reading; the next erasure or checkpoint finishes it")
    elif done.by_owner:
        print("存储已由数据库所有者账号清理 / storage scrubbed through the owner's connection")


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
            refusals = session.scalar(sa.select(sa.func.count()).select_from(RefusedCheckin).where(
                RefusedCheckin.handled_at < cutoff, RefusedCheckin.wrapped_key.is_not(None))) or 0
        print(f"保留期 {days} 天：最后活动早于 {local_text(cutoff, zone)} 的客户 / retention {days} days: "
              f"customers with no activity since {local_text(cutoff, zone)}: {len(expired)}")
        for item in expired:
            print(f"  #{item.customer}  {item.masked}  最后活动 / last activity {local_text(item.last_activity, zone)}")
        print(f"此前已处理的被拒登记 / refused kiosk check-ins handled before the cutoff: {refusals}")
        if dry_run:
            print("试运行，未删除任何数据 / dry run: nothing was erased")
            return EXIT_OK
        for item in expired:
            forget_customer(store, item.customer, reason="retention", scrub=False)
        shredded = kiosk_refusals.erase_expired(store, cutoff, ACTOR)
        done = scrub_storage(store.engine) if expired or shredded else None  # once for the batch
    print(f"已清除 {len(expired)} 位客户的个人信息 / erased the personal data of {len(expired)} customers")
    print(f"已删除 {len(shredded)} 条被拒登记 / erased {len(shredded)} refused kiosk check-ins")
    if done is not None:
        _say_scrub(done)
    return EXIT_OK


def _masked(store: Store, customer_id: int) -> str:
    with read_session(store.engine) as session:
        return session.scalar(sa.select(Customer.phone_masked).where(Customer.id == customer_id)) or "—"

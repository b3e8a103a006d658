"""What the printed reports hold, read from their documents on the seeded site (tests/reports/seed.py),
on SQLite and PostgreSQL: the daily lists, the commission evidence with journal numbers and the rule
version, the decision sheet's two sides, and the signed checkpoint that vouches only for a sound chain."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.journal import Checkpoint, verify, verify_signature
from db.models import JournalEntry
from reports import checkpoint as checkpoint_module
from reports.checkpoint import ChainBroken, keep_nightly, kept_in, signed_checkpoint
from reports.commission import commission_statement
from reports.details import day_details
from reports.documents import commission_document, daily_document, verdict_document
from reports.period import day_of, month_of
from service.desk import Desk
from service.users import User
from tests.reports.seed import ZONE, Seeded, local

D2 = day_of(date(2026, 3, 2), ZONE)
MARCH = month_of(date(2026, 3, 1), ZONE)



def _local(at: datetime | None) -> tuple[int, int, int, int] | None:
    return None if at is None else (at.astimezone(ZONE).month, at.astimezone(ZONE).day, at.astimezone(ZONE).hour,
                                    at.astimezone(ZONE).minute)


def test_the_daily_lists(seeded: Seeded) -> None:
    d = day_details(seeded.store, D2)
    assert [(_local(v.arrived_at), v.phone_masked, v.surname, v.consultant, v.first_visit, v.verified, v.source)
            for v in d.visits] == [
        ((3, 2, 0, 10), "138****0002", "白先生", "李强", False, True, "网络广告"),
        ((3, 2, 9, 0), "138****0001", "王**", "李强", False, True, "路过"),
        ((3, 2, 14, 0), "138****0005", None, "王丽", True, False, "路过")]
    assert [(s.consultant, s.stays, s.average_seconds, s.open) for s in d.stays] == [("李强", 1, 2400, 0)]
    assert d.assignments == ()  # B was assigned on D3
    assert [(c.id, c.kind, c.claimant, c.recommended, c.verdict) for c in d.cases_opened] == [
        (seeded.cases["A"], "ownership_conflict", "王丽", "李强", "王丽"),
        (seeded.cases["C"], "ownership_conflict", "王丽", "李强", "李强")]
    assert [c.id for c in d.cases_decided] == [seeded.cases["A"], seeded.cases["C"]]
    # raised by D2's end and still being worked through: the repeat-visit warning on A (the others are closed)
    assert [(w.kind, w.phone, w.owner, w.status) for w in d.open_warnings] == [
        ("repeat_visits_no_pledge", "138****0001", "王丽", "open")]
    d3 = day_details(seeded.store, day_of(date(2026, 3, 3), ZONE))
    assert [(a.seq, a.phone, a.surname, a.consultant, a.by) for a in d3.assignments] == [
        (seeded.seqs["assign B"], "138****0002", "白先生", "王丽", "经理")]
    mine = day_details(seeded.store, D2, consultant="王丽")
    assert [v.phone_masked for v in mine.visits] == ["138****0005"] and mine.stays == ()


def test_the_commission_evidence(seeded: Seeded) -> None:
    store = seeded.store
    beike = commission_statement(store, "贝壳", MARCH)
    (deal,) = beike.deals
    assert (deal.phone, deal.surname, deal.agent, deal.owner) == ("138****0003", "陈女士", "周杰", "李强")
    assert (deal.report_seq, deal.visit_seq, deal.deal_seq) == (
        seeded.seqs["report C"], seeded.visits["C1"], seeded.seqs["deal C"])
    assert (_local(deal.reported_at), _local(deal.visit_at), _local(deal.deal_at), _local(deal.protection_end)) == (
        (3, 1, 10, 0), (3, 1, 11, 0), (3, 2, 10, 30), (3, 2, 11, 0))
    assert (deal.deal_stage, deal.rule_version, deal.protection_days, deal.commissioned) == ("subscribe", 1, 1, True)
    assert beike.not_owed == () and [v.number for v in beike.versions] == [1]
    lianjia = commission_statement(store, "链家", MARCH)
    assert lianjia.deals == ()
    (late,) = lianjia.not_owed  # F: the deal came after 链家's protection ended
    assert (late.report_seq, late.visit_seq, late.deal_seq) == (
        seeded.seqs["report F"], seeded.visits["F1"], seeded.seqs["deal F"])
    assert (_local(late.protection_end), _local(late.deal_at), late.commissioned) == ((3, 2, 11, 10), (3, 3, 12, 0),
                                                                                      False)
    assert commission_statement(store, "贝壳", month_of(date(2026, 4, 1), ZONE)).deals == ()
    document = commission_document(store, "贝壳", MARCH)
    owed = next(t for t in document.tables() if t.title == "应结佣成交")
    assert owed.rows[0][4] == seeded.seqs["report C"] and owed.rows[0][6] == seeded.visits["C1"]
    assert document.checkpoint is not None


def test_the_decision_sheet(seeded: Seeded) -> None:
    manager = Desk(seeded.store, User("经理", "manager", None, True))
    document = verdict_document(manager, seeded.cases["A"])
    tables = {t.title: t for t in document.tables()}
    claimant = tables["申请方证据（王丽）"]
    recommended = tables["建议方证据（李强）"]
    assert [(row[2], row[3], row[6]) for row in claimant.rows] == [("跟进", "王丽", "客户说认识王丽")]
    assert [row[0] for row in recommended.rows] == [seeded.visits["A1"]]
    verdict = dict((row[0], row[1]) for row in tables["裁决"].rows)
    assert (verdict["裁决"], verdict["结论"], verdict["理由"], verdict["裁决人"]) == (
        "王丽", "推翻建议裁决", "经理核实：王丽先接触", "经理")
    facts = dict((row[0], row[1]) for row in tables["案件"].rows)
    assert facts["客户"] == "138****0001  王**" and facts["建议裁决"] == "李强"
    kept = verdict_document(manager, seeded.cases["C"])
    assert dict((r[0], r[1]) for r in {t.title: t for t in kept.tables()}["裁决"].rows)["结论"] == "维持建议裁决"


def test_the_daily_checkpoint_signs_the_days_last_entry(seeded: Seeded) -> None:
    store = seeded.store
    document = daily_document(store, D2)
    checkpoint = document.checkpoint
    assert checkpoint is not None
    with store.engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(JournalEntry.seq)).where(JournalEntry.at < D2.end)).scalar()
        head_hash = conn.execute(sa.select(JournalEntry.hash).where(JournalEntry.seq == last)).scalar()
    assert (checkpoint.seq, checkpoint.hash, checkpoint.at) == (last, head_hash, D2.end)
    assert verify_signature(checkpoint, store.keyring.public_key_pem())
    with sa.orm.Session(store.engine) as session:
        assert verify(session, checkpoints=[checkpoint], trusted_public_key_pem=store.keyring.public_key_pem()).ok
    later = signed_checkpoint(store, local(4, 0), kept=[checkpoint])  # checks only the entries since it
    assert later.seq > checkpoint.seq


def test_no_checkpoint_over_a_broken_chain(seeded: Seeded) -> None:
    store = seeded.store
    good = signed_checkpoint(store, D2.end)
    with store.engine.begin() as conn:  # a database admin edits an entry of D1 behind the triggers' back
        if conn.dialect.name == "sqlite":
            for name in list(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                                  "AND tbl_name = 'journal'").scalars()):
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        else:
            conn.exec_driver_sql("ALTER TABLE journal DISABLE TRIGGER USER")
        conn.execute(sa.update(JournalEntry).where(JournalEntry.seq == seeded.visits["A1"])
                     .values(actor="someone else"))
    with pytest.raises(ChainBroken, match=f"entry {seeded.visits['A1']}"):
        signed_checkpoint(store, D2.end)
    # a kept checkpoint, signed by the site, that the journal no longer matches (rewritten and re-hashed)
    unsigned = Checkpoint(good.seq, "f" * 64, good.at, "", good.public_key_pem)
    forged = Checkpoint(good.seq, unsigned.hash, good.at,
                        store.keyring.signing_key.sign(unsigned.signed_message()).hex(), good.public_key_pem)
    with pytest.raises(ChainBroken, match=f"checkpoint at entry {good.seq}"):
        signed_checkpoint(store, local(4, 0), kept=[forged])


def test_the_nightly_checkpoint_is_kept_once_a_day_and_shortens_the_evenings_check(
        seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, folder = seeded.store, tmp_path / "checkpoints"
    store.clock.at = local(4, 9)  # type: ignore[attr-defined]
    nightly = keep_nightly(store, folder)
    assert nightly is not None and nightly.at == local(4, 0)
    with store.engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.max(JournalEntry.seq)).where(JournalEntry.at < local(4, 0))).scalar()
    assert nightly.seq == before and [k.seq for k in kept_in(folder)] == [before]
    assert keep_nightly(store, folder) is None  # kept already today
    starts: list[int] = []
    check = checkpoint_module._check_chain
    monkeypatch.setattr(checkpoint_module, "_check_chain",
                        lambda session, start, *rest: starts.append(start) or check(session, start, *rest))
    signed_checkpoint(store, local(4, 18), kept_in(folder))  # the evening's report
    assert starts == [before]  # from last night's checkpoint, not from the first entry
    store.clock.at = local(5, 8)  # type: ignore[attr-defined]
    assert keep_nightly(store, folder) is not None  # a new day: a new one
    assert len(kept_in(folder)) in (1, 2)  # the same head twice is one file


def test_no_nightly_checkpoint_over_a_broken_chain(seeded: Seeded, tmp_path: Path) -> None:
    store = seeded.store
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for name in list(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                                  "AND tbl_name = 'journal'").scalars()):
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        else:
            conn.exec_driver_sql("ALTER TABLE journal DISABLE TRIGGER USER")
        conn.execute(sa.update(JournalEntry).where(JournalEntry.seq == seeded.visits["A1"]).values(actor="x"))
    store.clock.at = local(4, 9)  # type: ignore[attr-defined]
    with pytest.raises(ChainBroken):
        keep_nightly(store, tmp_path / "checkpoints")
    assert kept_in(tmp_path / "checkpoints") == []

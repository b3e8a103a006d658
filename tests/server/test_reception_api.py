"""The reception tablet's routes on SQLite and PostgreSQL: a visitor registered at the desk goes to the
rotation's next consultant (skipping a busy one) with the receptionist as the journal's actor; a kiosk
check-in confirmed, corrected, dismissed; a malformed number or a consultant refused in words, nothing
written."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from db.database import read_session
from db.models import JournalEntry
from service.store import Store
from tests.server.conftest import PHONE, sign_in


def journal(store: Store, kind: str | None = None) -> list[JournalEntry]:
    with read_session(store.engine) as session:
        query = sa.select(JournalEntry).order_by(JournalEntry.seq)
        if kind is not None:
            query = query.where(JournalEntry.kind == kind)
        return list(session.scalars(query))


def register(client: TestClient, csrf: str, **body: str) -> dict[str, Any]:
    answer = client.post("/api/reception/visits", json={"phone": PHONE, "source": "自然来访", **body},
                         headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_walk_in_goes_to_the_rotations_next_with_the_receptionist_as_actor(client: TestClient, site: Store) -> None:
    csrf = sign_in(client, "前台")
    choices = client.get("/api/reception/choices").json()
    assert [s["name"] for s in choices["rotation"] if s["is_next"]] == ["李强"]
    assert "自然来访" in [s["name"] for s in choices["sources"]] and choices["channels"] == {"链家": ["张三"]}
    done = register(client, csrf, name="张女士")
    assert (done["consultant"], done["phone_masked"]) == ("李强", "138****5678")
    [visit] = journal(site, "visit")
    assert visit.seq == done["seq"] and visit.actor == "前台"
    assert json.loads(visit.payload)["verified"] is True
    assert PHONE not in visit.payload
    # 李强 took his turn: the next walk-in is 王丽's
    assert [s["name"] for s in client.get("/api/reception/rotation").json() if s["is_next"]] == ["王丽"]
    other = register(client, csrf, phone="13900001111", source="渠道带访", channel="链家", agent="张三")
    assert other["consultant"] == "王丽"
    assert json.loads(journal(site, "visit")[-1].payload)["agent"] == "张三"


def test_a_busy_mark_skips_a_consultant(client: TestClient, site: Store) -> None:
    csrf = sign_in(client, "前台")
    slots = client.post("/api/reception/rotation/李强/busy", json={"busy": True}, headers={"X-CSRF-Token": csrf})
    assert slots.status_code == 200, slots.text
    assert [(s["name"], s["busy"], s["is_next"]) for s in slots.json()] == [("李强", True, False), ("王丽", False, True)]
    assert journal(site, "busy")[-1].actor == "前台"
    assert register(client, csrf)["consultant"] == "王丽"
    client.post("/api/reception/rotation/李强/busy", json={"busy": False}, headers={"X-CSRF-Token": csrf})
    assert register(client, csrf, phone="13900001111")["consultant"] == "李强"


def test_a_chosen_consultant_receives_the_visitor(client: TestClient) -> None:
    csrf = sign_in(client, "经理")  # a manager registers at the desk too
    assert register(client, csrf, consultant="王丽")["consultant"] == "王丽"


@pytest.mark.parametrize("phone", ["1381234", "abc", "23812345678"])
def test_a_malformed_number_is_refused_in_words_and_nothing_is_written(client: TestClient, site: Store,
                                                                       phone: str) -> None:
    csrf = sign_in(client, "前台")
    before = len(journal(site))
    answer = client.post("/api/reception/visits", json={"phone": phone, "source": "自然来访"},
                         headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 422 and answer.json()["code"] == "bad_phone", answer.text
    assert " / " in answer.json()["message"]
    assert len(journal(site)) == before


def test_a_channel_source_without_its_agent_and_an_unknown_source_are_refused(client: TestClient, site: Store) -> None:
    csrf = sign_in(client, "前台")
    before = len(journal(site))
    for body, words in (({"source": "渠道带访", "channel": "链家"}, "经纪人"), ({"source": "路过"}, "未知来源"),
                        ({"source": "渠道带访", "channel": "链家", "agent": "李四"}, "没有经纪人")):
        answer = client.post("/api/reception/visits", json={"phone": PHONE, **body}, headers={"X-CSRF-Token": csrf})
        assert answer.status_code in (400, 409) and words in answer.json()["message"], answer.text
    assert len(journal(site)) == before


def test_a_blacklisted_visitor_is_not_registered(client: TestClient, site: Store) -> None:
    site.register_visit(PHONE, consultant="李强")
    site.blacklist(phone=PHONE, actor="经理")
    csrf = sign_in(client, "前台")
    before = len(journal(site))
    answer = client.post("/api/reception/visits", json={"phone": PHONE, "source": "自然来访"},
                         headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 409 and "黑名单" in answer.json()["message"]
    assert len(journal(site)) == before


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # roles are the Desk's: one database is enough
@pytest.mark.parametrize(("name", "allowed"), [("前台", True), ("经理", True), ("李强", False), ("渠道经理", False)])
def test_registering_and_marking_busy_are_refused_to_other_roles(client: TestClient, site: Store, name: str,
                                                                  allowed: bool) -> None:
    csrf = sign_in(client, name)
    before = len(journal(site))
    visit = client.post("/api/reception/visits", json={"phone": PHONE, "source": "自然来访"},
                        headers={"X-CSRF-Token": csrf})
    busy = client.post("/api/reception/rotation/王丽/busy", json={"busy": True}, headers={"X-CSRF-Token": csrf})
    queue = client.get("/api/reception/queue")
    assert (visit.status_code, busy.status_code, queue.status_code) == ((201, 200, 200) if allowed else (403,) * 3)
    if not allowed:
        assert visit.json()["message"].startswith("无权限 / ")
        assert len(journal(site)) == before


def test_a_kiosk_check_in_is_confirmed_from_the_queue(client: TestClient, site: Store) -> None:
    pending = site.register_visit(PHONE, name="刘先生", verified=False, actor="kiosk")
    csrf = sign_in(client, "前台")
    [row] = client.get("/api/reception/queue").json()
    assert (row["visit_seq"], row["phone_masked"], row["surname_shown"]) == (pending.seq, "138****5678", "刘先生")
    done = client.post(f"/api/reception/checkins/{pending.seq}/confirm", headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200, done.text
    [confirm] = journal(site, "confirm")
    assert confirm.actor == "前台" and json.loads(confirm.payload)["visit"] == pending.seq
    assert client.get("/api/reception/queue").json() == []
    again = client.post(f"/api/reception/checkins/{pending.seq}/confirm", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409 and " / " in again.json()["message"]


def test_a_check_in_is_corrected_or_dismissed(client: TestClient, site: Store) -> None:
    wrong = site.register_visit("13900001234", verified=False, actor="kiosk")
    mistaken = site.register_visit("15012348888", verified=False, actor="kiosk")
    csrf = sign_in(client, "前台")
    bad = client.post(f"/api/reception/checkins/{wrong.seq}/correct", json={"phone": "1390000"},
                      headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422 and bad.json()["code"] == "bad_phone"
    assert len(client.get("/api/reception/queue").json()) == 2
    fixed = client.post(f"/api/reception/checkins/{wrong.seq}/correct", json={"phone": PHONE},
                        headers={"X-CSRF-Token": csrf})
    assert fixed.status_code == 200, fixed.text
    assert client.post(f"/api/reception/checkins/{mistaken.seq}/dismiss",
                       headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/api/reception/queue").json() == []
    assert [e.actor for e in journal(site, "dismiss")] == ["前台", "前台"]
    assert site.customer_id(PHONE) is not None

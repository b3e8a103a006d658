"""The site server's routes on SQLite and PostgreSQL: sign-in, CSRF, lockout, idle expiry, plain HTTP,
each role's refusals (the same as the console's), and a consultant's day through the API."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from db.database import read_session
from db.models import JournalEntry
from server.app import create_app
from service.store import Store
from tests.server.conftest import PHONE, SECRET, sign_in


def entries(store: Store, kind: str) -> list[JournalEntry]:
    with read_session(store.engine) as session:
        return list(session.scalars(sa.select(JournalEntry).where(JournalEntry.kind == kind).order_by(JournalEntry.seq)))


def customer_of_li(site: Store) -> int:
    """A walk-in received by 李强 (his protected customer)."""
    site.register_visit(PHONE, consultant="李强")
    customer = site.customer_id(PHONE)
    assert customer is not None
    return customer


def test_health_answers_without_sign_in(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/api/today").status_code == 401


def test_sign_in_sets_a_strict_http_only_cookie_and_who_am_i(client: TestClient) -> None:
    answer = client.post("/api/session", json={"name": "李强", "secret": SECRET})
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
    me = client.get("/api/session").json()
    assert (me["name"], me["role"], me["consultant"]) == ("李强", "consultant", "李强")
    assert me["csrf"] == answer.json()["csrf"]
    assert client.delete("/api/session", headers={"X-CSRF-Token": me["csrf"]}).status_code == 204
    assert client.get("/api/session").status_code == 401


def test_wrong_secrets_are_held_off_as_on_the_console(client: TestClient) -> None:
    for _ in range(4):  # service.users.FREE_ATTEMPTS: the fifth wrong secret starts the hold-off
        answer = client.post("/api/session", json={"name": "李强", "secret": "guess-1"})
        assert answer.status_code == 401 and answer.json()["code"] == "wrong_secret"
    held = client.post("/api/session", json={"name": "李强", "secret": "guess-2"})
    assert held.status_code == 423 and int(held.headers["Retry-After"]) >= 1
    assert "秒后再试" in held.json()["message"]
    assert client.post("/api/session", json={"name": "李强", "secret": SECRET}).status_code == 423


def test_a_write_without_the_csrf_token_is_refused_and_writes_nothing(client: TestClient, site: Store) -> None:
    customer = customer_of_li(site)
    csrf = sign_in(client, "李强")
    before = len(entries(site, "follow_up"))
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        answer = client.post(f"/api/customers/{customer}/follow-ups", json={"kind": "电话", "note": "约周六"},
                             headers=headers)
        assert answer.status_code == 403 and answer.json()["code"] == "csrf"
    assert len(entries(site, "follow_up")) == before
    ok = client.post(f"/api/customers/{customer}/follow-ups", json={"kind": "电话", "note": "约周六看样板间"},
                     headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    [entry] = entries(site, "follow_up")[before:]
    assert entry.actor == "李强" and entry.seq == ok.json()["seq"]
    page = client.get(f"/api/customers/{customer}").json()
    assert any("【电话】约周六看样板间" in item["text"] for item in page["timeline"])


def test_an_idle_session_ends(site: Store) -> None:
    with TestClient(create_app(site, idle_seconds=0.2), base_url="https://testserver") as client:
        sign_in(client, "李强")
        assert client.get("/api/session").status_code == 200
        time.sleep(0.3)
        answer = client.get("/api/session")
        assert answer.status_code == 401 and answer.json()["code"] == "signed_out"


def test_plain_http_from_another_address_is_refused(site: Store) -> None:
    with TestClient(create_app(site), base_url="http://testserver") as client:  # client address "testclient"
        answer = client.post("/api/session", json={"name": "李强", "secret": SECRET})
        assert answer.status_code == 403 and answer.json()["code"] == "https_only"
        assert "set-cookie" not in answer.headers
    with TestClient(create_app(site), base_url="http://testserver", client=("127.0.0.1", 50000)) as local:
        assert local.get("/healthz").status_code == 200


def test_a_disabled_user_is_signed_out_at_the_next_act(client: TestClient, site: Store) -> None:
    customer = customer_of_li(site)
    csrf = sign_in(client, "李强")
    from service import users

    users.disable_user(site, "李强", actor="管理员")
    answer = client.post(f"/api/customers/{customer}/follow-ups", json={"kind": "微信", "note": ""},
                         headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 401 and answer.json()["code"] == "session_ended"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # roles are the Desk's: one database is enough
@pytest.mark.parametrize(("name", "allowed"), [("李强", True), ("经理", True), ("王丽", False), ("前台", False),
                                               ("管理员", False), ("渠道经理", False)])
def test_follow_up_is_refused_to_the_roles_the_console_refuses(client: TestClient, site: Store, name: str,
                                                                allowed: bool) -> None:
    customer = customer_of_li(site)
    csrf = sign_in(client, name)
    answer = client.post(f"/api/customers/{customer}/follow-ups", json={"kind": "面谈", "note": "到场洽谈"},
                         headers={"X-CSRF-Token": csrf})
    assert answer.status_code == (201 if allowed else 403), answer.text
    if not allowed:
        assert answer.json()["code"] == "forbidden" and "/" in answer.json()["message"]


def test_a_consultant_sees_only_their_own_customers(client: TestClient, site: Store) -> None:
    customer = customer_of_li(site)
    sign_in(client, "王丽")
    assert client.get(f"/api/customers/{customer}").status_code == 403
    assert client.get("/api/customers").json() == []
    sign_in(client, "李强")
    [mine] = client.get("/api/customers").json()
    assert mine["id"] == customer and mine["phone_masked"] == "138****5678"
    assert mine["protection_until"] is not None and mine["follow_up_due"] is not None
    assert PHONE not in json.dumps(client.get(f"/api/customers/{customer}").json())


def test_customers_are_sorted_by_what_expires_first_and_found_by_last_four(client: TestClient, site: Store) -> None:
    first = customer_of_li(site)
    site.clock.at += timedelta(days=2)  # type: ignore[attr-defined]
    site.register_visit("13900001111", consultant="李强", name="王小明")
    csrf = sign_in(client, "李强")
    client.post(f"/api/customers/{first}/follow-ups", json={"kind": "电话", "note": ""}, headers={"X-CSRF-Token": csrf})
    listed = client.get("/api/customers").json()
    assert len(listed) == 2
    firsts = [min(c["protection_until"], c["follow_up_due"]) for c in listed]
    assert firsts == sorted(firsts)  # both ISO times in UTC: their text sorts as their time
    assert [c["phone_masked"] for c in client.get("/api/customers", params={"q": "1111"}).json()] == ["139****1111"]


def test_stage_change_and_the_engines_refusal_in_words(client: TestClient, site: Store) -> None:
    customer = customer_of_li(site)
    csrf = sign_in(client, "李强")
    ok = client.post(f"/api/customers/{customer}/stage", json={"stage": "pledge"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert client.get(f"/api/customers/{customer}").json()["stage"] == "pledge"
    bad = client.post(f"/api/customers/{customer}/stage", json={"stage": "sold"}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422 and bad.json()["code"] == "bad_input" and "stage" in bad.json()["message"]
    other = sign_in(client, "王丽")
    refused = client.post(f"/api/pool/{customer}/claim", headers={"X-CSRF-Token": other})
    assert refused.status_code == 403 and refused.json()["message"].startswith("不是您的客户 / ")


def test_a_consultant_claims_from_the_pool_within_the_rules(client: TestClient, site: Store) -> None:
    site.register_visit(PHONE, consultant="王丽")
    customer = site.customer_id(PHONE)
    site.clock.at += timedelta(days=400)  # type: ignore[attr-defined]
    csrf = sign_in(client, "李强")
    pool = client.get("/api/pool").json()
    assert customer in [row["id"] for row in pool["rows"]]
    assert pool["allowance"]["claimed_today"] == 0
    claimed = client.post(f"/api/pool/{customer}/claim", headers={"X-CSRF-Token": csrf})
    assert claimed.status_code == 200, claimed.text
    assert [c["id"] for c in client.get("/api/customers").json()] == [customer]
    assert client.get("/api/pool").json()["allowance"]["claimed_today"] == 1
    assert entries(site, "claim")[-1].actor == "李强"


def test_a_number_is_shown_once_after_a_manager_approves(client: TestClient, site: Store) -> None:
    customer = customer_of_li(site)
    csrf = sign_in(client, "李强")
    asked = client.post(f"/api/customers/{customer}/number-requests", json={"reason": "客户换了微信，需回电确认"},
                        headers={"X-CSRF-Token": csrf})
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    assert asked.json()["status"] == "waiting"
    early = client.post(f"/api/number-requests/{request_id}/view", headers={"X-CSRF-Token": csrf})
    assert early.status_code == 403
    assert client.post(f"/api/number-requests/{request_id}/decision", json={"approve": True, "reason": "同意回电"},
                       headers={"X-CSRF-Token": csrf}).status_code == 403  # not a manager
    manager = sign_in(client, "经理")
    waiting = client.get("/api/number-requests", params={"waiting": True}).json()
    assert [r["id"] for r in waiting] == [request_id] and waiting[0]["reason"] == "客户换了微信，需回电确认"
    decided = client.post(f"/api/number-requests/{request_id}/decision", json={"approve": True, "reason": "同意回电"},
                          headers={"X-CSRF-Token": manager})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    again = client.post(f"/api/number-requests/{request_id}/decision", json={"approve": False, "reason": "重复处理"},
                        headers={"X-CSRF-Token": manager})
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    assert client.post(f"/api/number-requests/{request_id}/view", headers={"X-CSRF-Token": manager}).status_code == 403
    csrf = sign_in(client, "李强")
    shown = client.post(f"/api/number-requests/{request_id}/view", headers={"X-CSRF-Token": csrf})
    assert shown.status_code == 200 and shown.json()["phone"].replace(" ", "").endswith("12345678")
    second = client.post(f"/api/number-requests/{request_id}/view", headers={"X-CSRF-Token": csrf})
    assert second.status_code == 410
    kinds = [e.kind for e in entries(site, "number_requested") + entries(site, "number_request_decided")
             + entries(site, "number_viewed")]
    assert kinds == ["number_requested", "number_request_decided", "number_viewed"]
    for entry in entries(site, "number_requested"):
        assert "回电" not in entry.payload and PHONE not in entry.payload  # the reason is an encrypted note


def test_a_refused_request_shows_no_number(client: TestClient, site: Store) -> None:
    customer = customer_of_li(site)
    csrf = sign_in(client, "李强")
    request_id = client.post(f"/api/customers/{customer}/number-requests", json={"reason": "核对客户身份"},
                             headers={"X-CSRF-Token": csrf}).json()["id"]
    manager = sign_in(client, "经理")
    client.post(f"/api/number-requests/{request_id}/decision", json={"approve": False, "reason": "请当面核对"},
                headers={"X-CSRF-Token": manager})
    csrf = sign_in(client, "李强")
    assert client.post(f"/api/number-requests/{request_id}/view", headers={"X-CSRF-Token": csrf}).status_code == 403
    [mine] = client.get("/api/number-requests").json()
    assert (mine["status"], mine["decided_by"], mine["decision_reason"]) == ("refused", "经理", "请当面核对")


def test_today_lists_my_arrivals_and_reminders(client: TestClient, site: Store) -> None:
    customer = customer_of_li(site)
    sign_in(client, "李强")
    today = client.get("/api/today").json()
    assert [a["customer"] for a in today["arrivals"]] == [customer]
    assert client.get("/api/today").json()["reminders"] == []
    site.clock.at += timedelta(days=6)  # type: ignore[attr-defined]  # follow_up_days = 7: one day left
    [reminder] = client.get("/api/today").json()["reminders"]
    assert (reminder["kind"], reminder["customer"]) == ("follow_up_due", customer)
    sign_in(client, "王丽")
    assert client.get("/api/today").json()["arrivals"] == []


def test_the_openapi_document_is_generated(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/customers/{customer_id}/follow-ups" in document["paths"]


def test_the_session_answers_with_the_servers_clock(client: TestClient, site: Store) -> None:
    """The pages count "days left" by the server's clock: the sign-in and GET /api/session give it, in the
    site's UTC offset (the page's date and time fields are the site's)."""
    signed = client.post("/api/session", json={"name": "李强", "secret": SECRET}).json()
    again = client.get("/api/session").json()
    for answer in (signed, again):
        at = datetime.fromisoformat(answer["now"])
        assert abs((at - site.now()).total_seconds()) < 60
        assert at.utcoffset() == site.now().astimezone(site.rules_at().timezone).utcoffset()

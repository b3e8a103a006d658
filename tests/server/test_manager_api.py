"""The manager's routes on SQLite and PostgreSQL: an open case with its recommendation and evidence,
decided with a reason (against the recommendation only with MIN_REASON characters; a second decision
refused in words); a warning's allowed steps and one taken with a note; today's board; each refusal by role."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from service import appeals, users
from service.desk import Desk
from service.store import Store
from tests.server.conftest import PHONE, SECRET, sign_in
from tests.server.test_reception_api import journal


def appeal_case(site: Store) -> int:
    """王丽 appeals against 李强's customer: an open case recommending 李强."""
    site.register_visit(PHONE, consultant="李强", name="张伟")
    customer = site.customer_id(PHONE)
    assert customer is not None
    wang = Desk(site, users.authenticate(site, "王丽", SECRET))
    [case] = appeals.file_appeal(wang, customer, "客户首访前由我电话邀约").outcome.new_cases
    return case.id


def repeat_visits_warning(site: Store) -> int:
    """Three visits without a pledge: a repeat_visits_no_pledge warning about 李强's customer."""
    for _ in range(3):
        site.register_visit(PHONE, consultant="李强")
        site.clock.at += timedelta(days=1)  # type: ignore[attr-defined]
    [warning] = site.site().warnings.values()
    return warning.id


def test_a_case_is_decided_with_a_reason_once(client: TestClient, site: Store) -> None:
    case_id = appeal_case(site)
    csrf = sign_in(client, "经理")
    [listed] = client.get("/api/cases").json()
    assert (listed["id"], listed["kind"], listed["claimant"], listed["recommended"]) == (case_id, "appeal", "王丽", "李强")
    detail = client.get(f"/api/cases/{case_id}").json()
    assert detail["choices"] == ["李强", "王丽"] and detail["min_reason"] == 4
    notes = [e["note"] for e in detail["claimant_side"] + detail["recommended_side"] + detail["shared"]]
    assert "客户首访前由我电话邀约" in notes
    short = client.post(f"/api/cases/{case_id}/decision", json={"verdict": "王丽", "reason": "同意"},
                        headers={"X-CSRF-Token": csrf})
    assert short.status_code == 409 and "理由" in short.json()["message"]
    assert journal(site, "case_decision") == []
    decided = client.post(f"/api/cases/{case_id}/decision", json={"verdict": "王丽", "reason": "电话录音为证，首访前已邀约"},
                          headers={"X-CSRF-Token": csrf})
    assert decided.status_code == 200, decided.text
    [entry] = journal(site, "case_decision")
    assert entry.actor == "经理" and entry.seq == decided.json()["seq"]
    again = client.post(f"/api/cases/{case_id}/decision", json={"verdict": "李强", "reason": "重新考虑"},
                        headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409 and " / " in again.json()["message"], again.text
    assert len(journal(site, "case_decision")) == 1
    assert client.get("/api/cases").json() == []
    shown = client.get(f"/api/cases/{case_id}").json()["decision"]
    assert (shown["by"], shown["verdict"], shown["reason"]) == ("经理", "王丽", "电话录音为证，首访前已邀约")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # roles are the Desk's: one database is enough
@pytest.mark.parametrize("name", ["前台", "李强", "王丽", "渠道经理"])
def test_only_a_manager_decides_a_case(client: TestClient, site: Store, name: str) -> None:
    case_id = appeal_case(site)
    csrf = sign_in(client, name)
    answer = client.post(f"/api/cases/{case_id}/decision", json={"verdict": "李强", "reason": "按建议裁决"},
                         headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 403 and answer.json()["message"].startswith("无权限 / "), answer.text
    assert journal(site, "case_decision") == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_who_sees_cases_and_warnings(client: TestClient, site: Store) -> None:
    appeal_case(site)
    sign_in(client, "前台")  # reception sees no case and no warning, as on the console
    assert client.get("/api/cases").status_code == 403
    assert client.get("/api/warnings").status_code == 403
    sign_in(client, "王丽")  # a consultant: the cases they are a side of
    assert len(client.get("/api/cases").json()) == 1


def test_a_warning_step_with_a_note(client: TestClient, site: Store) -> None:
    warning_id = repeat_visits_warning(site)
    csrf = sign_in(client, "经理")
    listed = client.get("/api/warnings").json()
    [row] = listed["rows"]
    assert (row["id"], row["kind"], row["status"], row["owner"]) == (warning_id, "repeat_visits_no_pledge", "open", "李强")
    assert row["steps"] == ["following", "intervened", "resolved", "dismissed", "blacklisted"]
    assert row["blacklist_targets"] == ["customer_id"] and listed["min_note"] == 2
    bare = client.post(f"/api/warnings/{warning_id}/steps", json={"status": "intervened", "note": "好"},
                       headers={"X-CSRF-Token": csrf})
    assert bare.status_code == 409 and "处理说明" in bare.json()["message"]
    done = client.post(f"/api/warnings/{warning_id}/steps", json={"status": "intervened", "note": "已约客户周六面谈"},
                       headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200, done.text
    assert journal(site, "warning_update")[-1].actor == "经理"
    [row] = client.get("/api/warnings").json()["rows"]
    assert (row["status"], row["steps"]) == ("intervened", ["intervened", "resolved", "dismissed", "blacklisted"])
    back = client.post(f"/api/warnings/{warning_id}/steps", json={"status": "following", "note": "再跟进一次"},
                       headers={"X-CSRF-Token": csrf})
    assert back.status_code == 409 and "intervened" in back.json()["message"]
    client.post(f"/api/warnings/{warning_id}/steps", json={"status": "resolved", "note": "客户已认筹"},
                headers={"X-CSRF-Token": csrf})
    assert client.get("/api/warnings").json()["rows"] == []
    # the consultant whose customer it was may only follow up, and not on a closed warning
    li = sign_in(client, "李强")
    closed = client.post(f"/api/warnings/{warning_id}/steps", json={"status": "following", "note": "回访客户"},
                         headers={"X-CSRF-Token": li})
    assert closed.status_code == 409


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_consultant_may_only_follow_a_warning_up(client: TestClient, site: Store) -> None:
    warning_id = repeat_visits_warning(site)
    csrf = sign_in(client, "李强")
    [row] = client.get("/api/warnings").json()["rows"]
    assert row["steps"] == ["following"]
    refused = client.post(f"/api/warnings/{warning_id}/steps", json={"status": "dismissed", "note": "误报"},
                          headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403
    ok = client.post(f"/api/warnings/{warning_id}/steps", json={"status": "following", "note": "已电话回访"},
                     headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    sign_in(client, "王丽")
    assert client.get("/api/warnings").json()["rows"] == []


def test_the_board_counts_today(client: TestClient, site: Store) -> None:
    appeal_case(site)
    site.register_visit("13900001111", verified=False, actor="kiosk")
    sign_in(client, "经理")
    board = client.get("/api/board").json()
    assert (board["visits"], board["first_visits"], board["waiting"], board["open_cases"]) == (2, 2, 1, 1)
    assert [s["name"] for s in board["rotation"]] == ["李强", "王丽"]


def test_blacklisting_from_a_warning_lists_the_chosen_party_and_closes_it(client: TestClient, site: Store) -> None:
    warning_id = repeat_visits_warning(site)
    customer = site.customer_id(PHONE)
    csrf = sign_in(client, "经理")
    no_agent = client.post(f"/api/warnings/{warning_id}/steps", headers={"X-CSRF-Token": csrf},
                           json={"status": "blacklisted", "note": "反复到访只为拿优惠信息", "target": "agent"})
    assert no_agent.status_code == 400 and journal(site, "blacklist") == []
    done = client.post(f"/api/warnings/{warning_id}/steps", headers={"X-CSRF-Token": csrf},
                       json={"status": "blacklisted", "note": "反复到访只为拿优惠信息", "target": "customer_id"})
    assert done.status_code == 200, done.text
    [listed] = journal(site, "blacklist")
    assert listed.actor == "经理" and json.loads(listed.payload) == {"listed": True, "target": str(customer),
                                                                "target_kind": "customer"}
    assert journal(site, "warning_update")[-1].actor == "经理"
    assert client.get("/api/warnings").json()["rows"] == []  # closed as blacklisted

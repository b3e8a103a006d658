"""预约 from the phone: a consultant books a visit for their customer, gets the signed QR code the kiosk
reads (as text and as a PNG), lists the day's appointments and cancels one; bad input is named by field;
another consultant's protected customer is refused; a receptionist books for a chosen consultant."""

from __future__ import annotations

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from PIL import Image
from pyzbar.pyzbar import decode

from service.store import Store
from tests.server.conftest import PHONE, sign_in


def window(site: Store, hours: int = 3) -> dict[str, str]:
    start = site.now() + timedelta(hours=hours)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}


def test_a_consultant_books_and_sends_the_qr_code(client: TestClient, site: Store) -> None:
    csrf = sign_in(client, "李强")
    booked = client.post("/api/appointments", json={"surname": "张", "title": "先生", "phone": PHONE, **window(site)},
                         headers={"X-CSRF-Token": csrf})
    assert booked.status_code == 201, booked.text
    body = booked.json()
    assert (body["consultant"], body["status"], body["phone_masked"]) == ("李强", "booked", "138****5678")
    code = body["code"]
    text = client.get(f"/api/appointments/{code}/qr").json()["text"]
    picture = client.get(f"/api/appointments/{code}/qr.png")
    assert picture.headers["content-type"] == "image/png"
    assert decode(Image.open(io.BytesIO(picture.content)))[0].data.decode() == text
    assert [a["code"] for a in client.get("/api/appointments").json()] == [code]
    assert client.delete(f"/api/appointments/{code}", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/appointments").json()[0]["status"] == "cancelled"


def test_bad_input_is_named_by_field_and_nothing_is_booked(client: TestClient, site: Store) -> None:
    csrf = sign_in(client, "李强")
    bad = client.post("/api/appointments", json={"surname": "张", "title": "先生", "phone": "12345", **window(site)},
                      headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_phone", bad.text
    past = client.post("/api/appointments", json={"surname": "张", "title": "女士", "phone": PHONE, **window(site, hours=-5)},
                       headers={"X-CSRF-Token": csrf})
    assert past.status_code == 400 and past.json()["code"] == "bad_window", past.text
    naive = client.post("/api/appointments", json={"surname": "张", "title": "先生", "phone": PHONE, "starts_at": "2026-03-02T10:00:00",
                                                   "ends_at": "2026-03-02T11:00:00"}, headers={"X-CSRF-Token": csrf})
    assert naive.status_code == 422
    assert client.get("/api/appointments").json() == []


def test_another_consultants_customer_and_other_roles(client: TestClient, site: Store) -> None:
    site.register_visit(PHONE, consultant="王丽")
    csrf = sign_in(client, "李强")
    held = client.post("/api/appointments", json={"surname": "张", "title": "先生", "phone": PHONE, **window(site)},
                       headers={"X-CSRF-Token": csrf})
    assert held.status_code == 400 and "王丽" in held.json()["message"]
    other = client.get("/api/appointments/NOSUCHCODE/qr")
    assert other.status_code == 404
    reception = sign_in(client, "前台")
    booked = client.post("/api/appointments", json={"surname": "李", "title": "女士", "phone": "13900001111", "consultant": "李强",
                                                    **window(site)}, headers={"X-CSRF-Token": reception})
    assert booked.status_code == 201 and booked.json()["consultant"] == "李强"
    channel = sign_in(client, "渠道经理")
    refused = client.post("/api/appointments", json={"surname": "王", "title": "先生", "phone": "13900002222", **window(site)},
                          headers={"X-CSRF-Token": channel})
    assert refused.status_code == 403

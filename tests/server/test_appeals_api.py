"""申诉 with photos from the phone: the appeal and its photos in one write (encrypted, found by ref), seen by
the manager and by the consultant who gave them and nobody else, a file that is no photo refused with
nothing written, and erasure taking the photos with the customer (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import io
import json

import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image

from db.database import read_session
from db.models import Evidence, JournalEntry
from service.store import Store
from tests.server.conftest import PHONE, sign_in


def picture(kind: str, colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, kind)
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def entries(store: Store, kind: str) -> list[JournalEntry]:
    with read_session(store.engine) as session:
        return list(session.scalars(sa.select(JournalEntry).where(JournalEntry.kind == kind)))


def rows(store: Store) -> int:
    with read_session(store.engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Evidence)) or 0)


def test_an_appeal_with_photos_is_seen_by_the_manager_and_its_author(client: TestClient, site: Store) -> None:
    site.register_visit(PHONE, consultant="王丽")
    customer = site.customer_id(PHONE)
    jpeg, png = picture("JPEG", "red"), picture("PNG", "blue")
    csrf = sign_in(client, "李强")
    filed = client.post(f"/api/customers/{customer}/appeals", headers={"X-CSRF-Token": csrf},
                        json={"reason": "客户上周由我带看，有微信聊天记录", "photos": [b64(jpeg), "data:image/png;base64," + b64(png)]})
    assert filed.status_code == 201, filed.text
    [entry] = entries(site, "appeal_evidence")
    refs = json.loads(entry.payload)["photos"]
    assert entry.actor == "李强" and len(refs) == 2 and entries(site, "appeal")
    with read_session(site.engine) as session:
        stored = session.scalars(sa.select(Evidence.blob_enc)).all()
    assert all(jpeg not in blob and png not in blob for blob in stored)  # encrypted at rest
    assert client.get(f"/api/evidence/{refs[0]}").content == jpeg
    sign_in(client, "经理")
    [case] = client.get("/api/cases").json()
    assert client.get(f"/api/cases/{case['id']}").json()["photos"] == refs  # on the case the manager decides
    shown = client.get(f"/api/evidence/{refs[1]}")
    assert shown.content == png and shown.headers["content-type"] == "image/png"
    sign_in(client, "王丽")
    assert client.get(f"/api/evidence/{refs[0]}").status_code == 403
    sign_in(client, "前台")
    assert client.get(f"/api/evidence/{refs[0]}").status_code == 403
    site.forget_customer(customer, "客户要求删除个人信息", actor="管理员")
    sign_in(client, "经理")
    assert client.get(f"/api/evidence/{refs[0]}").status_code == 404 and rows(site) == 0


def test_a_file_that_is_no_photo_is_refused_and_nothing_is_written(client: TestClient, site: Store) -> None:
    site.register_visit(PHONE, consultant="王丽")
    customer = site.customer_id(PHONE)
    csrf = sign_in(client, "李强")
    script = client.post(f"/api/customers/{customer}/appeals", headers={"X-CSRF-Token": csrf},
                         json={"reason": "有聊天记录为证", "photos": [b64(b"<script>alert(1)</script>")]})
    assert script.status_code == 409 and "只能上传照片" in script.json()["message"]
    garbled = client.post(f"/api/customers/{customer}/appeals", headers={"X-CSRF-Token": csrf},
                          json={"reason": "有聊天记录为证", "photos": ["not base64 at all!"]})
    assert garbled.status_code == 422 and garbled.json()["code"] == "bad_photo"
    five = client.post(f"/api/customers/{customer}/appeals", headers={"X-CSRF-Token": csrf},
                       json={"reason": "有聊天记录为证", "photos": [b64(picture("PNG", "red"))] * 5})
    assert five.status_code == 422
    assert entries(site, "appeal") == [] and rows(site) == 0


def test_the_engine_refuses_an_appeal_about_ones_own_customer_with_its_photos(client: TestClient, site: Store) -> None:
    site.register_visit(PHONE, consultant="李强")
    customer = site.customer_id(PHONE)
    csrf = sign_in(client, "李强")
    refused = client.post(f"/api/customers/{customer}/appeals", headers={"X-CSRF-Token": csrf},
                          json={"reason": "客户是我接待的", "photos": [b64(picture("JPEG", "red"))]})
    assert refused.status_code == 409 and " / " in refused.json()["message"]
    assert entries(site, "appeal_evidence") == [] and rows(site) == 0


def test_an_appeal_by_phone_with_a_photo(client: TestClient, site: Store) -> None:
    """POST /api/appeals: the consultant types the number (as the console's form), the photo goes with it."""
    site.register_visit(PHONE, consultant="王丽")
    jpeg = picture("JPEG", "green")
    csrf = sign_in(client, "李强")
    filed = client.post("/api/appeals", headers={"X-CSRF-Token": csrf},
                        json={"phone": PHONE, "reason": "客户上周由我带看，有微信聊天记录",
                              "photos": ["data:image/jpeg;base64," + b64(jpeg)]})
    assert filed.status_code == 201, filed.text
    [appealed] = entries(site, "appeal")
    [evidence] = entries(site, "appeal_evidence")
    assert filed.json()["seq"] == appealed.seq and appealed.actor == evidence.actor == "李强"
    body = json.loads(evidence.payload)
    assert body["appeal"] == appealed.seq and body["customer"] == site.customer_id(PHONE) and len(body["photos"]) == 1
    assert client.get(f"/api/evidence/{body['photos'][0]}").content == jpeg
    assert PHONE not in filed.text


def test_an_unknown_number_is_refused_in_the_same_words_as_ones_own_customer(client: TestClient, site: Store) -> None:
    """No oracle: the answer does not tell a number the site does not know from the consultant's own customer."""
    site.register_visit(PHONE, consultant="李强")
    csrf = sign_in(client, "李强")
    photo = [b64(picture("JPEG", "red"))]
    own = client.post("/api/appeals", headers={"X-CSRF-Token": csrf},
                      json={"phone": PHONE, "reason": "客户是我接待的", "photos": photo})
    unknown = client.post("/api/appeals", headers={"X-CSRF-Token": csrf},
                          json={"phone": "13900009999", "reason": "客户是我接待的", "photos": photo})
    assert own.status_code == unknown.status_code == 409
    assert own.json() == unknown.json() and " / " in own.json()["message"]
    # a file that is no photo is refused for what it is, before any lookup (no miss counted, nothing written)
    script = client.post("/api/appeals", headers={"X-CSRF-Token": csrf},
                         json={"phone": "13900009999", "reason": "客户是我接待的", "photos": [b64(b"<svg/>")]})
    assert script.status_code == 409 and "只能上传照片" in script.json()["message"]
    assert entries(site, "appeal") == [] and rows(site) == 0
    assert client.post("/api/appeals", headers={"X-CSRF-Token": sign_in(client, "经理")},
                       json={"phone": PHONE, "reason": "客户是我接待的"}).status_code == 403

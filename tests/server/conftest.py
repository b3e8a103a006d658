"""A site for the server's tests: consultants 李强 and 王丽 on duty, one user per role (secret SECRET),
and the application on it, through FastAPI's TestClient (`client`) or a real uvicorn on 127.0.0.1
(`live_server`, for a browser)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from server.app import create_app
from server.tour import served
from service import users
from service.store import Store
from tests.db.stores import new_store

SECRET = "pw-123456"
USERS = (("经理", "manager", None), ("前台", "receptionist", None), ("管理员", "admin", None),
         ("渠道经理", "channel_manager", None), ("李强", "consultant", "李强"), ("王丽", "consultant", "王丽"))
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its cheapest here: these tests sign in dozens of times, and the lockout and the hash's
    strength are service/users.py's tests' concern (its parameters are the library's defaults)."""
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def site(db_url: str, tmp_path: Path) -> Iterator[Store]:
    store = new_store(db_url, tmp_path / "keys", ("李强", "王丽"), {"链家": ["张三"]})
    for name, role, consultant in USERS:
        users.add_user(store, name, role, SECRET, consultant=consultant)
    yield store
    store.dispose()


@pytest.fixture
def client(site: Store) -> Iterator[TestClient]:
    with TestClient(create_app(site, poll_interval=0.1), base_url="https://testserver") as test_client:
        yield test_client


def sign_in(client: TestClient | httpx.Client, name: str, secret: str = SECRET) -> str:
    """Signs `name` in on this client (its cookie jar); returns the CSRF token for writes."""
    answer = client.post("/api/session", json={"name": name, "secret": secret})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf"])


@dataclass
class LiveServer:
    url: str
    store: Store


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(site: Store) -> Iterator[LiveServer]:
    """The application under a real uvicorn on 127.0.0.1 (plain HTTP: the loopback is allowed), at
    http://localhost:PORT, so a browser keeps its Secure cookie."""
    with served(site, poll_interval=0.1) as url:
        yield LiveServer(url, site)

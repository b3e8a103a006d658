"""A console window on a real store (SQLite; PostgreSQL with `any_store`), logged in as any role.

Stores have two consultants on duty, two channels, and one user per role (`USERS`); every user's
password is PASSWORD. `open_console(qtbot, store, "经理")` returns a window already logged in (the login
screen itself is tested in test_login.py); `settle(window)` waits until no store work is pending.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from service import users  # noqa: E402
from service.store import Store  # noqa: E402
from tests.db.stores import new_store  # noqa: E402

CONSULTANTS = ("李强", "王丽")
CHANNELS = {"贝壳": ["周杰", "吴芳"], "链家": ["郑伟"]}
PASSWORD = "pw-123456"
# user name -> (role, consultant)
USERS = {"管理员": ("admin", None), "经理": ("manager", None), "渠道经理": ("channel_manager", None),
         "前台": ("receptionist", None), "李强": ("consultant", "李强"), "王丽": ("consultant", "王丽")}


def make_console_store(url: str, keys: Path) -> Store:
    store = new_store(url, keys, CONSULTANTS, CHANNELS, station="console-test")
    for name, (role, consultant) in USERS.items():
        users.add_user(store, name, role, PASSWORD, consultant=consultant)
    return store


@pytest.fixture
def store(sqlite_url: str, tmp_path: Path) -> Iterator[Store]:
    s = make_console_store(sqlite_url, tmp_path / "keys")
    yield s
    s.dispose()


@pytest.fixture
def any_store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    """SQLite and PostgreSQL: for the actions that write."""
    s = make_console_store(db_url, tmp_path / "keys")
    yield s
    s.dispose()

"""The login hold-off under concurrent guessing: every attempt is counted before the hold-off is checked
and before the secret is, so guesses sent at once cannot all reach the (slow) hash check."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher

from service import users
from service.store import Store
from service.users import AuthError
from tests.db.stores import new_store

SECRET = "correct horse 7"
GUESSES = 24


class CountingHasher(PasswordHasher):
    """Cheap argon2 that counts the secrets it checks, each held a moment so that concurrent guesses
    overlap (the window in which they all saw no hold-off yet)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.checked = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002 - argon2's name
        with self._lock:
            self.checked += 1
        time.sleep(0.05)
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(users, "HASHER", counting)
    return counting


@pytest.fixture
def store(db_url: str, tmp_path: Path, hasher: CountingHasher) -> Iterator[Store]:
    s = new_store(db_url, tmp_path / "keys", ("王丽",))
    users.add_user(s, "front", "receptionist", SECRET)
    yield s
    s.dispose()


def guess_at_once(store: Store, secret: str, count: int) -> list[Any]:
    """`count` logins started together, each on its own thread: what each returned or raised."""
    start = threading.Barrier(count)

    def attempt(_: int) -> Any:
        start.wait()
        try:
            return users.authenticate(store, "front", secret)
        except AuthError as refused:
            return refused

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


def test_concurrent_wrong_guesses_reach_the_hash_only_until_the_hold_off(store: Store,
                                                                        hasher: CountingHasher) -> None:
    outcomes = guess_at_once(store, "nope", GUESSES)
    assert all(isinstance(outcome, AuthError) for outcome in outcomes)
    assert hasher.checked <= users.FREE_ATTEMPTS
    held = [outcome for outcome in outcomes if outcome.retry_after]
    assert len(held) >= GUESSES - users.FREE_ATTEMPTS
    hasher.checked = 0
    with pytest.raises(AuthError) as after:  # the right secret too waits out the hold-off, unchecked
        users.authenticate(store, "front", SECRET)
    assert after.value.retry_after is not None and hasher.checked == 0


def test_right_logins_one_after_another_never_add_up_to_a_hold_off(store: Store) -> None:
    for _ in range(users.FREE_ATTEMPTS + 2):  # each counted before its check, and the count undone after
        assert users.authenticate(store, "front", SECRET).name == "front"
    for _ in range(users.FREE_ATTEMPTS - 1):
        with pytest.raises(AuthError) as wrong:
            users.authenticate(store, "front", "nope")
        assert wrong.value.retry_after is None
    assert users.authenticate(store, "front", SECRET).name == "front"

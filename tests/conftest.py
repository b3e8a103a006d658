"""Shared fixtures: a fresh SQLite file or a fresh PostgreSQL schema per test.

PostgreSQL comes from ANCHANG_TEST_PG_URL (scripts/test.sh sets it and starts the server). When it is
not set the PostgreSQL variants are skipped, with the reason shown; CI always sets it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("ANCHANG_TEST_PG_URL")


@pytest.fixture(autouse=True)
def no_real_system_site(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test finds or makes this machine's /etc/anchang or /var/lib/anchang (a developer's PC may have the
    package installed): the system site is an empty folder of the test's, its group one that does not
    exist. Tests of the system site set their own (tests/admin/test_system_site.py)."""
    base = tmp_path_factory.mktemp("system-site")
    monkeypatch.setenv("ANCHANG_SYSTEM_CONFIG_DIR", str(base / "etc"))
    monkeypatch.setenv("ANCHANG_SYSTEM_DATA_DIR", str(base / "var"))
    monkeypatch.setenv("ANCHANG_SYSTEM_GROUP", "anchang-test-no-such-group")


@pytest.fixture(autouse=True)
def own_umask() -> Iterator[None]:
    """Each test starts with the umask the run began with: a program's main run in-process sets its site's
    (0o077), and the next test's folders came out 0700 (dpkg-deb refused them, another user could not
    read a copied script)."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'anchang.sqlite3'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a brand-new schema, dropped afterwards."""
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("ANCHANG_TEST_PG_URL is not set in CI: scripts/test.sh must start PostgreSQL")
        pytest.skip("ANCHANG_TEST_PG_URL not set (scripts/test.sh sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(path))
    return path


@pytest.fixture
def private_pg() -> Iterator[tuple[str, Any]]:
    """A throw-away PostgreSQL cluster on its own port; yields (url, pg_ctl(action)) (tests/private_pg.py)."""
    from tests.private_pg import private_cluster

    with private_cluster() as cluster:
        if cluster is None:
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL server binaries not found under /usr/lib/postgresql")
            pytest.skip("PostgreSQL server binaries not installed")
        yield cluster

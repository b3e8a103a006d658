"""Logging out (or in as someone else) while the pages' first reads are still on the workers: the reads'
answers arrive after the pages are gone and are dropped, with no `Internal C++ object already deleted`
traceback (issue 15, item 11a: seen on the customers, dashboard and duty pages)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from service import users
from service.store import Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import open_console, settle


@pytest.mark.parametrize("user", ["经理", "管理员", "李强"])
def test_logging_out_at_once_drops_the_pages_late_answers(qtbot: Any, store: Store, user: str,
                                                          caplog: pytest.LogCaptureFixture,
                                                          capfd: pytest.CaptureFixture[str]) -> None:
    window = open_console(qtbot, store)
    caplog.set_level(logging.WARNING)
    for _ in range(3):
        window.enter(users.authenticate(store, user, PASSWORD))
        for page in window.pages.values():  # every page built, each with its first reads on the workers
            page.refresh()
        window.logout()
        # the pages are deleted before the workers answer (a real event loop may do either first)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        settle(window)
    window.enter(users.authenticate(store, user, PASSWORD))
    window.enter(users.authenticate(store, "前台" if user != "前台" else "经理", PASSWORD))  # another user
    settle(window)
    errors = capfd.readouterr().err
    assert "already deleted" not in errors and "Traceback" not in errors
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert window.root.currentWidget() is window.main and window.pages  # the new user's pages work

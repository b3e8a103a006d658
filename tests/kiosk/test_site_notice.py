"""The consent notice a site set in the first-run wizard (service/site_settings.py) is what the kiosk shows
and what each consent records as its version; without one, the default notice in the kiosk's language."""

from __future__ import annotations

from typing import Any

from kiosk.services import NOTICE_VERSION
from service import site_settings
from service.store import Store
from tests.kiosk.conftest import services_for
from tests.kiosk.helpers import open_window
from ui.consent_notice import default_notice

SITE_NOTICE = "本案场采集人脸特征仅用于来访登记。\n如有疑问请咨询前台：0571-8888 6666。"


def consent_screen(qtbot: Any, store: Store, **overrides: Any) -> Any:
    window = open_window(qtbot, services_for(store, **overrides))
    window.show_screen("consent")
    return window.stack.currentWidget()


def test_the_default_notice_when_the_site_set_none(qtbot: Any, store: Store) -> None:
    assert site_settings.consent_notice(store.engine) is None
    screen = consent_screen(qtbot, store)
    assert screen.notice.text() == default_notice()
    assert NOTICE_VERSION in screen.version.text()


def test_the_sites_own_notice_and_its_version(qtbot: Any, store: Store) -> None:
    version = site_settings.set_consent_notice(store, SITE_NOTICE, actor="init")
    text, stored_version = site_settings.consent_notice(store.engine) or ("", "")
    assert (text, stored_version) == (SITE_NOTICE, version)
    screen = consent_screen(qtbot, store, notice_text=text, notice_version=version)
    assert screen.notice.text() == SITE_NOTICE
    assert version in screen.version.text()

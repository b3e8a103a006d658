"""Site-wide settings every station reads from the database (not from its own anchang.toml): the
project's name and the consent notice for face recognition, both set in the first-run wizard.

A change is journalled as a `setting` entry holding the SHA-256 of the value, never the text itself
(a notice may quote the office's phone number, which the journal's guard refuses): the journal still
shows who changed what and when, and that the stored text is the one they set.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.database import read_session
from db.models import Setting

if TYPE_CHECKING:
    from service.store import Store

PROJECT_KEY = "project"
NOTICE_KEY = "consent_notice"
NOTICE_MAX = 2000  # characters: a notice a visitor reads standing


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(engine: Engine, key: str) -> Any:
    with read_session(engine) as session:
        stored = session.scalar(sa.select(Setting.value).where(Setting.key == key))
    return None if stored is None else json.loads(stored)


def _write(store: Store, key: str, value: dict[str, str], actor: str) -> None:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)

    def work(session: Session) -> dict[str, Any]:
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=text))
        else:
            row.value = text
        return {"setting": key, "sha256": _digest(text)}

    store._journal_only("setting", actor, work)


def project_title(engine: Engine) -> str | None:
    value = _read(engine, PROJECT_KEY)
    return value.get("title") if isinstance(value, dict) else None


def set_project_title(store: Store, title: str, actor: str) -> None:
    cleaned = title.strip()
    if not cleaned or len(cleaned) > 64:
        raise ValueError("项目名称须为 1-64 个字 / the project name has 1 to 64 characters")
    _write(store, PROJECT_KEY, {"title": cleaned}, actor)


def consent_notice(engine: Engine) -> tuple[str, str] | None:
    """(text, version) of the site's own notice; None: the kiosk shows its default (in its language)."""
    value = _read(engine, NOTICE_KEY)
    if not isinstance(value, dict) or not value.get("text"):
        return None
    return str(value["text"]), str(value["version"])


def set_consent_notice(store: Store, text: str, actor: str) -> str:
    """The site's notice; its version (recorded with every consent given under it) names the text."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > NOTICE_MAX:
        raise ValueError(f"告知书须为 1-{NOTICE_MAX} 个字 / the notice has 1 to {NOTICE_MAX} characters")
    version = f"notice-{_digest(cleaned)[:12]}"
    _write(store, NOTICE_KEY, {"text": cleaned, "version": version}, actor)
    return version

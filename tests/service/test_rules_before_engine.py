"""A station asks for the rules in force (the site's time zone for every page) before its engine is loaded:
they come from the journal's rule changes alone, equal to what the loaded engine says, and asking does not
load the engine (which a big site's station loads on a thread of its own at start)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from db.database import make_engine
from db.keys import Keyring
from service import rules_admin, users
from service.desk import Desk
from service.store import Store
from tests.db.stores import T0, new_store


def test_rules_before_the_engine_is_loaded_are_those_it_judges_by(db_url: str, tmp_path: Path) -> None:
    store = new_store(db_url, tmp_path / "keys", ("A", "B"))
    store.change_rules({"protection.consultant_days": 20})
    store.clock.at = T0 + timedelta(hours=1)  # type: ignore[attr-defined]
    users.add_user(store, "经理", "manager", "pw-123456")
    desk = Desk(store, users.authenticate(store, "经理", "pw-123456"))
    rules_admin.change_rules(desk, {"site.timezone": "Asia/Urumqi"}, "下周起按乌鲁木齐时间排班",
                             effective_at=T0 + timedelta(days=3))  # scheduled
    store.change_rules({"protection.follow_up_days": 9})
    store.register_visit("13800000001")
    store.save_snapshot()

    station = Store(make_engine(store.engine.url.render_as_string(hide_password=False)),
                    Keyring.load(tmp_path / "keys"), clock=store.clock, station="console")
    try:
        times = [None, T0, T0 + timedelta(days=2), T0 + timedelta(days=3), T0 + timedelta(days=400)]
        before = [station.rules_at(at).values for at in times]
        assert station._site is None  # answered without loading the engine
        assert before[1]["protection.consultant_days"] == 20 and before[3]["site.timezone"] == "Asia/Urumqi"
        assert before[2]["site.timezone"] != "Asia/Urumqi" and before[4]["protection.follow_up_days"] == 9
        station.site()
        assert [station.rules_at(at).values for at in times] == before
        assert [store.rules_at(at).values for at in times] == before
    finally:
        station.dispose()
        store.dispose()

"""Engine snapshots stored by column: every part of the state comes back equal, a snapshot taken before a
field was added loads with its default, one of another format or layout is refused as outdated, a dump
shares nothing with the live engine, and `differences` names what an edited snapshot changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from judge import facts as f
from judge import snapshot
from judge.engine import Site

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def busy_site() -> Site:
    """Something in every table: customers with visits and a lapse, reports (masked too), cases,
    warnings, faces, an overdue sighting, the rotation, busy consultants, a claim and the blacklist."""
    site = Site()
    facts: list[f.Fact] = [
        f.Duty(seq=1, at=at(0), consultants=("A", "B", "C")),
        f.Report(seq=2, at=at(0.5), channel="渠道甲", agent="张三", customer=1, mask="m1", surname="s1"),
        f.Visit(seq=3, at=at(1), customer=1, channel="渠道甲", agent="张三", face="face-1", mask="m1"),
        f.Visit(seq=4, at=at(2), customer=2, consultant="B", verified=False),
        f.Visit(seq=5, at=at(3), customer=1, consultant="C"),  # a competing registration: a case
        f.Sighting(seq=6, at=at(4), face="stranger-9"),
        f.Report(seq=7, at=at(5), channel="渠道甲", agent="李四", customer=None, mask="m9", masked=False),
        f.Busy(seq=8, at=at(5), consultant="A", busy=True),
        f.BlacklistChange(seq=9, at=at(6), target_kind="agent", target="李四"),
        f.Visit(seq=10, at=at(7), customer=3, consultant="C"),
        f.Release(seq=11, at=at(8), customer=3, consultant="C"),
        f.Claim(seq=12, at=at(9), customer=3, consultant="B"),
        f.RulesChange(seq=13, at=at(10), overrides={"protection.follow_up_days": 5}),
    ]
    for fact in facts:
        site.apply(fact)
    site.apply(f.Visit(seq=14, at=at(24 * 40), customer=2, consultant="C"))  # A's and B's lapse, a warning
    assert site.cases and site.warnings and site.faces and site.reports and site.busy
    return site


def through_json(data: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(data, ensure_ascii=True)))


def test_every_part_of_the_state_comes_back_equal() -> None:
    site = busy_site()
    restored = snapshot.load(through_json(snapshot.dump(site)))
    assert repr(vars(restored)) == repr(vars(site))
    assert snapshot.differences(restored, site) == []
    assert restored.customers[1].visits[0].tzinfo is not None
    nxt = f.Visit(seq=15, at=at(24 * 41), customer=1)
    assert vars(restored.apply(nxt)) == vars(site.apply(nxt))


def test_records_are_stored_by_column_in_the_layout_order() -> None:
    data = snapshot.dump(busy_site())
    assert data["layout"]["CustomerState"][:2] == ["id", "mask"]
    customers = data["state"]["customers"]
    assert customers["keys"] == [1, 2, 3]
    assert customers["columns"][0] == [1, 2, 3]  # the id column
    assert len(customers["columns"]) == len(data["layout"]["CustomerState"])


def test_a_dump_shares_no_list_with_the_live_engine() -> None:
    """A snapshot is serialised outside the station's lock while the engine goes on judging."""
    site = busy_site()
    data = snapshot.dump(site)
    before = json.dumps(data)
    site.apply(f.Visit(seq=15, at=at(24 * 41), customer=1))
    site.customers[1].faces.append("face-2")
    site.cases[next(iter(site.cases))].evidence.append(99)
    site.reports_by_customer[1].append(99)
    assert json.dumps(data) == before


def test_a_field_added_since_the_snapshot_loads_with_its_default() -> None:
    data = through_json(snapshot.dump(busy_site()))
    fields = data["layout"]["WarningState"]
    position = fields.index("note")
    del fields[position]
    del data["state"]["warnings"]["columns"][position]
    faces = data["layout"]["CustomerState"].index("faces")  # a field with a default factory
    del data["layout"]["CustomerState"][faces]
    del data["state"]["customers"]["columns"][faces]
    restored = snapshot.load(data)
    assert {w.note for w in restored.warnings.values()} == {None}
    assert [c.faces for c in restored.customers.values()] == [[], [], []]
    first, second = restored.customers[1].faces, restored.customers[2].faces
    assert first is not second  # each record its own list


def test_an_unknown_field_or_another_format_is_outdated() -> None:
    data = through_json(snapshot.dump(busy_site()))
    data["layout"]["CaseState"].append("severity")
    data["state"]["cases"]["columns"].append([1] * len(data["state"]["cases"]["keys"]))
    with pytest.raises(snapshot.OutdatedSnapshot, match="severity"):
        snapshot.load(data)
    older = through_json(snapshot.dump(busy_site()))
    older["format"] = "anchang-engine-snapshot/2"
    with pytest.raises(snapshot.OutdatedSnapshot, match="format"):
        snapshot.load(older)


@pytest.mark.parametrize("damage", ["short column", "no layout", "bad time"])
def test_damaged_data_raises_value_errors(damage: str) -> None:
    data = through_json(snapshot.dump(busy_site()))
    if damage == "short column":
        data["state"]["reports"]["columns"][3].pop()
    elif damage == "no layout":
        del data["layout"]["FaceState"]
    else:
        data["state"]["last_at"] = "yesterday"
    with pytest.raises(ValueError):
        snapshot.load(data)


def test_differences_name_the_record_and_its_fields() -> None:
    site = busy_site()
    edited = snapshot.load(through_json(snapshot.dump(site)))
    edited.customers[1].owner = "C"
    edited.customers[1].anchor_end = at(9999)
    edited.warnings.pop(next(iter(edited.warnings)))
    edited.rotation.reverse()
    found = snapshot.differences(edited, site)
    assert found[0] == "customers #1 (owner, anchor_end)"
    assert found[1].startswith("warnings #") and "rotation" in found


# ----------------------------------------------------------------- the stored text
def test_the_stored_text_is_a_header_then_one_line_per_part_and_reads_back() -> None:
    site = busy_site()
    next(iter(site.warnings.values())).note = "第一行\n第二行"  # a newline inside a value stays escaped
    stored = snapshot.text(snapshot.dump(site), "ab" * 32)
    assert stored.isascii()
    lines = stored.split("\n")
    head = snapshot.header(stored)
    assert head["journal_hash"] == "ab" * 32 and head["parts"][0] == "customers"
    customers = json.loads(lines[1]), [json.loads(line) for line in lines[2:2 + len(head["layout"]["CustomerState"])]]
    assert customers[0] == [1, 2, 3] and customers[1][0] == [1, 2, 3]  # the keys, then the id column
    journal_hash, restored = snapshot.loads(stored)
    assert journal_hash == "ab" * 32 and repr(vars(restored)) == repr(vars(site))
    assert snapshot.text(snapshot.parse(stored)[1], journal_hash) == stored


@pytest.mark.parametrize("damage", ["cut short", "a line too many", "a part missing", "single document"])
def test_a_damaged_or_foreign_text_is_refused(damage: str) -> None:
    stored = snapshot.text(snapshot.dump(busy_site()), "0" * 64)
    if damage == "cut short":
        with pytest.raises(ValueError, match="cut short"):
            snapshot.loads(stored.rsplit("\n", 3)[0])
    elif damage == "a line too many":
        with pytest.raises(ValueError, match="left over"):
            snapshot.loads(stored + "\n[]")
    elif damage == "a part missing":
        head, _, rest = stored.partition("\n")
        header = json.loads(head)
        header["parts"].remove("aliases")
        with pytest.raises(snapshot.OutdatedSnapshot, match="aliases"):
            snapshot.loads(json.dumps(header) + "\n" + rest)
    else:  # format 3 and older: one JSON document
        older = json.dumps({"journal_hash": "0" * 64, "engine": {**snapshot.dump(busy_site()),
                                                                "format": "anchang-engine-snapshot/3"}})
        assert snapshot.header(older)["journal_hash"] == "0" * 64
        with pytest.raises(snapshot.OutdatedSnapshot):
            snapshot.loads(older)

"""The engine's state as plain JSON-ready data, and back: a station starts from the latest snapshot and
replays only the journal entries after it, instead of the whole year."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections import deque
from datetime import datetime
from typing import Any

from judge.engine import Site
from judge.rules import RuleBook, RuleSet
from judge.state import CaseState, CustomerState, FaceState, PendingSighting, ReportState, WarningState

FORMAT = "anchang-engine-snapshot/1"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, (list, tuple, deque)):
        return [_encode(v) for v in value]
    return value


def _decode_as(kind: Any, value: Any) -> Any:
    """Rebuilds a value of the annotated type `kind` from its JSON form."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return _decode_as(next(a for a in args if a is not type(None)), value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if origin is list:
        return [_decode_as(args[0], v) for v in value]
    if origin is tuple:
        return tuple(_decode_as(a, v) for a, v in zip(args, value, strict=True))
    if origin is dict:
        key_type, value_type = args
        return {key_type(k): _decode_as(value_type, v) for k, v in value.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{name: _decode_as(hints[name], v) for name, v in value.items()})
    return value


def dump(site: Site) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "rules": {"effective": [t.isoformat() for t in site.rules.effective],
                  "versions": [dict(v.values) for v in site.rules.versions]},
        "state": {name: _encode(getattr(site, name)) for name in _FIELDS},
    }


def load(data: dict[str, Any]) -> Site:
    if data.get("format") != FORMAT:
        raise ValueError(f"not an engine snapshot of format {FORMAT}")
    rules = RuleBook(effective=[datetime.fromisoformat(t) for t in data["rules"]["effective"]],
                     versions=[RuleSet(values) for values in data["rules"]["versions"]])
    site = Site(rules)
    for name, kind in _FIELDS.items():
        value = _decode_as(kind, data["state"][name])
        if name in ("busy", "blacklisted_agents", "blacklisted_channels"):
            value = set(value)
        elif name == "pending_sightings":
            value = deque(value)
        setattr(site, name, value)
    return site


_FIELDS: dict[str, Any] = {
    "customers": dict[int, CustomerState],
    "aliases": dict[int, list[int]],
    "reports": dict[int, ReportState],
    "reports_by_customer": dict[int, list[int]],
    "reports_by_mask": dict[str, list[int]],
    "seen_by_mask": dict[str, list[int]],
    "faces": dict[str, FaceState],
    "pending_sightings": list[PendingSighting],
    "cases": dict[int, CaseState],
    "cases_by_customer": dict[int, list[int]],
    "warnings": dict[int, WarningState],
    "warnings_by_customer": dict[int, list[int]],
    "rotation": list[str],
    "busy": list[str],
    "claims_today": dict[str, tuple[str, int]],
    "blacklisted_agents": list[str],
    "blacklisted_channels": list[str],
    "next_id": int,
    "last_seq": int,
    "last_at": datetime | None,
}

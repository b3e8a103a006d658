"""The engine's state as plain JSON-ready data, and back: a station starts from the latest snapshot and
replays only the journal entries after it, instead of the whole year."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from judge.engine import Site
from judge.rules import RuleBook, RuleSet
from judge.state import CaseState, CustomerState, FaceState, PendingSighting, ReportState, WarningState

FORMAT = "anchang-engine-snapshot/2"


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _encode(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, (list, tuple, deque)):
        return [_encode(v) for v in value]
    return value


Decoder = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


@functools.cache
def _decoder(kind: Any) -> Decoder:
    """A function that rebuilds a value of the annotated type `kind` from its JSON form. Built once
    per type: resolving annotations for every record made loading slower than replaying."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        inner = _decoder(next(a for a in args if a is not type(None)))
        return lambda v: None if v is None else inner(v)
    if kind is datetime:
        return datetime.fromisoformat
    if origin is list:
        item = _decoder(args[0])
        return _identity if item is _identity else (lambda v: [item(x) for x in v])
    if origin is tuple:
        parts = [_decoder(a) for a in args]
        return lambda v: tuple(p(x) for p, x in zip(parts, v, strict=True))
    if origin is dict:
        key_type, value_decoder = args[0], _decoder(args[1])
        return lambda v: {key_type(k): value_decoder(x) for k, x in v.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = [(name, _decoder(hints[name])) for name in _field_names(kind)]
        converting = [(n, d) for n, d in fields if d is not _identity]

        def build(value: dict[str, Any]) -> Any:
            for name, decode in converting:
                value[name] = decode(value[name])
            return kind(**value)
        return build
    return _identity


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
        value = _decoder(kind)(data["state"][name])
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

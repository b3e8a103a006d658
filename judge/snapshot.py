"""The engine's state as plain JSON-ready data, and back: a station starts from the latest snapshot and
replays only the journal entries after it, instead of the whole year.

The records of a table (customers, reports, cases, warnings, faces, deadlines) are stored by
column, one list per field in the order the snapshot's `layout` gives, with the table's keys in a list
of their own. Loading a column is then one C-level pass (`map(datetime.fromisoformat, ...)`) and a
table's records are made by `map(RecordClass, *columns)`: at 1,000,000 journal entries this reads in
about a third of the time of one JSON object per record, and the text is a third shorter. Times stay
ISO 8601 strings: `fromisoformat` is the fastest way back to an aware datetime and keeps the offset
exactly (an integer of microseconds took three times as long to turn back into a datetime). The stored
text (`text`) puts each column on a line of its own, parsed one at a time.

A snapshot taken before a field was added loads with that field's default; one that holds a field this
code does not know, or of another format, raises `OutdatedSnapshot` (ignored by a station, which replays
instead; never trusted to mean something it may not).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import types
import typing
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from judge.engine import Site
from judge.rules import RuleBook, RuleSet
from judge.state import CaseState, CustomerState, FaceState, PendingDeadline, ReportState, WarningState

# 5: a later check-in joins the arrival waiting for reception (a replay judges old journals so: an older
# snapshot is replayed past, not loaded); deadlines of two kinds (sightings, check-ins) in one queue
FORMAT = "anchang-engine-snapshot/5"
RECORDS: tuple[type, ...] = (CustomerState, ReportState, CaseState, WarningState, FaceState, PendingDeadline)

Codec = Callable[[Any], Any]


class OutdatedSnapshot(ValueError):
    """An authentic snapshot this code cannot read as it was meant: of another format, or holding a
    field the engine no longer has. Not tampering: the station replays instead and saves a new one."""


def _identity(value: Any) -> Any:
    return value


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def layout() -> dict[str, list[str]]:
    """The field order of every record class, as written at the head of a snapshot."""
    return {cls.__name__: list(_field_names(cls)) for cls in RECORDS}


def _optional(kind: Any) -> Any | None:
    """`X` for `X | None`, else None."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        return args[0] if len(args) == 1 else None
    return None


def _is_record(kind: Any) -> bool:
    return isinstance(kind, type) and kind in RECORDS


# ----------------------------------------------------------------- encoding
@functools.cache
def _encoder(kind: Any) -> Codec:
    """A function from a value of the annotated type `kind` to its JSON form. Lists are always copied:
    a snapshot is serialised outside the station's lock while the engine goes on changing."""
    inner = _optional(kind)
    if inner is not None:
        encode_inner = _encoder(inner)
        return lambda v: None if v is None else encode_inner(v)
    if kind is datetime:
        return datetime.isoformat
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (list, tuple, deque, set):
        item = args[0] if args else Any
        encode_item = _encoder(item)
        if encode_item is _identity:
            return sorted if origin is set else list
        return lambda v: [encode_item(x) for x in v]
    if origin is dict:  # a mapping inside a record: a JSON object (its keys are text)
        encode_value = _encoder(args[1])
        return lambda v: {k: encode_value(x) for k, x in v.items()}
    return _identity


def _encode_field(kind: Any, value: Any) -> Any:
    """One of the engine's fields: a table of records by column, any other mapping as keys and values
    (their keys may be numbers), the rest as `_encoder` makes it."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is dict and _is_record(args[1]):
        return {"keys": list(value), "columns": _columns(args[1], list(value.values()))}
    if origin is dict:
        encode = _encoder(args[1])
        return {"keys": list(value), "values": [encode(x) for x in value.values()]}
    if origin is list and _is_record(args[0]):
        return {"columns": _columns(args[0], list(value))}
    return _encoder(kind)(value)


def _columns(cls: type, records: list[Any]) -> list[list[Any]]:
    hints = _hints(cls)
    columns = []
    for name in _field_names(cls):
        encode = _encoder(hints[name])
        values = [getattr(r, name) for r in records]
        columns.append(values if encode is _identity else [encode(v) for v in values])
    return columns


# ----------------------------------------------------------------- decoding
@functools.cache
def _decoder(kind: Any) -> Codec:
    """A function that rebuilds one value of the annotated type `kind` from its JSON form."""
    inner = _optional(kind)
    if inner is not None:
        decode_inner = _decoder(inner)
        return _identity if decode_inner is _identity else (lambda v: None if v is None else decode_inner(v))
    if kind is datetime:
        return datetime.fromisoformat
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is list:
        item = _decoder(args[0])  # a list parsed from JSON is a fresh one: kept as it is
        return _identity if item is _identity else (lambda v: list(map(item, v)))
    if origin is tuple:
        parts = [_decoder(a) for a in args]
        return lambda v: tuple(p(x) for p, x in zip(parts, v, strict=True))
    if origin is dict:
        key, value = _decoder(args[0]), _decoder(args[1])
        if key is _identity and value is _identity:
            return _identity
        return lambda v: {key(k): value(x) for k, x in v.items()}
    return _identity


@functools.cache
def _column_decoder(kind: Any) -> Codec:
    """A whole column of `kind` values at once, in as few Python-level steps per value as it can: these
    run for every record of a million-entry site at each station's start."""
    inner = _optional(kind)
    if inner is not None and _decoder(inner) is not _identity:
        decode_inner = _decoder(inner)

        def optional(column: list[Any]) -> list[Any]:
            if None not in column:
                return list(map(decode_inner, column))
            return [None if v is None else decode_inner(v) for v in column]
        return optional
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is list and _decoder(args[0]) is not _identity:
        return functools.partial(_list_column, _decoder(args[0]))
    if origin is dict and _decoder(args[0]) is _identity and _decoder(args[1]) is not _identity:
        decode_value = _decoder(args[1])
        return lambda column: [{k: decode_value(x) for k, x in v.items()} if v else {} for v in column]
    decode = _decoder(kind)
    return _identity if decode is _identity else (lambda column: list(map(decode, column)))


def _list_column(decode_item: Codec, column: list[list[Any]]) -> list[list[Any]]:
    """A column of lists (a customer's visits): every item decoded in one pass, then cut back into lists."""
    decoded = list(map(decode_item, itertools.chain.from_iterable(column)))
    bounds = itertools.pairwise(itertools.accumulate(map(len, column), initial=0))
    return [decoded[start:end] for start, end in bounds]


def _records(cls: type, columns: list[list[Any]], stored_fields: list[str], count: int) -> list[Any]:
    """The records of one table, from its columns in the snapshot's field order."""
    names, hints = _field_names(cls), _hints(cls)
    unknown = set(stored_fields) - set(names)
    if unknown or len(columns) != len(stored_fields):
        raise OutdatedSnapshot(f"{cls.__name__}: fields {sorted(unknown)} are not the engine's")
    stored = dict(zip(stored_fields, columns, strict=True))
    ordered = []
    for field in dataclasses.fields(cls):
        column = stored.get(field.name)
        if column is None:  # added since the snapshot was taken: its default
            if field.default is not dataclasses.MISSING:
                column = [field.default] * count
            elif field.default_factory is not dataclasses.MISSING:
                column = [field.default_factory() for _ in range(count)]
            else:
                raise OutdatedSnapshot(f"{cls.__name__}.{field.name} has no default and is not in the snapshot")
        elif len(column) != count:
            raise ValueError(f"{cls.__name__}.{field.name}: {len(column)} values for {count} records")
        ordered.append(_column_decoder(hints[field.name])(column))
    return list(map(cls, *ordered))


def _decode_field(kind: Any, value: Any, fields: dict[str, list[str]]) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is dict and _is_record(args[1]):
        keys = value["keys"]
        return dict(zip(keys, _records(args[1], value["columns"], fields[args[1].__name__], len(keys)), strict=True))
    if origin is dict:
        decode = _decoder(args[1])
        values = value["values"] if decode is _identity else list(map(decode, value["values"]))
        return dict(zip(value["keys"], values, strict=True))
    if origin is list and _is_record(args[0]):
        columns = value["columns"]
        count = len(columns[0]) if columns else 0
        return _records(args[0], columns, fields[args[0].__name__], count)
    return _decoder(kind)(value)


# ----------------------------------------------------------------- snapshot
def dump(site: Site) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "layout": layout(),
        "rules": {"effective": [t.isoformat() for t in site.rules.effective],
                  "versions": [dict(v.values) for v in site.rules.versions]},
        "state": {name: _encode_field(kind, getattr(site, name)) for name, kind in _FIELDS.items()},
    }


def load(data: dict[str, Any]) -> Site:
    """The engine a dump describes. ValueError (or KeyError, TypeError) for data that is not one;
    OutdatedSnapshot for one of another format or layout."""
    if data.get("format") != FORMAT:
        raise OutdatedSnapshot(f"not an engine snapshot of format {FORMAT} ({str(data.get('format'))[:40]})")
    fields = data["layout"]
    if not isinstance(fields, dict) or any(cls.__name__ not in fields for cls in RECORDS):
        raise ValueError("the snapshot's layout names no field order for every record")
    rules = RuleBook(effective=[datetime.fromisoformat(t) for t in data["rules"]["effective"]],
                     versions=[RuleSet(values) for values in data["rules"]["versions"]])
    site = Site(rules)
    for name, kind in _FIELDS.items():
        value = _decode_field(kind, data["state"][name], fields)
        if name in ("busy", "blacklisted_agents", "blacklisted_channels"):
            value = set(value)
        elif name == "deadlines":
            value = deque(value)
        setattr(site, name, value)
    return site


# ----------------------------------------------------------------- text
def text(data: dict[str, Any], journal_hash: str) -> str:
    """A dump as stored: a header line (format, the journal hash it was taken at, layout, rules, the parts
    in order), then one line of JSON per part, a table's keys and each of its columns on lines of their
    own. Parsing line by line lets other threads run in between (one json.loads of the whole held the
    GIL for half a second at 1,000,000 entries, and a kiosk's preview stood still meanwhile). ASCII only."""
    header = {key: value for key, value in data.items() if key != "state"}
    header.update(journal_hash=journal_hash, parts=list(data["state"]))
    lines: list[Any] = [header]
    for value in data["state"].values():
        if isinstance(value, dict) and "columns" in value:
            lines.extend([value["keys"], *value["columns"]] if "keys" in value else value["columns"])
        elif isinstance(value, dict) and "values" in value:
            lines.extend([value["keys"], value["values"]])
        else:
            lines.append(value)
    return "\n".join(json.dumps(line, ensure_ascii=True, separators=(",", ":")) for line in lines)


_DECODER = json.JSONDecoder()
_END = object()


def _values(stored: str) -> Iterator[Any]:
    """The JSON values of a stored text, one per line, each parsed where it lies (no copy of the text)."""
    position, size = 0, len(stored)
    while position < size:
        value, end = _DECODER.raw_decode(stored, position)
        if end < size and stored[end] != "\n":
            raise ValueError(f"an engine snapshot's line runs on at {end}")
        yield value
        position = end + 1


def header(stored: str) -> dict[str, Any]:
    """The header line alone (ValueError when it is not one): its journal hash can be checked before
    the rest is read."""
    found = next(_values(stored), None)
    if not isinstance(found, dict):
        raise ValueError("not an engine snapshot")
    return found


def parse(stored: str) -> tuple[str, dict[str, Any]]:
    """The journal hash and the dump a stored text holds; OutdatedSnapshot for another format."""
    rows = _values(stored)
    head = next(rows, None)
    if not isinstance(head, dict):
        raise ValueError("not an engine snapshot")
    if head.get("format") != FORMAT:
        raise OutdatedSnapshot(f"not an engine snapshot of format {FORMAT} ({str(head.get('format'))[:40]})")
    parts, fields = head["parts"], head["layout"]
    if sorted(parts) != sorted(_FIELDS):
        raise OutdatedSnapshot(f"its parts are not the engine's ({sorted(set(parts) ^ set(_FIELDS))})")

    def line() -> Any:
        value = next(rows, _END)
        if value is _END:
            raise ValueError("an engine snapshot cut short")
        return value

    state: dict[str, Any] = {}
    for name in parts:
        origin, args = typing.get_origin(_FIELDS[name]), typing.get_args(_FIELDS[name])
        record = args[-1] if origin in (dict, list) and _is_record(args[-1]) else None
        keys = line() if origin is dict else None
        if record is not None:
            state[name] = {"columns": [line() for _ in fields[record.__name__]]}
            if keys is not None:
                state[name]["keys"] = keys
        elif origin is dict:
            state[name] = {"keys": keys, "values": line()}
        else:
            state[name] = line()
    if next(rows, _END) is not _END:
        raise ValueError("an engine snapshot with lines left over")
    head.pop("parts")
    return str(head.pop("journal_hash")), {**head, "state": state}


def loads(stored: str) -> tuple[str, Site]:
    """The journal hash and the engine a stored text holds (see `parse` and `load`)."""
    journal_hash, data = parse(stored)
    return journal_hash, load(data)


def differences(stored: Site, replayed: Site, shown: int = 5) -> list[str]:
    """What a stored engine state holds that a replay does not: the parts that differ, naming the first
    records and their fields (`customers #12 (owner)`)."""
    found = []
    if stored.rules.effective != replayed.rules.effective or stored.rules.versions != replayed.rules.versions:
        found.append("rules")
    for name in _FIELDS:
        mine, theirs = getattr(stored, name), getattr(replayed, name)
        if mine == theirs:
            continue
        if isinstance(mine, dict) and isinstance(theirs, dict):
            keys = [k for k in {**theirs, **mine} if mine.get(k) != theirs.get(k)]
            items = [f"#{k}{_changed_fields(mine.get(k), theirs.get(k))}" for k in keys[:shown]]
            more = f" … (+{len(keys) - shown})" if len(keys) > shown else ""
            found.append(f"{name} {', '.join(items)}{more}")
        else:
            found.append(name)
    return found


def _changed_fields(a: Any, b: Any) -> str:
    if type(a) is not type(b) or type(a) not in RECORDS:
        return ""
    names = [f.name for f in dataclasses.fields(a)]
    return " (" + ", ".join(n for n in names if getattr(a, n) != getattr(b, n)) + ")"


_FIELDS: dict[str, Any] = {
    "customers": dict[int, CustomerState],
    "aliases": dict[int, list[int]],
    "reports": dict[int, ReportState],
    "reports_by_customer": dict[int, list[int]],
    "reports_by_mask": dict[str, list[int]],
    "seen_by_mask": dict[str, list[int]],
    "faces": dict[str, FaceState],
    "deadlines": list[PendingDeadline],
    "cases": dict[int, CaseState],
    "cases_by_customer": dict[int, list[int]],
    "warnings": dict[int, WarningState],
    "warnings_by_customer": dict[int, list[int]],
    "rotation": list[str],
    "busy": set[str],
    "claims_today": dict[str, tuple[str, int]],
    "blacklisted_agents": set[str],
    "blacklisted_channels": set[str],
    "next_id": int,
    "last_seq": int,
    "last_at": datetime | None,
}

"""Rule scenarios (../shared/scenarios/FORMAT.md): parsed and checked here, replayed by service.scenarios.

A malformed scenario raises ScenarioError naming the file and the key; nothing is silently ignored.

Beyond FORMAT.md, two events for judgment cases (judge/cases.py):
- `appeal: {phone, consultant, reason}` (reason optional): the consultant's 申诉 about the phone's
  customer, opening an `appeal` case;
- `decide: {phone, kind, verdict, reason}` (reason optional, needed against the recommendation): the
  manager decides the customer's open case of that kind (the oldest one when there are several).
A case's `verdict` may be `pool` (an appeal about a customer in the public pool, decided as recommended).

A `visit` may carry `arrived`: the kiosk's time of a check-in that reached the store only at `at` (no
later than `at`; journalled as `Visit.arrived_at`).

And one for the warning workflow: `warning: {phone, kind, status, by}` (by optional) takes a step
(following, intervened, resolved, dismissed, blacklisted) on the customer's latest warning of that kind;
its `result` is `accepted` or `refused` (a closed warning takes no step). An expectation's
`warning_status: {KIND: STATUS}` checks the status of the customer's latest warning of each kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from judge.facts import DEAL_STAGES, NATURAL, STAGES
from judge.reasons import (
    CASE_KINDS,
    CLAIM_REFUSALS,
    REPORT_INVALID_REASONS,
    REPORT_STATUSES,
    WARNING_KINDS,
    WARNING_STATUSES,
)
from judge.rules import DEFAULT_VALUES, RuleError, validate_overrides

TIME_FORMAT = "%Y-%m-%d %H:%M"
PHONE = re.compile(r"^1\d{10}$")
MASKED_PHONE = re.compile(r"^1\d{2}\*{4}\d{4}$")
ID_CARD = re.compile(r"^\d{17}[\dX]$")  # the checksum is the store's to check (python-stdnum cn.ric)
EVENT_KINDS = ("visit", "report", "follow_up", "stage", "claim", "release", "assign", "sighting", "duty",
               "busy", "blacklist", "rules", "confirm", "appeal", "decide", "warning")
EVENT_FIELDS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required, optional)
    "visit": ({"phone"}, {"consultant", "channel", "agent", "name", "face", "verified", "id_card", "arrived"}),
    "report": ({"channel", "agent", "phone"}, {"name"}),
    "follow_up": ({"phone", "consultant"}, set()),
    "stage": ({"phone", "consultant", "stage"}, set()),
    "claim": ({"phone", "consultant"}, set()),
    "release": ({"phone", "consultant"}, set()),
    "assign": ({"phone", "consultant"}, set()),
    "sighting": ({"face"}, set()),
    "busy": ({"consultant", "busy"}, set()),
    "confirm": ({"phone"}, {"by"}),
    "appeal": ({"phone", "consultant"}, {"reason"}),
    "decide": ({"phone", "kind", "verdict"}, {"reason"}),
    "warning": ({"phone", "kind", "status"}, {"by"}),
}
WARNING_STEPS = ("following", "intervened", "resolved", "dismissed", "blacklisted")
POOL_VERDICT = "pool"
EXPECT_KEYS = {"at", "phone", "owner", "protected_until", "channel", "agent", "commission", "report", "cases",
               "warnings", "warning_status"}
assert set(DEAL_STAGES) <= set(STAGES)


class ScenarioError(ValueError):
    def __init__(self, source: str, key: str, message: str) -> None:
        super().__init__(f"{source}: {key}: {message}")
        self.source, self.key = source, key


@dataclass(frozen=True)
class Event:
    index: int
    at: datetime
    kind: str
    fields: dict[str, Any]
    result: Any = None


@dataclass(frozen=True)
class Expectation:
    index: int
    at: datetime
    phone: str
    checks: dict[str, Any]


@dataclass
class Scenario:
    source: str
    title: str
    consultants: list[str]
    channels: dict[str, list[str]]
    rules: dict[str, Any]
    events: list[Event] = field(default_factory=list)
    expectations: list[Expectation] = field(default_factory=list)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_VALUES["site.timezone"]))

    def agent_channel(self, agent: str) -> str | None:
        return next((c for c, agents in self.channels.items() if agent in agents), None)


def parse_scenario(data: Any, source: str) -> Scenario:
    return _Parser(source).scenario(data)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(self.source, key, message)

    def mapping(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping, got {type(value).__name__}")
        return value

    def known_keys(self, value: dict[str, Any], allowed: set[str], key: str) -> None:
        for name in value:
            if name not in allowed:
                raise self.fail(f"{key}.{name}" if key else str(name), "unknown key")

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected text, got {value!r}")
        return value

    def time(self, value: Any, key: str, tz: ZoneInfo) -> datetime:
        try:
            return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=tz)
        except ValueError:
            raise self.fail(key, f"bad time {value!r} (expected YYYY-MM-DD HH:MM)") from None

    def scenario(self, data: Any) -> Scenario:
        top = self.mapping(data, "(top)")
        self.known_keys(top, {"title", "rules", "consultants", "channels", "events", "expect"}, "")
        for required in ("title", "consultants", "events", "expect"):
            if required not in top:
                raise self.fail(required, "missing")
        rules = top.get("rules") or {}
        try:
            rules = validate_overrides(self.mapping(rules, "rules"))
        except RuleError as exc:
            raise self.fail("rules", str(exc)) from None
        tz = ZoneInfo(rules.get("site.timezone", DEFAULT_VALUES["site.timezone"]))
        consultants = top["consultants"]
        if not isinstance(consultants, list) or not consultants:
            raise self.fail("consultants", "expected a non-empty list of names")
        channels_raw = self.mapping(top.get("channels") or {}, "channels")
        channels = {}
        for name, agents in channels_raw.items():
            if not isinstance(agents, list):
                raise self.fail(f"channels.{name}", "expected a list of agent names")
            channels[str(name)] = [str(a) for a in agents]
        scenario = Scenario(source=self.source, title=self.text(top["title"], "title"),
                            consultants=[str(c) for c in consultants], channels=channels, rules=rules,
                            timezone=tz)
        if not isinstance(top["events"], list):
            raise self.fail("events", "expected a list")
        last: datetime | None = None
        for i, raw in enumerate(top["events"]):
            event = self.event(scenario, raw, i)
            if last is not None and event.at < last:
                raise self.fail(f"events[{i}].at", "events must be in time order")
            last = event.at
            scenario.events.append(event)
        if not isinstance(top["expect"], list):
            raise self.fail("expect", "expected a list")
        scenario.expectations = [self.expectation(scenario, raw, i) for i, raw in enumerate(top["expect"])]
        return scenario

    # ----------------------------------------------------------------- events
    def event(self, s: Scenario, raw: Any, i: int) -> Event:
        key = f"events[{i}]"
        item = self.mapping(raw, key)
        kinds = [k for k in item if k in EVENT_KINDS]
        self.known_keys(item, {"at", "result", *EVENT_KINDS}, key)
        if "at" not in item:
            raise self.fail(f"{key}.at", "missing")
        if len(kinds) != 1:
            raise self.fail(key, f"an event has exactly one kind (one of {', '.join(EVENT_KINDS)}), got {kinds}")
        kind = kinds[0]
        at = self.time(item["at"], f"{key}.at", s.timezone)
        body = item[kind]
        path = f"{key}.{kind}"
        if kind == "duty":
            if not isinstance(body, list) or not body:
                raise self.fail(path, "expected a list of consultant names")
            for j, name in enumerate(body):
                self.consultant(s, name, f"{path}[{j}]")
            fields: dict[str, Any] = {"consultants": [str(n) for n in body]}
        elif kind == "rules":
            try:
                fields = {"overrides": validate_overrides(self.mapping(body, path))}
            except RuleError as exc:
                raise self.fail(path, str(exc)) from None
        elif kind == "blacklist":
            body = self.mapping(body, path)
            self.known_keys(body, {"phone", "agent", "channel"}, path)
            if len(body) != 1:
                raise self.fail(path, "exactly one of phone, agent, channel")
            (target_kind, target), = body.items()
            if target_kind == "phone":
                self.phone(target, f"{path}.phone")
            elif target_kind == "agent":
                self.agent(s, None, target, f"{path}.agent")
            else:
                self.channel(s, target, f"{path}.channel")
            fields = {target_kind: str(target)}
        else:
            fields = self.event_fields(s, kind, self.mapping(body, path), path)
        if "arrived" in fields:  # the kiosk's time of a check-in that reached the store at `at`
            fields["arrived"] = self.time(fields["arrived"], f"{path}.arrived", s.timezone)
            if fields["arrived"] > at:
                raise self.fail(f"{path}.arrived", "a check-in cannot arrive after it reached the store (at)")
        result = item.get("result")
        if result is not None:
            result = self.result(kind, result, f"{key}.result", s)
        elif "result" in item:
            raise self.fail(f"{key}.result", "empty result")
        return Event(index=i, at=at, kind=kind, fields=fields, result=result)

    def event_fields(self, s: Scenario, kind: str, body: dict[str, Any], path: str) -> dict[str, Any]:
        required, optional = EVENT_FIELDS[kind]
        self.known_keys(body, required | optional, path)
        for name in required:
            if name not in body:
                raise self.fail(f"{path}.{name}", "missing")
        fields = dict(body)
        if "phone" in body:
            fields["phone"] = self.phone(body["phone"], f"{path}.phone", masked_ok=(kind == "report"))
        if "consultant" in body:
            fields["consultant"] = self.consultant(s, body["consultant"], f"{path}.consultant")
        if kind in ("visit", "report"):
            channel = str(body.get("channel", NATURAL))
            if channel != NATURAL or kind == "report":
                self.channel(s, channel, f"{path}.channel")
            fields["channel"] = channel
            if "agent" in body:
                fields["agent"] = self.agent(s, channel, body["agent"], f"{path}.agent")
            elif kind == "report":
                raise self.fail(f"{path}.agent", "missing")
        if kind == "stage" and body["stage"] not in STAGES:
            raise self.fail(f"{path}.stage", f"unknown stage {body['stage']!r} (one of {', '.join(STAGES)})")
        if kind == "busy" and not isinstance(body["busy"], bool):
            raise self.fail(f"{path}.busy", "expected true or false")
        if kind == "visit" and "verified" in body and not isinstance(body["verified"], bool):
            raise self.fail(f"{path}.verified", "expected true or false")
        if "face" in body:
            fields["face"] = self.text(str(body["face"]), f"{path}.face")
        if "name" in body:
            fields["name"] = self.text(body["name"], f"{path}.name")
        if "id_card" in body:
            fields["id_card"] = self.id_card(body["id_card"], f"{path}.id_card")
        if "by" in body:
            fields["by"] = self.text(str(body["by"]), f"{path}.by")
        if kind == "appeal":
            fields["reason"] = self.text(str(body.get("reason", "申诉：客户由本人接待跟进")), f"{path}.reason")
        if kind == "decide":
            if body["kind"] not in CASE_KINDS:
                raise self.fail(f"{path}.kind", f"unknown case kind {body['kind']!r}")
            fields["verdict"] = self.verdict(s, body["verdict"], f"{path}.verdict")
            fields["reason"] = str(body.get("reason") or "")
        if kind == "warning":
            if body["kind"] not in WARNING_KINDS:
                raise self.fail(f"{path}.kind", f"unknown warning kind {body['kind']!r}")
            if body["status"] not in WARNING_STEPS:
                raise self.fail(f"{path}.status", f"unknown step {body['status']!r} (one of {', '.join(WARNING_STEPS)})")
            fields["by"] = self.text(str(body.get("by", "manager")), f"{path}.by")
        return fields

    def result(self, kind: str, raw: Any, key: str, s: Scenario) -> Any:
        if kind == "visit":
            body = self.mapping(raw, key)
            self.known_keys(body, {"assigned_to"}, key)
            return {"assigned_to": self.consultant(s, body.get("assigned_to"), f"{key}.assigned_to")}
        if kind == "claim":
            if raw == "accepted":
                return "accepted"
            body = self.mapping(raw, key)
            self.known_keys(body, {"refused"}, key)
            if body.get("refused") not in CLAIM_REFUSALS:
                raise self.fail(f"{key}.refused", f"unknown reason {body.get('refused')!r}")
            return str(body["refused"])
        if kind == "warning":
            if raw not in ("accepted", "refused"):
                raise self.fail(key, f"expected accepted or refused, got {raw!r}")
            return raw
        raise self.fail(key, f"a {kind} event takes no result")

    # ----------------------------------------------------------- expectations
    def expectation(self, s: Scenario, raw: Any, i: int) -> Expectation:
        key = f"expect[{i}]"
        item = self.mapping(raw, key)
        self.known_keys(item, EXPECT_KEYS, key)
        for required in ("at", "phone"):
            if required not in item:
                raise self.fail(f"{key}.{required}", "missing")
        at = self.time(item["at"], f"{key}.at", s.timezone)
        phone = self.phone(item["phone"], f"{key}.phone")
        checks: dict[str, Any] = {}
        if "owner" in item:
            owner = str(item["owner"])
            if owner not in ("pool", "none"):
                self.consultant(s, owner, f"{key}.owner")
            checks["owner"] = owner
        if "protected_until" in item:
            value = str(item["protected_until"])
            checks["protected_until"] = "never" if value == "never" else self.time(
                value, f"{key}.protected_until", s.timezone)
        for name in ("channel", "commission"):
            if name in item:
                value = str(item[name])
                if value != NATURAL:
                    self.channel(s, value, f"{key}.{name}")
                checks[name] = value
        if "agent" in item:
            checks["agent"] = self.agent(s, None, item["agent"], f"{key}.agent")
        if "report" in item:
            checks["report"] = self.report_check(s, item["report"], f"{key}.report")
        if "cases" in item:
            checks["cases"] = self.case_checks(s, item["cases"], f"{key}.cases")
        if "warnings" in item:
            warnings = item["warnings"]
            if not isinstance(warnings, list):
                raise self.fail(f"{key}.warnings", "expected a list")
            for j, kind in enumerate(warnings):
                if kind not in WARNING_KINDS:
                    raise self.fail(f"{key}.warnings[{j}]", f"unknown warning kind {kind!r}")
            checks["warnings"] = sorted(set(warnings))
        if "warning_status" in item:
            statuses = self.mapping(item["warning_status"], f"{key}.warning_status")
            for kind, status in statuses.items():
                if kind not in WARNING_KINDS or status not in WARNING_STATUSES:
                    raise self.fail(f"{key}.warning_status.{kind}", f"unknown warning kind or status {status!r}")
            checks["warning_status"] = {str(k): str(v) for k, v in statuses.items()}
        return Expectation(index=i, at=at, phone=phone, checks=checks)

    def report_check(self, s: Scenario, raw: Any, key: str) -> dict[str, Any]:
        body = self.mapping(raw, key)
        self.known_keys(body, {"channel", "agent", "status", "reason"}, key)
        for required in ("channel", "agent", "status"):
            if required not in body:
                raise self.fail(f"{key}.{required}", "missing")
        channel = self.channel(s, body["channel"], f"{key}.channel")
        agent = self.agent(s, channel, body["agent"], f"{key}.agent")
        if body["status"] not in REPORT_STATUSES:
            raise self.fail(f"{key}.status", f"unknown status {body['status']!r}")
        reason = body.get("reason")
        if reason is not None and reason not in REPORT_INVALID_REASONS:
            raise self.fail(f"{key}.reason", f"unknown reason {reason!r}")
        if reason is not None and body["status"] != "invalid":
            raise self.fail(f"{key}.reason", "a reason goes only with status invalid")
        return {"channel": channel, "agent": agent, "status": body["status"], "reason": reason}

    def case_checks(self, s: Scenario, raw: Any, key: str) -> list[tuple[str, str]]:
        if not isinstance(raw, list):
            raise self.fail(key, "expected a list")
        cases = []
        for j, item in enumerate(raw):
            body = self.mapping(item, f"{key}[{j}]")
            self.known_keys(body, {"kind", "verdict"}, f"{key}[{j}]")
            if body.get("kind") not in CASE_KINDS:
                raise self.fail(f"{key}[{j}].kind", f"unknown case kind {body.get('kind')!r}")
            cases.append((str(body["kind"]), self.verdict(s, body.get("verdict"), f"{key}[{j}].verdict")))
        return sorted(set(cases))

    # ------------------------------------------------------------------ names
    def verdict(self, s: Scenario, value: Any, key: str) -> str:
        verdict = str(value)
        if verdict not in s.consultants and verdict not in s.channels and verdict not in (NATURAL, POOL_VERDICT):
            raise self.fail(key, f"unknown verdict {verdict!r}")
        return verdict

    def consultant(self, s: Scenario, name: Any, key: str) -> str:
        if str(name) not in s.consultants:
            raise self.fail(key, f"unknown consultant {name!r}")
        return str(name)

    def channel(self, s: Scenario, name: Any, key: str) -> str:
        if str(name) not in s.channels:
            raise self.fail(key, f"unknown channel {name!r}")
        return str(name)

    def agent(self, s: Scenario, channel: str | None, name: Any, key: str) -> str:
        owner = s.agent_channel(str(name))
        if owner is None:
            raise self.fail(key, f"unknown agent {name!r}")
        if channel is not None and channel != NATURAL and owner != channel:
            raise self.fail(key, f"agent {name!r} belongs to channel {owner!r}, not {channel!r}")
        return str(name)

    def id_card(self, value: Any, key: str) -> str:
        text = str(value).upper()
        if not ID_CARD.match(text):
            raise self.fail(key, f"bad ID-card number {value!r} (18 characters: 17 digits and a digit or X)")
        return text

    def phone(self, value: Any, key: str, masked_ok: bool = False) -> str:
        text = str(value)
        if PHONE.match(text) or (masked_ok and MASKED_PHONE.match(text)):
            return text
        raise self.fail(key, f"bad phone {value!r} (11-digit mainland mobile{' or 138****5678' if masked_ok else ''})")

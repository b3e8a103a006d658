"""`anchang scenario run`: replays rule scenarios through the real service API on a fresh database.

Each file gets its own in-memory SQLite database and keyring; events are written through `Store` with
a manual clock set to each event's time, and expectations are read back through the same API.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import yaml

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from db.personal import InvalidIdCard, InvalidPhone
from judge.reasons import EngineError
from judge.scenario import TIME_FORMAT, Event, Expectation, Scenario, ScenarioError, parse_scenario
from service import appeals
from service.store import ManualClock, Store

EXIT_OK, EXIT_FAILED, EXIT_MALFORMED = 0, 1, 2


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            if not found:  # a wrong folder must not pass as "0 failed"
                raise FileNotFoundError(f"no scenario files (*.yaml, *.yml) in folder: {path}")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such scenario file or folder: {path}")
    return files


def load_scenario(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(str(path), "(encoding)", f"not UTF-8 text (byte {exc.start})") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(str(path), "(yaml)", f"not valid YAML: {exc}") from None
    return parse_scenario(data, str(path))


class ScenarioReplay:
    """One scenario on its own fresh database."""

    def __init__(self, scenario: Scenario, workdir: Path) -> None:
        self.scenario = scenario
        start = scenario.events[0].at if scenario.events else min(e.at for e in scenario.expectations)
        self.clock = ManualClock(start)
        engine = make_engine("sqlite://")
        migrate.upgrade(engine)
        self.store = Store(engine, Keyring.create(workdir), clock=self.clock, station="scenario")
        self.failures: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.failures.append(f"{self.scenario.source}: {where}: {message}")

    def run(self) -> list[str]:
        s = self.scenario
        for name in s.consultants:
            self.store.add_consultant(name)
        for channel, agents in s.channels.items():
            self.store.add_channel(channel, agents)
        if s.rules:
            self.store.change_rules(s.rules)
        self.store.set_duty(list(s.consultants))
        expectations = sorted(s.expectations, key=lambda e: (e.at, e.index))
        pending = list(expectations)
        for event in s.events:
            while pending and pending[0].at < event.at:
                self.check(pending.pop(0))
            self.apply(event)
        for expectation in pending:
            self.check(expectation)
        self.store.dispose()
        return self.failures

    def apply(self, event: Event) -> None:
        self.clock.at = event.at
        fields = event.fields
        store = self.store
        try:
            if event.kind == "visit":
                result = store.register_visit(
                    fields["phone"], consultant=fields.get("consultant"), channel=fields["channel"],
                    agent=fields.get("agent"), name=fields.get("name"), face=fields.get("face"),
                    verified=fields.get("verified", True), id_card=fields.get("id_card"),
                    arrived_at=fields.get("arrived"))
            elif event.kind == "report":
                result = store.record_report(fields["channel"], fields["agent"], fields["phone"], fields.get("name"))
            elif event.kind == "follow_up":
                result = store.follow_up(fields["phone"], fields["consultant"])
            elif event.kind == "stage":
                result = store.change_stage(fields["phone"], fields["consultant"], fields["stage"])
            elif event.kind == "claim":
                result = store.claim(fields["phone"], fields["consultant"])
            elif event.kind == "release":
                result = store.release(fields["phone"], fields["consultant"])
            elif event.kind == "assign":
                result = store.assign(fields["phone"], fields["consultant"])
            elif event.kind == "sighting":
                result = store.record_sighting(fields["face"])
            elif event.kind == "duty":
                result = store.set_duty(fields["consultants"])
            elif event.kind == "busy":
                result = store.set_busy(fields["consultant"], fields["busy"])
            elif event.kind == "confirm":
                result = store.confirm_visit(fields["phone"], by=fields.get("by"))
            elif event.kind == "blacklist":
                result = store.blacklist(**fields)
            elif event.kind == "appeal":
                result = appeals.appeal(store, self._customer(fields["phone"]), fields["consultant"],
                                        fields["reason"])
            elif event.kind == "decide":
                result = store.decide_case(self._open_case(fields["phone"], fields["kind"]), fields["verdict"],
                                           fields["reason"], by="manager")
            elif event.kind == "warning":
                result = store.update_warning(self._warning(fields["phone"], fields["kind"]).id, fields["status"],
                                              "scenario", by=fields["by"])
            else:  # rules
                result = store.change_rules(fields["overrides"])
        except (EngineError, InvalidIdCard, InvalidPhone) as exc:
            if event.result != "refused":
                self.fail(f"events[{event.index}] ({event.kind})", f"refused by the store: {exc}")
            return
        if event.result is None:
            return
        where = f"events[{event.index}].result"
        if event.result == "refused":
            self.fail(where, f"expected the {event.kind} refused, the engine accepted it")
        if event.kind == "visit":
            want = event.result["assigned_to"]
            if result.outcome.assigned_to != want:
                self.fail(where, f"assigned_to: expected {want}, engine assigned {result.outcome.assigned_to}")
        elif event.kind == "claim" and result.outcome.claim != event.result:
            self.fail(where, f"expected {_show_claim(event.result)}, "
                             f"engine said {_show_claim(result.outcome.claim)}")

    def _customer(self, phone: str) -> int:
        customer = self.store.customer_id(phone)
        if customer is None:
            raise EngineError(f"no customer with phone {phone}")
        return customer

    def _warning(self, phone: str, kind: str) -> Any:
        """The customer's latest warning of `kind` (a `warning` event's, a `warning_status` check's)."""
        site = self.store.site()
        target = site.resolve(self._customer(phone))
        found = [site.warnings[i] for g in [target, *site.aliases.get(target, [])]
                 for i in site.warnings_by_customer.get(g, []) if site.warnings[i].kind == kind]
        if not found:
            raise EngineError(f"no {kind} warning about {phone}")
        return max(found, key=lambda w: w.id)

    def _open_case(self, phone: str, kind: str) -> int:
        """The oldest open case of `kind` about the phone's customer (a `decide` event's case)."""
        site = self.store.site()
        target = site.resolve(self._customer(phone))
        group = [target, *site.aliases.get(target, [])]
        open_cases = sorted(i for g in group for i in site.cases_by_customer.get(g, [])
                            if site.cases[i].kind == kind and site.cases[i].status == "open")
        if not open_cases:
            raise EngineError(f"no open {kind} case about {phone}")
        return open_cases[0]

    def check(self, e: Expectation) -> None:
        self.clock.at = e.at
        where = f"expect[{e.index}] (at {e.at.strftime(TIME_FORMAT)}, phone {e.phone})"
        view = self.store.customer_view(e.phone, e.at)
        if view is None:
            for key in e.checks:
                if not (key == "owner" and e.checks[key] == "none"):
                    self.fail(where, f"{key}: no customer with this phone was ever registered or reported")
            return
        actual: dict[str, Any] = {
            "owner": view.owner,
            "channel": view.channel or "none",
            "agent": view.agent or "none",
            "commission": view.commission or "none (no deal)",
            "cases": sorted({(c.kind, c.verdict or c.recommended) for c in view.cases}),
            "warnings": sorted({w.kind for w in view.warnings}),
        }
        for key, want in e.checks.items():
            if key == "protected_until":
                self._check_protection(where, want, view)
            elif key == "warning_status":
                latest = {w.kind: w for w in sorted(view.warnings, key=lambda w: w.id) if w.id}
                got = {kind: latest[kind].status if kind in latest else "none" for kind in want}
                if got != want:
                    self.fail(where, f"warning_status: expected {want}, engine concluded {got}")
            elif key == "report":
                self._check_report(where, e, want)
            elif actual[key] != want:
                self.fail(where, f"{key}: expected {_show(want)}, engine concluded {_show(actual[key])}")

    def _check_protection(self, where: str, want: Any, view: Any) -> None:
        if view.frozen:
            got = "never"
        elif view.protected_until is None:
            got = f"no protection (owner: {view.owner})"
        else:
            got = view.protected_until.astimezone(self.scenario.timezone).strftime(TIME_FORMAT)
        shown = want if want == "never" else want.strftime(TIME_FORMAT)
        if got != shown:
            self.fail(where, f"protected_until: expected {shown}, engine concluded {got}")

    def _check_report(self, where: str, e: Expectation, want: dict[str, Any]) -> None:
        report = self.store.latest_report(e.phone, want["channel"], want["agent"])
        if report is None:
            self.fail(where, f"report: expected {_show_report(want)}, but {want['agent']} of "
                             f"{want['channel']} has no report matching this phone")
            return
        site = self.store.site()
        got = {"channel": report.channel, "agent": report.agent, "status": site.report_status(report, e.at),
               "reason": report.reason if report.status == "invalid" else None}
        wanted = dict(want)
        if wanted["reason"] is None and got["status"] == wanted["status"] == "invalid":
            got["reason"] = None  # reason not asked for
        if got != wanted:
            self.fail(where, f"report: expected {_show_report(wanted)}, engine concluded {_show_report(got)}")


def _show(value: Any) -> str:
    """Lists as [a, b]; case lists as [kind:verdict, ...]."""
    if isinstance(value, list):
        return "[" + ", ".join(":".join(x) if isinstance(x, tuple) else str(x) for x in value) + "]"
    return str(value)


def _show_claim(value: str | None) -> str:
    return "accepted" if value == "accepted" else f"refused: {value}"


def _show_report(r: dict[str, Any]) -> str:
    return r["status"] + (f" ({r['reason']})" if r.get("reason") else "")


def run_paths(paths: Iterable[str | Path], out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up now, not at import: a redirected stdout is honoured
    try:
        files = scenario_files(paths)
    except FileNotFoundError as exc:
        print(f"错误 / error: {exc}", file=out)
        return EXIT_MALFORMED
    passed = failed = malformed = 0
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            print(f"malformed: {exc}", file=out)
            malformed += 1
            continue
        with tempfile.TemporaryDirectory(prefix="anchang-scenario-") as workdir:
            failures = ScenarioReplay(scenario, Path(workdir)).run()
        for line in failures:
            print(line, file=out)
        if failures:
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed + malformed} failed", file=out)
    if malformed:
        return EXIT_MALFORMED
    return EXIT_FAILED if failed else EXIT_OK


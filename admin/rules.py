"""`anchang rules show|set`: the rule set in force, and new versions through `Store.change_rules`."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from judge.rules import parse_rules_toml, validate_overrides
from operations.common import EXIT_OK, local_text, open_store, parse_local_time, usage_error


def show(at_text: str | None) -> int:
    with open_store() as store:
        now = store.now()
        zone = store.rules_at(now).timezone
        at = parse_local_time(at_text, zone) if at_text else now
        ruleset = store.rules_at(at)
        book = store.site().rules
    in_force = [moment for moment in book.effective if moment <= at]
    since = f"自 / since {local_text(in_force[-1], zone)}" if in_force else "默认规则 / the defaults"
    print(f"# 判客规则 / rule set in force at {local_text(at, zone)} ({zone.key}): {since}")
    print(f"# 共 {book.version_count} 个版本 / {book.version_count} versions recorded (defaults included)")
    changed = ruleset.diff()
    if changed:
        print("# 与默认不同 / differs from the defaults: " + ", ".join(sorted(changed)))
    print(ruleset.to_toml(), end="")
    return EXIT_OK


def parse_assignment(text: str) -> tuple[str, Any]:
    """KEY=VALUE; the value is read as TOML (30, true, "x"), else taken as plain text (competitive)."""
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise usage_error(f"参数应为 KEY=VALUE / expected KEY=VALUE, got {text!r} "
                          "(e.g. protection.consultant_days=45)")
    try:
        value: Any = tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def read_overrides(assignments: list[str], file: str | None) -> dict[str, Any]:
    if file and assignments:
        raise usage_error("KEY=VALUE 与 --file 只能选一种 / give KEY=VALUE pairs or --file, not both")
    if file:
        return parse_rules_toml(_read_rules_file(Path(file)))
    if not assignments:
        raise usage_error("没有要修改的规则 / nothing to set: give KEY=VALUE pairs or --file FILE.toml")
    overrides: dict[str, Any] = {}
    for text in assignments:
        key, value = parse_assignment(text)
        overrides[key] = value
    return validate_overrides(overrides)


def _read_rules_file(path: Path) -> str:
    """UTF-8 text; a byte-order mark (Windows Notepad) is allowed."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise usage_error(f"规则文件不是 UTF-8 文本 / {path} is not UTF-8 text (byte {exc.start}): "
                          "save it as UTF-8") from None


def set_rules(assignments: list[str], file: str | None) -> int:
    overrides = read_overrides(assignments, file)  # every value checked before the database is opened
    with open_store() as store:
        current = store.rules_at()
        changes = {key: value for key, value in overrides.items() if current[key] != value}
        if not changes:
            print("规则没有变化 / nothing changed: the rules in force already have these values")
            return EXIT_OK
        result = store.change_rules(changes, actor="admin")
        zone = store.rules_at(result.at).timezone
    print(f"已生效新规则版本 / new rule version in force from {local_text(result.at, zone)} "
          f"(journal entry #{result.seq}):")
    for key, value in sorted(changes.items()):
        print(f"  {key}: {_toml(current[key])} -> {_toml(value)}")
    return EXIT_OK


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else f'"{value}"'


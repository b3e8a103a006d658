"""English catalogue: every source string translated, the .qm compiled from the .ts, the translator works."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ui import i18n

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PLACEHOLDER = re.compile(r"%n|%L?\d+|\{[^{}]*\}|%[sd]")


def _messages(ts: Path) -> list[tuple[str, str, list[str], str | None]]:
    """(context, source, translations, type) of every message; numerus messages give each form."""
    found = []
    for context in ElementTree.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            forms = [form.text or "" for form in translation.iter("numerusform")] or [translation.text or ""]
            found.append((name, message.findtext("source") or "", forms, translation.get("type")))
    return found


def unfinished(ts: Path) -> list[str]:
    """Messages without a finished, non-empty English translation."""
    return [f"{context}: {source}" for context, source, forms, kind in _messages(ts)
            if kind in ("unfinished", "vanished", "obsolete") or not all(form.strip() for form in forms)]


def _compile(ts: Path, qm: Path) -> None:
    subprocess.run([str(BIN / "pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)


def _write_ts(path: Path, messages: str) -> None:
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
                    f'<TS version="2.1" language="en_US" sourcelanguage="zh_CN">\n{messages}</TS>\n',
                    encoding="utf-8")


def test_the_check_finds_unfinished_empty_and_partly_translated_messages(tmp_path: Path) -> None:
    ts = tmp_path / "check.ts"
    _write_ts(ts, """<context><name>Start</name>
<message><source>欢迎光临</source><translation>Welcome</translation></message>
<message><source>请稍候</source><translation type="unfinished">Please wait</translation></message>
<message><source>下一步</source><translation></translation></message>
<message numerus="yes"><source>共 %n 位</source><translation>
<numerusform>%n visitor</numerusform><numerusform></numerusform></translation></message>
</context>""")
    assert unfinished(ts) == ["Start: 请稍候", "Start: 下一步", "Start: 共 %n 位"]


@pytest.fixture(scope="module")
def updated_ts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lupdate over today's code, merged into a copy of the committed .ts (as scripts/translations.sh does)."""
    folder = tmp_path_factory.mktemp("lupdate")
    ts, qm = folder / "anchang_en.ts", folder / "anchang_en.qm"
    shutil.copyfile(i18n.TS_FILE, ts)
    subprocess.run(["bash", str(REPO / "scripts/translations.sh"), str(ts), str(qm)], check=True,
                   capture_output=True, env={**os.environ, "ANCHANG_VENV": str(BIN.parent)})
    assert qm.exists()
    return ts


def test_every_source_string_has_a_finished_english_translation(updated_ts: Path) -> None:
    assert unfinished(updated_ts) == [], "run scripts/translations.sh and write the English into the .ts"


def test_every_string_has_the_context_it_is_looked_up_in(updated_ts: Path) -> None:
    """`other.tr(...)` outside `other`'s class gets no context from lupdate, so its translation could never
    be found at run time; use QCoreApplication.translate("Class", ...) there."""
    assert [source for context, source, _, _ in _messages(updated_ts) if not context] == []


def test_the_committed_qm_is_compiled_from_the_committed_ts(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.qm"
    _compile(i18n.TS_FILE, fresh)
    assert fresh.read_bytes() == i18n.QM_FILE.read_bytes(), "the .qm is stale: run scripts/translations.sh"


def test_translations_keep_every_placeholder() -> None:
    for context, source, forms, _ in _messages(i18n.TS_FILE):
        wanted = sorted(PLACEHOLDER.findall(source))
        for form in forms:
            assert sorted(PLACEHOLDER.findall(form)) == wanted, f"{context}: {source!r} -> {form!r}"


@pytest.fixture
def sample_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ts, qm = tmp_path / "anchang_en.ts", tmp_path / "anchang_en.qm"
    _write_ts(ts, "<context><name>Start</name>\n"
                  "<message><source>欢迎光临</source><translation>Welcome</translation></message>\n</context>\n")
    _compile(ts, qm)
    monkeypatch.setattr(i18n, "QM_FILE", qm)
    return qm


def test_english_translates_and_chinese_goes_back_to_the_source(qapp, sample_catalogue: Path) -> None:
    from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

    try:
        i18n.install_translator(qapp, "en")
        assert QCoreApplication.translate("Start", "欢迎光临") == "Welcome"
        assert QLocale().language() == QLocale.Language.English
        i18n.install_translator(qapp, "en")  # switching twice leaves one catalogue, not two
        assert len(qapp.findChildren(QTranslator)) == 1
        i18n.install_translator(qapp, "zh")
        assert QCoreApplication.translate("Start", "欢迎光临") == "欢迎光临"
        assert QLocale().language() == QLocale.Language.Chinese
    finally:
        i18n.install_translator(qapp, "zh")


def test_a_missing_catalogue_and_an_unknown_language_are_refused(qapp, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="unknown language"):
        i18n.install_translator(qapp, "fr")
    monkeypatch.setattr(i18n, "QM_FILE", tmp_path / "anchang_en.qm")
    with pytest.raises(FileNotFoundError, match="translations.sh"):
        i18n.install_translator(qapp, "en")
    i18n.install_translator(qapp, "zh")


def test_the_committed_catalogue_loads(qapp) -> None:
    from PySide6.QtCore import QCoreApplication

    try:
        i18n.install_translator(qapp, "en")
        for context, source, forms, _ in _messages(i18n.TS_FILE):
            if len(forms) == 1:
                assert QCoreApplication.translate(context, source) == forms[0]
    finally:
        i18n.install_translator(qapp, "zh")

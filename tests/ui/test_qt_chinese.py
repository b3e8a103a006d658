"""Qt's own dialogs speak Chinese in the Chinese UI (issue 15, item 11b): the file dialog said "Look in:"
and "Files of type:" because Qt 6's qtbase_zh_CN.qm lacks their new sources ("&Look in:", "Files of
&type:"); ui/i18n.py loads resources/translations/qt_supplement_zh_CN.qm after it."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QFileDialog, QLabel, QWidget

from ui import i18n

CJK = re.compile(r"[\u4e00-\u9fff]")
LETTERS = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[QApplication]:
    i18n.install_translator(qapp, "zh")
    yield qapp


def english_left(dialog: QDialog) -> list[str]:
    """The texts a user reads in `dialog` (labels, buttons, tool tips, menu actions) that are English."""
    shown: list[str] = []
    for widget in dialog.findChildren(QWidget):
        if isinstance(widget, (QLabel, QAbstractButton)):
            shown.append(widget.text())
        shown.append(widget.toolTip())
    shown += [action.text() for action in dialog.findChildren(QAction)]
    return sorted({text for text in shown if LETTERS.search(text) and not CJK.search(text)})


def test_qts_own_strings_are_chinese(chinese: QApplication) -> None:
    for context, source in (("QFileDialog", "Look in:"), ("QFileDialog", "&Look in:"),
                            ("QFileDialog", "Files of &type:"), ("QPrintSettingsOutput", "Page &Set:")):
        assert CJK.search(QCoreApplication.translate(context, source)), source


@pytest.mark.parametrize("mode", ["open", "save", "folder"])
def test_the_file_dialog_has_no_english_left(chinese: QApplication, qtbot: Any, mode: str) -> None:
    dialog = QFileDialog(None, "导出PDF", str(Path.home()), "PDF 文件 (*.pdf)")
    qtbot.addWidget(dialog)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # the one Qt draws (no desktop portal)
    if mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    if mode == "folder":
        dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert english_left(dialog) == []
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels


def test_the_print_dialog_has_no_english_left(chinese: QApplication, qtbot: Any) -> None:
    printer = QPrinter()
    dialog = QPrintDialog(printer)
    qtbot.addWidget(dialog)
    dialog.setWindowModality(Qt.WindowModality.NonModal)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert english_left(dialog) == []


def test_the_supplement_is_compiled_from_its_source(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.qm"
    subprocess.run([str(Path(sys.executable).parent / "pyside6-lrelease"), "-silent", str(i18n.QT_SUPPLEMENT_TS), "-qm", str(fresh)], check=True)
    assert fresh.read_bytes() == i18n.QT_SUPPLEMENT_QM.read_bytes(), "recompile qt_supplement_zh_CN.qm"

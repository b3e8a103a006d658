"""Every kiosk screen and state fits each kiosk screen size, in Chinese and in English.

The states are the tour's (kiosk.tour.STATES, with its demo store and fakes), walked in order with the
window at exactly each of kiosk.tour.SIZES. A state fails when a visible widget lies partly outside the
window, two visible buttons overlap, a button is less than 48 px high (a finger's target), or a label's,
button's or tab's text does not fit the room it was given.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale, QPoint, QRect, QSize, Qt  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QPushButton,
    QTabBar,
    QWidget,
)

from kiosk.tour import SIZES, STATES, TourKiosk, tour_kiosk  # noqa: E402

TOUCH = 48  # px: the smallest target a finger hits reliably
SLACK = 2  # px: a label's font box may exceed its room by this much with no glyph cut

pytestmark = pytest.mark.slow


def _rect(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _in_scroll_area(widget: QWidget, window: QWidget) -> bool:
    """Inside a scroll area's viewport: it may lie beyond the window, scrolled out of sight."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def _label_clipped(label: QLabel) -> str:
    text = label.text()
    if not text or (label.pixmap() is not None and not label.pixmap().isNull()):
        return ""
    room = label.contentsRect().adjusted(label.margin(), label.margin(), -label.margin(), -label.margin())
    flags = int(label.alignment().value) | (Qt.TextFlag.TextWordWrap.value if label.wordWrap() else 0)
    need = label.fontMetrics().boundingRect(QRect(0, 0, room.width(), 1 << 20), flags, text)
    # the bounding box holds the line's leading: a pixel or two less than it cuts no glyph
    if need.width() > room.width() + SLACK or need.height() > room.height() + SLACK:
        return f"needs {need.width()}x{need.height()}, has {room.width()}x{room.height()}"
    if label.wordWrap() and label.heightForWidth(label.width()) > label.height():
        return f"wrapped needs {label.heightForWidth(label.width())} px high, has {label.height()}"
    return ""


def _tab_clipped(bar: QTabBar) -> str:
    for index in range(bar.count()):
        shown, wanted = bar.tabRect(index), bar.tabSizeHint(index)
        if shown.right() >= bar.width() or shown.width() < wanted.width():
            return f"tab {bar.tabText(index)!r} needs {wanted.width()} px, has {shown.width()} in {bar.width()}"
    return ""


def layout_problems(window: QWidget) -> list[str]:
    """What a visitor would find cut off, covered or too small on the window as it is now."""
    problems: list[str] = []
    bounds = window.rect()
    buttons: list[tuple[QPushButton, QRect]] = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.width() <= 0 or widget.height() <= 0:
            continue
        name = widget.objectName() or type(widget).__name__
        rect = _rect(widget, window)
        if not bounds.contains(rect) and not _in_scroll_area(widget, window):
            problems.append(f"{name} at {rect.getRect()} lies outside the window {bounds.width()}x{bounds.height()}")
        if isinstance(widget, QPushButton):
            buttons.append((widget, rect))
            hint = widget.sizeHint()
            if widget.height() < TOUCH:
                problems.append(f"button {name} is {widget.height()} px high")
            if widget.width() < hint.width() or widget.height() < hint.height():
                problems.append(f"button {name} {widget.text()!r} needs {hint.width()}x{hint.height()}, "
                                f"has {widget.width()}x{widget.height()}")
        elif isinstance(widget, QLabel) and (clipped := _label_clipped(widget)):
            problems.append(f"label {name} {widget.text()!r} {clipped}")
        elif isinstance(widget, QTabBar) and (clipped := _tab_clipped(widget)):
            problems.append(f"tabs {name}: {clipped}")
    for index, (first, first_rect) in enumerate(buttons):
        for second, second_rect in buttons[index + 1:]:
            if first_rect.intersects(second_rect):
                problems.append(f"buttons {first.objectName()} and {second.objectName()} overlap")
    return problems


@pytest.fixture(scope="module", params=["zh", "en"])
def tour(request: Any, qapp: QApplication) -> Iterator[TourKiosk]:
    """The tour's kiosk in the kiosk's theme and `lang`; the application as it was afterwards."""
    from ui.app import create_app
    from ui.i18n import install_translator

    saved = (qapp.styleSheet(), qapp.font(), QLocale(), qapp.property("anchang_theme"))
    create_app(["anchang-kiosk"], lang=request.param)
    try:
        with tour_kiosk(qapp) as kiosk:
            yield kiosk
    finally:
        install_translator(qapp, "zh")
        qapp.setStyleSheet(saved[0])
        qapp.setFont(saved[1])
        QLocale.setDefault(saved[2])
        qapp.setProperty("anchang_theme", saved[3])


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits_the_window(tour: TourKiosk, size: tuple[int, int]) -> None:
    tour.resize(*size)
    assert tour.window.size() == QSize(*size), "the window's minimum size is larger than the screen"
    problems: list[str] = []
    for name, setup in STATES:
        setup(tour)
        tour.settle()
        assert tour.window.size() == QSize(*size), f"{name}: the window grew to fit its content"
        problems += [f"{name}: {problem}" for problem in layout_problems(tour.window)]
    assert not problems, f"{len(problems)} layout problems:\n" + "\n".join(problems)


def test_a_clipped_label_and_overlapping_buttons_are_found(qapp: QApplication) -> None:
    """The check itself: a label too narrow for its text, and two buttons on top of each other."""
    window = QWidget()
    label = QLabel("请将身份证放在读卡区", window)
    label.setGeometry(0, 0, 60, 30)
    first, second = QPushButton("确认", window), QPushButton("取消", window)
    first.setObjectName("first")
    second.setObjectName("second")
    first.setGeometry(10, 100, 120, 60)
    second.setGeometry(60, 120, 120, 40)
    outside = QPushButton("关闭", window)
    outside.setGeometry(350, 10, 100, 60)
    window.resize(400, 300)
    window.show()
    qapp.processEvents()
    found = "\n".join(layout_problems(window))
    assert "label" in found and "请将身份证放在读卡区" in found
    assert "buttons first and second overlap" in found
    assert "button second is 40 px high" in found
    assert "lies outside the window" in found
    window.close()

"""How to address the visitor (surname + 先生/女士, picked from on-screen keys) and an optional intent."""

from __future__ import annotations

from functools import cache
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton

from kiosk.flow import TITLES
from kiosk.widgets import Columns, Screen, button, clear_layout, label

# The commonest surnames first: most visitors find theirs without filtering.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
            "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
            "万钱严覃武戴莫孔向汤")
SHOWN = 32
INITIALS = "ABCDFGHJKLMNPQRSTWXYZ"  # pinyin initials surnames start with
INTENTS = {
    QT_TRANSLATE_NOOP("Visitor", "户型"): (QT_TRANSLATE_NOOP("Visitor", "两房"), QT_TRANSLATE_NOOP("Visitor", "三房"),
                                          QT_TRANSLATE_NOOP("Visitor", "四房及以上")),
    QT_TRANSLATE_NOOP("Visitor", "面积"): (QT_TRANSLATE_NOOP("Visitor", "90㎡以下"), "90–120㎡", "120–144㎡",
                                          QT_TRANSLATE_NOOP("Visitor", "144㎡以上")),
    QT_TRANSLATE_NOOP("Visitor", "预算"): (QT_TRANSLATE_NOOP("Visitor", "300万以下"),
                                          QT_TRANSLATE_NOOP("Visitor", "300–500万"),
                                          QT_TRANSLATE_NOOP("Visitor", "500万以上")),
}


@cache
def initial_of(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(text, style=Style.FIRST_LETTER)
    return "".join(letters).upper()


class VisitorScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("visitor")
        self.kiosk = kiosk
        self.surname = ""
        self.title = ""
        self.intent: dict[str, str] = {}
        self.layout_.addWidget(label(self.tr("请问怎么称呼您？"), "visitor_title", size=36, bold=True))
        self.chosen = label("", "visitor_chosen", size=32, bold=True)
        self.layout_.addWidget(self.chosen)
        body = Columns("visitor_body", stretch=((1, 1), (0, 0)))  # landscape: the surname keys beside the rest
        titles = QHBoxLayout()
        self.title_buttons: dict[str, QPushButton] = {}
        for name, title in zip(("title_mr", "title_ms"), TITLES, strict=True):
            widget = button(QCoreApplication.translate("Kiosk", title), name, "toggle", height=72, on_click=lambda t=title: self._title(t))
            widget.setCheckable(True)
            self.title_buttons[title] = widget
            titles.addWidget(widget)
        body.second.addLayout(titles)
        letters = QGridLayout()
        letters.setSpacing(6)
        letters.addWidget(button(self.tr("常见"), "initial_all", "key", height=60,
                                 on_click=lambda: self._filter("")), 0, 0, 3, 1)
        for index, letter in enumerate(INITIALS):  # 7 a row: with 常见, as wide as the 8 surnames below
            letters.addWidget(button(letter, f"initial_{letter}", "key", height=60,
                                     on_click=lambda x=letter: self._filter(x)), index // 7, 1 + index % 7)
        body.first.addLayout(letters)
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        body.first.addLayout(self.grid)
        body.first.addStretch(1)
        for group, options in INTENTS.items():
            caption = label(QCoreApplication.translate("Visitor", str(group)), f"intent_{options[0]}_label", size=22)
            caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
            body.second.addWidget(caption)  # above its options: a row of four fits a landscape column
            row = QHBoxLayout()
            for option in options:
                widget = button(QCoreApplication.translate("Visitor", str(option)), f"intent_{option}", "toggle",
                                height=56, on_click=lambda g=group, o=option: self._intent(g, o))
                widget.setCheckable(True)
                row.addWidget(widget, 2)
            body.second.addLayout(row)
        body.second.addStretch(1)
        self.layout_.addWidget(body)
        self.layout_.addStretch(1)
        self.message = label("", "visitor_message", size=24)
        self.layout_.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(button(self.tr("返回"), "visitor_back", "secondary", height=88,
                             on_click=lambda: kiosk.show_screen("phone")))
        row.addWidget(button(self.tr("下一步"), "visitor_next", "primary", height=88, on_click=self._next))
        self.layout_.addLayout(row)
        self._filter("")

    def enter(self) -> None:
        flow = self.kiosk.flow
        self.surname = flow.surname if flow else ""
        self.title = flow.title if flow else ""
        self.intent = dict(flow.intent) if flow else {}
        self.message.setText("")
        self._filter("")
        self._refresh()

    def _filter(self, initial: str) -> None:
        clear_layout(self.grid)
        names = [s for s in SURNAMES if not initial or initial_of(s).startswith(initial)][:SHOWN]
        for index, surname in enumerate(names):
            widget = button(surname, f"surname_{surname}", "key", height=64,
                            on_click=lambda s=surname: self._surname(s))
            widget.setCheckable(True)
            widget.setChecked(surname == self.surname)
            self.grid.addWidget(widget, index // 8, index % 8)

    def _surname(self, surname: str) -> None:
        self.surname = surname
        self.message.setText("")
        self._refresh()

    def _title(self, title: str) -> None:
        self.title = title
        self.message.setText("")
        self._refresh()

    def _intent(self, group: str, option: str) -> None:
        if self.intent.get(group) == option:
            del self.intent[group]  # a second tap clears: the intent is optional
        else:
            self.intent[group] = option
        self._refresh()

    def _refresh(self) -> None:
        title = QCoreApplication.translate("Kiosk", self.title) if self.title else ""
        # 张女士 in Chinese, "Ms. 张" in English: the order is the translation's
        shown = self.tr("%1%2").replace("%1", self.surname or "?").replace("%2", title).strip()
        self.chosen.setText(shown if self.surname or self.title else self.tr("请选择姓氏和称呼"))
        for widget in self.findChildren(QPushButton):
            if widget.objectName().startswith("surname_"):
                widget.setChecked(widget.objectName() == f"surname_{self.surname}")
        for title, widget in self.title_buttons.items():
            widget.setChecked(title == self.title)
        for group, options in INTENTS.items():
            for option in options:
                found = self.findChild(QPushButton, f"intent_{option}")
                if found is not None:
                    found.setChecked(self.intent.get(str(group)) == option)

    def _next(self) -> None:
        flow = self.kiosk.flow
        if flow is None:
            return
        if not self.surname or not self.title:
            self.message.setText(self.tr("请选择您的姓氏和称呼"))
            return
        flow.surname, flow.title, flow.intent = self.surname, self.title, dict(self.intent)
        self.kiosk.show_screen("source")

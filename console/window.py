"""The console's main window: the login screen, then the pages the user's role may see (navigation on
the left), a banner while the database is away, a message bar, and the idle lock.

Pages are built when first opened and kept: a page being filled in when the database goes away keeps
what was typed, and is refreshed when the connection is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from console.banners import AdminClockDialog, ClockBanner, RefusalBanner
from console.context import ConsoleContext
from console.login import LoginScreen
from console.pages import PAGES, import_page_modules, page_class
from console.pages.base import Page
from console.refusals import Kind, clock_gap, gap_text, said
from console.widgets import button
from console.words import role_text
from service.desk import Desk
from service.roles import PermissionDenied
from service.users import AuthError, User
from ui.app import running_app

log = logging.getLogger(__name__)

DEFAULT_LOCK_MINUTES = 10
BUILD_LATER_MS = 3_000  # after a login, the other pages are built by then even if the first page's loads are not back
_ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin, QEvent.Type.Wheel}


class ConsoleWindow(QMainWindow):
    def __init__(self, ctx: ConsoleContext, *, lock_minutes: float = DEFAULT_LOCK_MINUTES,
                 open_kiosk: Callable[[], None] | None = None, live: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("console")
        self.setWindowTitle(self.tr("案场通 · 工作台"))
        self.ctx = ctx
        self.live = live
        self._pages: dict[str, Page] = {}
        self.admin_dialog: QDialog | None = None  # 管理员确认…, while it is open
        self._unbuilt: list[str] = []  # page keys still to build after a login (see enter)
        self.root = QStackedWidget()
        self.setCentralWidget(self.root)
        self.login = LoginScreen(ctx)
        self.login.logged_in.connect(self.enter)
        self.login.switch_user.connect(self.logout)
        self.root.addWidget(self.login)
        self.main = self._build_main(open_kiosk)
        self.root.addWidget(self.main)

        self.lock_timer = QTimer(self)
        self.lock_timer.setSingleShot(True)
        self.lock_timer.setInterval(max(1, int(lock_minutes * 60_000)))
        self.lock_timer.timeout.connect(self.lock)
        running_app().installEventFilter(self)
        ctx.database_lost.connect(self._on_lost)
        ctx.database_back.connect(self._on_back)
        ctx.database_busy.connect(self._on_busy)
        ctx.clock_refused.connect(self._on_clock_refused)
        ctx.held_changed.connect(self._on_held)
        ctx.writes_resumed.connect(self._on_resumed)
        ctx.refused.connect(self.refusal_banner.say)
        ctx.session_ended.connect(self._on_session_ended)
        ctx.message.connect(self.show_message)
        ctx.journal.connect(self._on_journal)
        if live is not None:
            live.subscribe(ctx.journal.emit)  # from the feed's thread: a queued signal to the GUI thread

    # ------------------------------------------------------------ building
    def _build_main(self, open_kiosk: Callable[[], None] | None) -> QWidget:
        main = QWidget()
        main.setObjectName("main")
        column = QVBoxLayout(main)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)

        top = QFrame()
        top.setObjectName("topbar")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(16, 8, 16, 8)
        brand = QLabel(self.tr("案场通"))
        brand.setObjectName("brand")
        self.user_label = QLabel()
        self.user_label.setObjectName("current_user")
        bar.addWidget(brand)
        bar.addStretch(1)
        bar.addWidget(self.user_label)
        if open_kiosk is not None:
            bar.addWidget(button(self.tr("打开来访登记"), "open_kiosk", "secondary", open_kiosk))
        bar.addWidget(button(self.tr("大屏"), "open_big_screen", "secondary", self._open_big_screen))
        bar.addWidget(button(self.tr("锁定"), "lock", "secondary", self.lock))
        bar.addWidget(button(self.tr("退出登录"), "logout", "secondary", self.logout))
        column.addWidget(top)

        self.banner = QLabel(self.tr("数据库连接中断，正在重连…"))
        self.banner.setObjectName("db_banner")
        self.banner.setProperty("role", "warning")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        column.addWidget(self.banner)
        self.clock_banner = ClockBanner(self.ctx.accept_clock, self.ctx.retry_held, self._ask_admin)
        column.addWidget(self.clock_banner)
        self.refusal_banner = RefusalBanner()
        column.addWidget(self.refusal_banner)
        self.message_bar = QLabel()
        self.message_bar.setObjectName("message_bar")
        self.message_bar.setWordWrap(True)
        self.message_bar.hide()
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.message_bar.hide)
        column.addWidget(self.message_bar)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(168)
        self.nav.currentItemChanged.connect(self._nav_changed)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        column.addLayout(body, 1)
        return main

    # ------------------------------------------------------------ session
    @property
    def user(self) -> User | None:
        return self.ctx.desk.user if self.ctx.desk is not None else None

    def enter(self, user: User) -> None:
        """After a login (or an unlock): the user's pages; the same user unlocking keeps their pages."""
        if self.ctx.desk is not None and self.ctx.desk.user.name == user.name and self._pages:
            self.root.setCurrentWidget(self.main)
            self.lock_timer.start()
            self.current_page_refresh()
            return
        self._clear_pages()
        self.ctx.desk = Desk(self.ctx.store, user)
        self.user_label.setText(f"{user.name} · {role_text(user.role)}")
        self._unbuilt = [key for key, _module in PAGES]
        self.nav.blockSignals(True)
        while self._unbuilt and not self._pages:  # the first page this user may see: shown at once
            self._build_page(self._unbuilt.pop(0))
        self.nav.blockSignals(False)
        self.root.setCurrentWidget(self.main)
        self.lock_timer.start()
        if self.nav.count():
            self.nav.setCurrentRow(0)
        # The other pages (their modules import reports, pinyin tables, ...: seconds in all) are built
        # once the first page's data is back: their modules imported on a worker, then one page per turn
        # of the event loop, so neither the first page nor the window is kept waiting.
        self.ctx.runner.idle.connect(self._import_then_build, Qt.ConnectionType.SingleShotConnection)
        QTimer.singleShot(BUILD_LATER_MS, self, self._build_later)  # `self` as context: dropped if closed

    @property
    def pages(self) -> dict[str, Page]:
        """The logged-in user's pages by key, in navigation order (any not built yet are built now)."""
        while self._unbuilt:
            self._build_page(self._unbuilt.pop(0))
        return self._pages

    def _build_page(self, key: str) -> None:
        cls = page_class(key)
        if cls is None or self.ctx.desk is None or not self.ctx.desk.can(cls.permission):
            return
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setSizeHint(QSize(160, 48))
        page = cls(self.ctx)
        item.setText(page.title())
        self.nav.blockSignals(True)  # adding an item must not switch pages
        self.nav.addItem(item)
        self.nav.blockSignals(False)
        self._pages[key] = page
        self.stack.addWidget(_scrolling(page))

    def _import_then_build(self) -> None:
        if shiboken6.isValid(self.nav) and self._unbuilt:
            self.ctx.runner.run(import_page_modules, list(self._unbuilt), on_done=lambda _: self._build_later())

    def _build_later(self) -> None:
        if not shiboken6.isValid(self.nav):  # the window was closed before the runner went idle
            return
        if self._unbuilt:
            self._build_page(self._unbuilt.pop(0))
            QTimer.singleShot(0, self, self._build_later)

    def _open_big_screen(self) -> None:
        from console.bigscreen.launch import open_from_console  # matplotlib and the figures: only when asked

        open_from_console(self)

    def _clear_pages(self) -> None:
        self._unbuilt = []
        self.nav.clear()
        while (holder := self.stack.widget(0)) is not None:
            self.stack.removeWidget(holder)
            holder.deleteLater()
        self._pages.clear()

    def lock(self) -> None:
        if self.user is None:
            return
        self.lock_timer.stop()
        self.login.lock(self.user.name)
        self.root.setCurrentWidget(self.login)

    def logout(self) -> None:
        self.lock_timer.stop()
        self._clear_pages()
        dropped = len(self.ctx.held)
        self.ctx.desk = None  # the session's kept writes go with it (logged)
        self.login.unlock_state()
        if dropped:
            self.login.notice.setText(self.tr("退出登录时，%n 项等待写入的操作未能写入，已放弃；请登录后核对并重做。", "",
                                              dropped))
            self.login.notice.show()
        self.root.setCurrentWidget(self.login)

    def _on_session_ended(self, _detail: str) -> None:
        """The user was disabled since logging in: their write was refused; logged out, and told why."""
        if self.user is None:  # another refused task of the same session ended it already
            return
        name = self.user.name
        self.logout()
        words = self.tr("您的账号（%1）已停用，已退出登录。如有疑问请联系管理员。").replace("%1", name)
        dropped = self.login.notice.text() if not self.login.notice.isHidden() else ""
        self.login.notice.setText("\n".join(text for text in (words, dropped) if text))
        self.login.notice.show()

    # ------------------------------------------------------------ pages
    def open_page(self, key: str) -> Page:
        """Shows page `key` (tests and the tour; also links between pages)."""
        pages = self.pages  # built now, if they are not yet
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
                return pages[key]
        raise LookupError(f"page {key!r} is not shown to this user")

    def current_page(self) -> Page | None:
        holder = self.stack.currentWidget()
        widget = holder.widget() if isinstance(holder, QScrollArea) else holder
        return widget if isinstance(widget, Page) else None

    def current_page_refresh(self) -> None:
        page = self.current_page()
        if page is not None:
            page.refresh()

    def _nav_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None:
            return
        page = self._pages[current.data(Qt.ItemDataRole.UserRole)]
        holder = page.parentWidget()
        while holder is not None and not isinstance(holder, QScrollArea):
            holder = holder.parentWidget()
        self.stack.setCurrentWidget(holder or page)
        page.refresh()

    def _on_journal(self, seq: int) -> None:
        for page in self._pages.values():
            page.on_journal(seq)

    # ------------------------------------------------------------ messages and outage
    def show_message(self, text: str, kind: str = "hint") -> None:
        self.message_bar.setText(text)
        self.message_bar.setProperty("role", kind)
        self.message_bar.style().unpolish(self.message_bar)
        self.message_bar.style().polish(self.message_bar)
        self.message_bar.show()
        self._message_timer.start(8_000 if kind != "error" else 15_000)

    def _on_lost(self, _detail: str) -> None:
        self.banner.setText(self.tr("数据库连接中断，正在重连…中断期间的操作未保存，恢复后请重做。"))
        self.banner.show()

    def _on_back(self) -> None:
        """Only after a real outage (ConsoleContext.connection_lost): a refusal is said as what it is."""
        if self.ctx.busy:
            self._on_busy("")
        else:
            self.banner.hide()
        self.show_message(self.tr("数据库已重新连接"), "success")
        self.current_page_refresh()

    def _on_busy(self, _detail: str) -> None:
        waiting = sum(1 for held in self.ctx.held if held.kind is Kind.LOCKED)
        self.banner.setText(self.tr("数据库被其他程序占用，写入未完成，正在重试…") +
                            (self.tr("%n 项操作等待写入。", "", waiting) if waiting else ""))
        self.banner.show()

    def _on_clock_refused(self, _detail: str) -> None:
        waiting = sum(1 for held in self.ctx.held if held.kind is Kind.CLOCK)
        self.clock_banner.paused(self.ctx.desk is not None and self.ctx.desk.can("clock.accept"), waiting)
        self.ctx.run(clock_gap, self.ctx.store, on_done=lambda gap: self.clock_banner.set_gap(gap_text(gap)))

    def _on_held(self, _count: int) -> None:
        self.clock_banner.set_waiting(sum(1 for held in self.ctx.held if held.kind is Kind.CLOCK))
        if self.ctx.busy and not self.ctx.lost:
            self._on_busy("")

    def _on_resumed(self, kind: str, landed: int) -> None:
        if kind == Kind.CLOCK:
            self.clock_banner.resumed()
            text = self.tr("本机时钟已确认，写入已恢复")
        else:
            if not self.ctx.lost:
                self.banner.hide()
            text = self.tr("数据库已可写入")
        if landed:
            text += self.tr("：%n 项等待的操作已写入", "", landed)
        self.show_message(text, "success")
        self.current_page_refresh()

    def _ask_admin(self) -> None:
        """管理员确认…: an administrator at this console accepts the clock with their own password."""
        dialog = AdminClockDialog(lambda name, secret: self.ctx.accept_clock(
            (name, secret), on_error=lambda error: dialog.refused(_admin_refusal(error))), self)
        self.admin_dialog = dialog
        self.ctx.writes_resumed.connect(dialog.accept)  # the clock is accepted and the writes landed
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    # ------------------------------------------------------------ idle lock
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _ACTIVITY and self.root.currentWidget() is self.main:
            self.lock_timer.start()
        return False

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        running_app().removeEventFilter(self)
        if self.live is not None:
            self.live.close()
        self.ctx.runner.wait(5_000)
        super().closeEvent(event)


def _admin_refusal(error: BaseException) -> str:
    if isinstance(error, AuthError):
        return QCoreApplication.translate("ConsoleWindow", "账号或密码错误，或用户已停用")
    if isinstance(error, PermissionDenied):
        return QCoreApplication.translate("ConsoleWindow", "该账号不是管理员，不能接受本机时钟")
    return said(error)


def _scrolling(page: Page) -> QScrollArea:
    """A page in a frameless scroll area: a page that needs more room than a small screen has scrolls
    instead of growing the window past the screen."""
    area = QScrollArea()
    area.setObjectName(f"{page.key}_scroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(page)
    return area

"""人员: the consultants (active, on duty today, busy, their login, how many customers they own) and the
station users with their roles. A manager or an admin adds a consultant; an admin adds a user, sets a
user's password and disables a user (asked twice: a disabled login cannot be brought back here).

Secrets are typed twice and never shown; every change is journalled with the admin as its actor.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.pages.base import Page, Snap
from console.widgets import Column, Form, PagedTableModel, button, table_view
from service import staff_admin
from service.desk import Desk
from service.queries import people as queries
from service.staff_admin import FieldRefused

CARD_WIDTH = 400


def section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("subtitle")
    return label



def password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class PeoplePage(Page):
    key = "people"
    permission = "people.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading(self.title())
        desk = self.ctx.desk
        self.edits_consultants = desk is not None and desk.can("consultants.edit")
        self.edits_users = desk is not None and desk.can("users.edit")
        self._chosen: queries.UserRow | None = None
        self._confirming = False  # the disable button was pressed once for the chosen user
        self.tabs = QTabWidget()
        self.tabs.setObjectName("people_tabs")
        self.tabs.addTab(self._build_consultants(), self.tr("置业顾问"))
        self.tabs.addTab(self._build_users(), self.tr("用户与角色"))
        self.layout_.addWidget(self.tabs, 1)

    def title(self) -> str:
        return self.tr("人员")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "a page exists only while someone is logged in"
        return self.ctx.desk

    def role_labels(self) -> dict[str, str]:
        return {"admin": self.tr("管理员"), "manager": self.tr("案场经理"), "channel_manager": self.tr("渠道经理"),
                "receptionist": self.tr("前台"), "consultant": self.tr("置业顾问")}

    # ------------------------------------------------------------ consultants
    def _build_consultants(self) -> QWidget:
        tab = QWidget()
        row = QHBoxLayout(tab)
        row.setContentsMargins(12, 12, 12, 12)
        row.setSpacing(16)
        self.consultants = PagedTableModel(self.ctx, [
            Column(self.tr("姓名"), lambda r: r.name),
            Column(self.tr("状态"), lambda r: self.tr("在职") if r.active else self.tr("停用")),
            Column(self.tr("今日值班"), lambda r: self.tr("第 %1 位").replace("%1", str(r.position))
                   if r.on_duty else self.tr("未值班")),
            Column(self.tr("接待"), lambda r: self.tr("接待中") if r.busy else ""),
            Column(self.tr("登录账号"), lambda r: "、".join(r.logins) or self.tr("（无）")),
            Column(self.tr("名下客户"), lambda r: r.customers, align_right=True)])
        row.addWidget(table_view(self.consultants, "consultants_table"), 1)
        if self.edits_consultants:
            card = self._card("consultant_card")
            column = card.layout()
            assert isinstance(column, QVBoxLayout)
            column.addWidget(section(self.tr("新增置业顾问")))
            self.consultant_form = Form("consultant_form")
            self.consultant_name = QLineEdit()
            self.consultant_form.add(self.tr("姓名"), self.consultant_name, "consultant_name")
            column.addWidget(self.consultant_form)
            column.addWidget(button(self.tr("新增置业顾问"), "add_consultant", "primary", self.add_consultant))
            hint = QLabel(self.tr("新增后可在“值班”页排班；顾问的登录账号由管理员在“用户与角色”中添加。"))
            hint.setProperty("role", "hint")
            hint.setWordWrap(True)
            column.addWidget(hint)
            column.addStretch(1)
            row.addWidget(card)
        return tab

    def _card(self, name: str) -> QFrame:
        card = QFrame()
        card.setObjectName(name)
        card.setProperty("role", "card")
        card.setFixedWidth(CARD_WIDTH)
        column = QVBoxLayout(card)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(6)
        return card

    # ------------------------------------------------------------ users
    def _build_users(self) -> QWidget:
        tab = QWidget()
        row = QHBoxLayout(tab)
        row.setContentsMargins(12, 12, 12, 12)
        row.setSpacing(16)
        roles = self.role_labels()
        self.users = PagedTableModel(self.ctx, [
            Column(self.tr("用户名"), lambda r: r.name),
            Column(self.tr("角色"), lambda r: roles.get(r.role, r.role)),
            Column(self.tr("对应顾问"), lambda r: r.consultant),
            Column(self.tr("状态"), lambda r: self._user_state(r)),
            Column(self.tr("密码"), lambda r: self.tr("已设置") if r.has_secret else self.tr("未设置"))])
        left = QVBoxLayout()
        self.users_view = table_view(self.users, "users_table")
        self.users_view.selectionModel().selectionChanged.connect(self._user_chosen)
        self.users.loaded.connect(self._rechoose)
        left.addWidget(self.users_view, 1)
        if self.edits_users:
            left.addWidget(self._build_chosen_user())
        row.addLayout(left, 1)
        if self.edits_users:
            row.addWidget(self._build_add_user())
        return tab

    def _user_state(self, user: queries.UserRow) -> str:
        if not user.active:
            return self.tr("已停用")
        return self.tr("密码错误过多，暂停登录") if user.held_off else self.tr("启用")

    def _build_add_user(self) -> QFrame:
        card = self._card("user_card")
        column = card.layout()
        assert isinstance(column, QVBoxLayout)
        column.addWidget(section(self.tr("新增用户")))
        self.user_form = Form("user_form")
        self.user_name = QLineEdit()
        self.user_form.add(self.tr("用户名"), self.user_name, "user_name")
        self.user_role = QComboBox()
        for role, label in self.role_labels().items():
            self.user_role.addItem(label, role)
        self.user_role.setPlaceholderText(self.tr("请选择角色"))
        self.user_role.setCurrentIndex(-1)
        self.user_role.currentIndexChanged.connect(self._role_changed)
        self.user_form.add(self.tr("角色"), self.user_role, "user_role")
        self.user_consultant = QComboBox()
        self.user_consultant.setPlaceholderText(self.tr("仅置业顾问需要"))
        self.user_form.add(self.tr("对应顾问"), self.user_consultant, "user_consultant")
        self.user_secret = password_field()
        self.user_form.add(self.tr("密码"), self.user_secret, "user_secret")
        self.user_secret_again = password_field()
        self.user_form.add(self.tr("确认密码"), self.user_secret_again, "user_secret_again")
        column.addWidget(self.user_form)
        column.addWidget(button(self.tr("新增用户"), "add_user", "primary", self.add_user))
        column.addStretch(1)
        self._role_changed()
        return card

    def _build_chosen_user(self) -> QFrame:
        card = QFrame()
        card.setObjectName("chosen_user")
        card.setProperty("role", "card")
        row = QHBoxLayout(card)
        row.setContentsMargins(16, 8, 16, 8)
        self.chosen_label = QLabel()
        self.chosen_label.setObjectName("chosen_user_name")
        self.chosen_label.setMinimumWidth(140)
        row.addWidget(self.chosen_label)
        self.secret_form = Form("secret_form")
        self.new_secret = password_field()
        self.secret_form.add(self.tr("新密码"), self.new_secret, "new_secret")
        self.new_secret_again = password_field()
        self.secret_form.add(self.tr("确认新密码"), self.new_secret_again, "new_secret_again")
        row.addWidget(self.secret_form, 1)
        buttons = QVBoxLayout()
        self.set_secret_button = button(self.tr("设置密码"), "set_secret", "secondary", self.set_secret)
        self.disable_button = button(self.tr("停用账号"), "disable_user", "danger", self.disable_user)
        buttons.addWidget(self.set_secret_button)
        buttons.addWidget(self.disable_button)
        row.addLayout(buttons)
        self._choose(None)
        return card

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        store = self.ctx.store

        def load() -> tuple[list[queries.ConsultantRow], list[queries.UserRow]]:
            return queries.consultants(store), queries.users(store)

        self.ctx.run(load, on_done=self._loaded)

    def _loaded(self, result: tuple[list[queries.ConsultantRow], list[queries.UserRow]]) -> None:
        consultants, users = result
        self.consultants.load(lambda offset, limit: consultants[offset:offset + limit])
        self.users.load(lambda offset, limit: users[offset:offset + limit])
        if self.edits_users:
            chosen = self.user_consultant.currentData()
            self.user_consultant.clear()
            for row in consultants:
                if row.active:
                    self.user_consultant.addItem(row.name, row.name)
            self.user_consultant.setCurrentIndex(self.user_consultant.findData(chosen) if chosen else -1)

    def _role_changed(self) -> None:
        is_consultant = self.user_role.currentData() == "consultant"
        self.user_consultant.setEnabled(is_consultant)
        if not is_consultant:
            self.user_consultant.setCurrentIndex(-1)
        elif self.user_consultant.currentIndex() < 0:  # a consultant usually logs in under their own name
            self.user_consultant.setCurrentIndex(self.user_consultant.findData(self.user_name.text().strip()))

    # ------------------------------------------------------------ the chosen user
    def _user_chosen(self, *_args: Any) -> None:
        rows = self.users_view.selectionModel().selectedRows()
        self._choose(self.users.row_at(rows[0].row()) if rows else None)

    def _rechoose(self) -> None:
        """After a reload the same user stays chosen (a password being typed keeps its user)."""
        chosen = self._chosen
        rows = [i for i, row in enumerate(self.users.rows) if chosen is not None and row.name == chosen.name]
        if rows:
            self.users_view.selectRow(rows[0])
        else:
            self._choose(None)

    def _choose(self, user: queries.UserRow | None) -> None:
        if not self.edits_users:
            return
        if user is None or self._chosen is None or user.name != self._chosen.name:
            self._confirming = False
            self.secret_form.clear_errors()
        self._chosen = user
        self.chosen_label.setText(self.tr("已选：%1").replace("%1", user.name) if user
                                  else self.tr("在上表中选择用户"))
        usable = user is not None and user.active
        self.set_secret_button.setEnabled(usable)
        self.disable_button.setEnabled(usable)
        self.disable_button.setText(self.tr("确认停用 %1？").replace("%1", user.name) if user and self._confirming
                                    else self.tr("停用账号"))

    # ------------------------------------------------------------ writes
    def _refused(self, form: Form, fields: dict[str, str], error: BaseException) -> None:
        if isinstance(error, FieldRefused) and error.field in fields:
            form.error(fields[error.field], str(error))
        else:
            self.ctx.message.emit(str(error), "error")

    def _done(self, text: str) -> None:
        self.ctx.message.emit(text, "success")
        self.refresh()

    def add_consultant(self) -> None:
        self.consultant_form.clear_errors()

        def done(name: str) -> None:
            self.consultant_name.clear()
            self._done(self.tr("已新增置业顾问：%1").replace("%1", name))

        self.ctx.run(staff_admin.add_consultant, self.desk, self.consultant_name.text(), on_done=done,
                     on_error=lambda error: self._refused(self.consultant_form, {"name": "consultant_name"}, error))

    def add_user(self) -> None:
        form = self.user_form
        form.clear_errors()
        secret = self.user_secret.text()
        if secret != self.user_secret_again.text():
            form.error("user_secret_again", self.tr("两次输入的密码不一致"))
            return
        role, consultant = self.user_role.currentData() or "", self.user_consultant.currentData()
        if not role:
            form.error("user_role", self.tr("请选择角色"))
            return
        fields = {"name": "user_name", "role": "user_role", "consultant": "user_consultant", "secret": "user_secret"}

        def done(user: Any) -> None:
            for field in (self.user_name, self.user_secret, self.user_secret_again):
                field.clear()
            self.user_role.setCurrentIndex(-1)
            self._done(self.tr("已新增用户：%1").replace("%1", user.name))

        self.ctx.run(staff_admin.add_user, self.desk, self.user_name.text(), role, secret, consultant,
                     on_done=done, on_error=lambda error: self._refused(form, fields, error))

    def set_secret(self) -> None:
        user, form = self._chosen, self.secret_form
        form.clear_errors()
        if user is None:
            return
        secret = self.new_secret.text()
        if secret != self.new_secret_again.text():
            form.error("new_secret_again", self.tr("两次输入的密码不一致"))
            return

        def done(_result: Any) -> None:
            self.new_secret.clear()
            self.new_secret_again.clear()
            self._done(self.tr("已为 %1 设置新密码").replace("%1", user.name))

        self.ctx.run(staff_admin.set_user_secret, self.desk, user.name, secret, on_done=done,
                     on_error=lambda error: self._refused(form, {"secret": "new_secret"}, error))

    def disable_user(self) -> None:
        user = self._chosen
        if user is None:
            return
        if not self._confirming:  # the first press asks; the second disables
            self._confirming = True
            self._choose(user)
            return
        self._confirming = False
        self._choose(user)
        self.ctx.run(staff_admin.disable_user, self.desk, user.name,
                     on_done=lambda _r: self._done(self.tr("已停用用户：%1").replace("%1", user.name)),
                     on_error=lambda error: self.ctx.message.emit(str(error), "error"))

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        snap("people_consultants")
        if self.edits_consultants:
            self.consultant_name.clear()
            self.add_consultant()
            snap("people_consultant_name_needed")
            self.consultant_form.clear_errors()
        self.tabs.setCurrentIndex(1)
        snap("people_users")
        if self.edits_users:
            self.user_name.setText(self.desk.actor)
            self.user_role.setCurrentIndex(self.user_role.findData("receptionist"))
            self.user_secret.setText("12")
            self.user_secret_again.setText("12")
            self.add_user()
            snap("people_user_refused")
            for field in (self.user_name, self.user_secret, self.user_secret_again):
                field.clear()
            self.user_role.setCurrentIndex(-1)
            self.user_form.clear_errors()
        self.tabs.setCurrentIndex(0)

"""`anchang user add|passwd|disable|list`: station users. Secrets come from a hidden prompt (asked
twice) or one line of standard input (`--secret-stdin`), never from the command line."""

from __future__ import annotations

import getpass
import sys

from operations.common import EXIT_OK, open_store, usage_error
from service import users

ROLE_LABELS = {"admin": "管理员", "manager": "案场经理", "channel_manager": "渠道经理",
               "receptionist": "前台", "consultant": "置业顾问"}


def read_secret(from_stdin: bool) -> str:
    if from_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            raise usage_error("标准输入没有密码 / no secret on standard input")
        return secret
    first = getpass.getpass("新密码 / new secret: ")
    if getpass.getpass("再输入一次 / again: ") != first:
        raise usage_error("两次输入不一致 / the two entries differ")
    return first


def add(name: str, role: str, consultant: str | None, secret_stdin: bool) -> int:
    secret = read_secret(secret_stdin)
    with open_store() as store:
        user = users.add_user(store, name, role, secret, consultant=consultant, actor="admin")
    print(f"已添加用户 / added user {user.name} ({ROLE_LABELS[user.role]} / {user.role})")
    return EXIT_OK


def passwd(name: str, secret_stdin: bool) -> int:
    secret = read_secret(secret_stdin)
    with open_store() as store:
        users.set_secret(store, name, secret, actor="admin")
    print(f"已设置密码 / secret set for {name}")
    return EXIT_OK


def disable(name: str) -> int:
    with open_store() as store:
        users.disable_user(store, name, actor="admin")
    print(f"已停用用户 / disabled user {name}")
    return EXIT_OK


def show_list() -> int:
    with open_store() as store:
        found = users.list_users(store)
    if not found:
        print("没有用户 / no users: `anchang init` creates `admin`")
    for user in found:
        state = "启用 / active" if user.active else "停用 / disabled"
        consultant = f"  顾问 / consultant: {user.consultant}" if user.consultant else ""
        print(f"{user.name}\t{ROLE_LABELS[user.role]} / {user.role}\t{state}{consultant}")
    return EXIT_OK

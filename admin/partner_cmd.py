"""`anchang partner add|list|suspend|resume|revoke`: partners' API keys (service/partners.py) without a
screen. A manager or channel manager signs in (`--user`, the secret from a hidden prompt or
`--secret-stdin`, counted against the same hold-off as a console login); the key is printed once."""

from __future__ import annotations

from admin.key_bundle_cmd import read_sign_in_secret
from judge.reasons import EngineError
from operations.common import EXIT_OK, AdminError, open_store
from service import partners, users
from service.desk import Desk
from service.partners import Partner
from service.roles import PermissionDenied
from service.store import Store


def _desk(store: Store, user: str, secret_stdin: bool) -> Desk:
    try:
        return Desk(store, users.authenticate(store, user, read_sign_in_secret(user, secret_stdin)))
    except users.AuthError as error:
        raise AdminError(str(error)) from None


def _line(partner: Partner) -> str:
    scope = partner.channel if partner.kind == "channel" else partner.kind
    return (f"{partner.id}  {partner.status:9}  {scope:12}  {partner.name}  "  # escaped on the way out
            f"({partner.created_by}, {partner.created_at:%Y-%m-%d})")


def add(user: str, secret_stdin: bool, name: str, channel: str | None, kind: str | None) -> int:
    with open_store() as store:
        try:
            partner, key = partners.add(_desk(store, user, secret_stdin), name, kind or "channel", channel)
        except (PermissionDenied, EngineError) as error:
            raise AdminError(str(error)) from None
    print(f"已添加 / added: {_line(partner)}")
    print(f"密钥（只显示这一次）/ the key (shown only now): {key}")
    print("合作方以 Authorization: Bearer <密钥> 调用接口 / partners send it as Authorization: Bearer <key>")
    return EXIT_OK


def show_list(user: str, secret_stdin: bool) -> int:
    with open_store() as store:
        try:
            found = partners.listed(_desk(store, user, secret_stdin))
        except PermissionDenied as error:
            raise AdminError(str(error)) from None
    for partner in found:
        print(_line(partner))
    if not found:
        print("没有合作方密钥 / no partner keys")
    return EXIT_OK


def change(user: str, secret_stdin: bool, key_id: str, status: str) -> int:
    with open_store() as store:
        try:
            partner = partners.set_status(_desk(store, user, secret_stdin), key_id, status)
        except (PermissionDenied, EngineError) as error:
            raise AdminError(str(error)) from None
    print(f"已更新 / updated: {_line(partner)}")
    return EXIT_OK

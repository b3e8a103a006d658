"""`anchang key-bundle --user NAME --out FILE`: the console's 站点 → 生成密钥包 without a screen, for a
server PC set up over ssh or a script. The same rule: a manager or administrator signs in (the secret from a
hidden prompt or `--secret-stdin`, counted against the same hold-off as a console login), the export is
journalled under that user, and the one-time passphrase is printed once, never stored."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from db.keys import write_private
from operations.common import EXIT_OK, AdminError, open_store, usage_error
from service import key_bundle, users
from service.desk import Desk
from service.roles import PermissionDenied


def read_sign_in_secret(name: str, from_stdin: bool) -> str:
    secret = (sys.stdin.readline().rstrip("\r\n") if from_stdin
              else getpass.getpass(f"{name} 的密码 / {name}'s secret: "))
    if not secret:
        raise usage_error("没有密码 / no secret given")
    return secret


def make_bundle(user: str, out: str, secret_stdin: bool) -> int:
    target = Path(out)
    if target.exists():  # a bundle on disk is the site's keys: never overwrite one the user may still need
        raise usage_error(f"文件已存在 / {target} exists: choose another file name")
    if not target.parent.is_dir():
        raise usage_error(f"没有该文件夹 / no folder {target.parent}")
    secret = read_sign_in_secret(user, secret_stdin)
    with open_store() as store:
        try:
            signed_in = users.authenticate(store, user, secret)
        except users.AuthError as error:
            raise AdminError(str(error)) from None
        try:
            passphrase, text = key_bundle.export_for(Desk(store, signed_in))
        except PermissionDenied as error:
            raise AdminError(f"无权生成密钥包 / {user} may not export the site keys: {error}") from None
    write_private(target, (text + "\n").encode("ascii"), mode=0o600)
    print(f"密钥包已保存 / key bundle saved: {target}")
    print(f"一次性口令（只显示这一次）/ one-time passphrase (shown only now): {passphrase}")
    print("在新电脑上运行 / on the new computer run: anchang join "
          f"{target.name} --database-url <station URL>  (the bundle joins once)")
    return EXIT_OK

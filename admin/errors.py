"""Turns every expected failure into one clear line (Chinese / English) and an exit code, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable

import sqlalchemy as sa

from db.config import ConfigError
from db.database import DatabaseUnavailable, UnsupportedDatabase
from db.journal import CheckpointFileError
from db.keys import KeyFileCorrupt, KeysExist, KeysMissing, KeyUnwrapError
from db.migrate import NeedsOwner, SchemaMissing, SchemaTooNew
from db.personal import InvalidIdCard, InvalidPhone
from judge.reasons import EngineError
from judge.rules import RuleError
from operations.common import EXIT_FAILED, EXIT_USAGE, AdminError
from service.key_bundle import BundleError
from service.store import InvalidName, UnknownName

# Bad input from the user: exit 2, like a usage error (a key bundle refused: its file or passphrase).
_INPUT_ERRORS: tuple[type[BaseException], ...] = (InvalidPhone, InvalidIdCard, UnknownName, InvalidName,
                                                  EngineError, CheckpointFileError, UnsupportedDatabase,
                                                  BundleError)
# The site's setup or its database: exit 1.
_SETUP_ERRORS: tuple[type[BaseException], ...] = (KeysMissing, KeysExist, KeyFileCorrupt, KeyUnwrapError,
                                                  SchemaMissing, SchemaTooNew, NeedsOwner, DatabaseUnavailable,
                                                  ConfigError)


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def _database_message(exc: sa.exc.DBAPIError) -> str:
    detail = one_line(exc.orig if exc.orig is not None else exc)
    lowered = detail.lower()
    if "locked" in lowered or "busy" in lowered:
        return f"数据库被占用 / the database is locked by another program: {detail}"
    if isinstance(exc, sa.exc.OperationalError):
        return f"无法连接数据库 / cannot reach the database: {detail}"
    if isinstance(exc, sa.exc.DataError):
        return f"数据不符合数据库的限制（过长或格式不符）/ a value does not fit the database (too long?): {detail}"
    return f"数据库错误 / database error: {detail}"


def run_guarded(command: Callable[[], int]) -> int:
    try:
        return command()
    except AdminError as exc:
        return _fail(str(exc), exc.code)
    except RuleError as exc:
        return _fail(f"判客规则无效 / invalid rule: {exc}", EXIT_USAGE)
    except _INPUT_ERRORS as exc:
        return _fail(str(exc), EXIT_USAGE)
    except _SETUP_ERRORS as exc:
        return _fail(str(exc), EXIT_FAILED)
    except sa.exc.DBAPIError as exc:
        return _fail(_database_message(exc), EXIT_FAILED)
    except sa.exc.ArgumentError as exc:
        return _fail(f"数据库地址无效 / unusable database URL: {exc}", EXIT_USAGE)
    except FileNotFoundError as exc:
        return _fail(f"文件不存在 / no such file: {exc.filename}", EXIT_USAGE)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(f"文件或系统错误 / file or system error{where}: {exc.strerror or exc}{_whose(exc)}",
                     EXIT_FAILED)
    except KeyboardInterrupt:
        return _fail("已中断 / interrupted", 130)


def _whose(error: OSError) -> str:
    """On the system site a refused file means the user is not in its group: say who adds them."""
    from db.site_dirs import current_site, membership_hint

    return f"; {membership_hint()}" if isinstance(error, PermissionError) and current_site().shared else ""


def _fail(message: str, code: int) -> int:
    print(f"错误 / error: {one_line(message)}", file=sys.stderr)
    return code

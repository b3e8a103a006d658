"""The 诊断包 (support bundle): one zip a support call can ask for, from the console's 站点 page or
`anchang diagnose --out FILE`.

It holds the program's versions, its self-test run apart (a process of its own: the self-test points
the data folder elsewhere for its temporary site), the tail of each log file, the configuration with
passwords taken out, the environment's ANCHANG_* settings, the data folder's file list (names, never
contents: no key file goes in), the database's schema revision and the stations. Every member passes
the journal's personal-data guard and is written with what it flags masked; README.txt says which were.
The database may be away: the bundle then says why instead of failing, since that is when it is needed.
"""

from __future__ import annotations

import io
import os
import platform
import re
import socket
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.personal import mask_personal_numbers
from operations.program_log import log_folder
from operations.version import version_line

LOG_TAIL_BYTES = 256 * 1024  # of each log file, its newest lines
LOGS_BUDGET_BYTES = 2 * 1024 * 1024  # of all log files, newest first
SELF_TEST_TIMEOUT_S = 300.0
REDACTED = "***"
# user:password@ in any URL (a database's, also in a comment), a password given as a query parameter,
# and any setting whose name says it is secret
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"]*):[^\s@'\"]*@")
_QUERY_PASSWORD = re.compile(r"(?i)(?P<head>\b(?:password|passwd|pwd)=)[^&\s'\"]+")
_SECRET_SETTING = re.compile(r"(?im)^(?P<head>\s*#?\s*[\w.\"-]*(?:password|passwd|secret|passphrase|token)[\w\"-]*\s*=).*$")


def redact(text: str) -> str:
    """`text` with the passwords in URLs and the values of secret-sounding settings replaced."""
    text = _URL_PASSWORD.sub(rf"\g<head>:{REDACTED}@", text)
    text = _QUERY_PASSWORD.sub(rf"\g<head>{REDACTED}", text)
    return _SECRET_SETTING.sub(rf'\g<head> "{REDACTED}"', text)


def program_command(module: str, program: str) -> list[str]:
    """How to start `program` again: the installed build's executable beside this one, else the module."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).with_name(program + Path(sys.executable).suffix))]
    return [sys.executable, "-m", module]


def run_self_test(command: list[str], timeout_s: float = SELF_TEST_TIMEOUT_S) -> str:
    """The self-test's report as `<program> --self-test` prints it, with its exit code."""
    try:
        done = subprocess.run([*command, "--self-test"], capture_output=True, text=True, errors="replace",
                              timeout=timeout_s, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    except subprocess.TimeoutExpired:
        return f"自检超时 / the self-test did not finish within {timeout_s:g} s: {' '.join(command)}\n"
    except OSError as error:
        return f"自检无法运行 / the self-test could not run: {' '.join(command)}: {error}\n"
    return f"{done.stdout}\nexit code {done.returncode}\n--- stderr ---\n{done.stderr}"


@dataclass
class Bundle:
    """The zip's members as text; `masked`: member → how many numbers the guard had masked in it."""

    members: dict[str, str] = field(default_factory=dict)
    masked: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, text: str) -> None:
        clean, count = mask_personal_numbers(text)
        self.members[name] = clean
        if count:
            self.masked[name] = count

    def zip_bytes(self, made: datetime) -> bytes:
        buffer = io.BytesIO()
        stamp = made.astimezone().timetuple()[:6]
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in self.members.items():
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                archive.writestr(info, text.encode("utf-8"))
        return buffer.getvalue()


def build(program: str, data_dir: Path, config_file: Path, engine: Callable[[], Engine] | Engine | None,
          self_test: Callable[[], str], qt: str | None = None, made: datetime | None = None) -> bytes:
    """The 诊断包 of `program` (its --version text, its self-test) on the site in `data_dir` and the
    database `engine` (or a callable opening it: its failure goes into database.txt)."""
    made = made or datetime.now(UTC)
    bundle = Bundle()
    bundle.add("versions.txt", versions(program, qt))
    bundle.add("self-test.txt", self_test())
    bundle.add("config/anchang.toml", configuration(config_file))
    bundle.add("config/environment.txt", environment(data_dir, config_file))
    bundle.add("data-folder.txt", folder_listing(data_dir))
    bundle.add("database.txt", database(engine))
    for name, text in log_tails(data_dir).items():
        bundle.add(f"logs/{name}", text)
    bundle.members = {"README.txt": "", **bundle.members}
    bundle.add("README.txt", readme(program, made, bundle))
    return bundle.zip_bytes(made)


def versions(program: str, qt: str | None) -> str:
    if qt is None:
        try:
            qt = f"PySide6 {metadata.version('PySide6')}"
        except metadata.PackageNotFoundError:
            qt = "not installed"
    return (f"{version_line(program)}\nPython {sys.version.split()[0]} ({sys.executable})\nQt {qt}\n"
            f"OS {platform.platform()} ({platform.machine()})\n")


def configuration(path: Path) -> str:
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except FileNotFoundError:
        return f"# 无配置文件 / no configuration file at {path}\n"
    except OSError as error:
        return f"# 无法读取 / cannot read {path}: {error.strerror or error}\n"
    return f"# {path}, 密码已隐去 / passwords taken out\n{redact(text)}"


def environment(data_dir: Path, config_file: Path) -> str:
    lines = [f"data folder: {data_dir}", f"configuration: {config_file}",
             f"under systemd (JOURNAL_STREAM): {'yes' if os.environ.get('JOURNAL_STREAM') else 'no'}"]
    lines += [f"{name}={redact(value)}" for name, value in sorted(os.environ.items()) if name.startswith("ANCHANG_")]
    return "\n".join(lines) + "\n"


def folder_listing(data_dir: Path) -> str:
    """Each file and folder of the data folder, one level into its folders: mode, size, time, name."""
    if not data_dir.is_dir():
        return f"没有数据文件夹 / no data folder at {data_dir}\n"
    lines = [f"{data_dir}:"]
    for path in sorted(data_dir.iterdir()):
        lines.append(_listed(path, data_dir))
        if path.is_dir() and not path.is_symlink():
            lines += [_listed(inner, data_dir) for inner in sorted(path.iterdir())]
    return "\n".join(lines) + "\n"


def _listed(path: Path, root: Path) -> str:
    try:
        info = path.lstat()
    except OSError as error:
        return f"?          {path.relative_to(root)}: {error.strerror}"
    when = datetime.fromtimestamp(info.st_mtime, UTC).strftime("%Y-%m-%d %H:%M")
    return f"{stat.filemode(info.st_mode)} {info.st_size:>12} {when} UTC {path.relative_to(root)}"


def database(engine: Callable[[], Engine] | Engine | None) -> str:
    from db.migrate import current_revision, head_revision
    from db.models import JournalEntry, Station

    if engine is None:
        return "没有数据库 / no database\n"
    opened: Engine | None = None
    try:
        opened = engine() if callable(engine) else engine
        lines = [f"database: {opened.url.render_as_string(hide_password=True)}",
                 f"schema revision: {current_revision(opened)} (this program's: {head_revision()})"]
        with opened.connect() as conn:
            lines.append(f"journal entries: {conn.scalar(sa.select(sa.func.max(JournalEntry.seq))) or 0}")
            rows = conn.execute(sa.select(Station.name, Station.kind, Station.host, Station.first_seen,
                                          Station.last_seen, Station.retired_at).order_by(Station.name)).all()
    except Exception as error:  # noqa: BLE001 - a database away is what the bundle must say, not fail on
        return f"数据库无法读取 / the database cannot be read: {type(error).__name__}: {error}\n"
    finally:
        if callable(engine) and opened is not None:
            opened.dispose()  # opened here, for the bundle only
    lines += ["", "stations (name, kind, computer, first start, last start, retired):"]
    lines += ["  " + " | ".join(_when(value) for value in row) for row in rows]
    return "\n".join(lines) + "\n"


def _when(value: object) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return "-" if value is None else str(value)


def log_tails(data_dir: Path) -> dict[str, str]:
    """The newest part of each log file, newest files first, within LOGS_BUDGET_BYTES."""
    folder = log_folder(data_dir)
    if not folder.is_dir():
        return {}
    files = sorted((path for path in folder.iterdir() if path.is_file()), key=lambda p: p.stat().st_mtime,
                   reverse=True)
    tails: dict[str, str] = {}
    budget = LOGS_BUDGET_BYTES
    for path in files:
        if budget <= 0:
            break
        tails[path.name] = _tail(path, min(LOG_TAIL_BYTES, budget))
        budget -= len(tails[path.name].encode("utf-8"))
    return tails


def _tail(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - limit))
            data = handle.read()
    except OSError as error:
        return f"无法读取 / cannot read {path}: {error.strerror or error}\n"
    if size > limit:  # from the first whole line on
        data = data[data.find(b"\n") + 1:]
        return f"[前 {size - len(data)} 字节略去 / the first {size - len(data)} bytes left out]\n" + \
            data.decode("utf-8", errors="replace")
    return data.decode("utf-8", errors="replace")


def readme(program: str, made: datetime, bundle: Bundle) -> str:
    lines = [f"案场通 诊断包 / Anchang support bundle, made {made:%Y-%m-%d %H:%M:%S} UTC by {program} on "
             f"{socket.gethostname()}",
             "",
             "内容 / contents: versions.txt (the programs' versions), self-test.txt (the self-test's report), "
             "config/ (anchang.toml without passwords, ANCHANG_* settings), data-folder.txt (file names only; "
             "no key file is in this bundle), database.txt (schema revision, stations), logs/ (the newest "
             "lines of each log file).",
             "",
             "每个文件都经过个人信息检查（电话号码、身份证号）/ every file passed the personal-data guard "
             "(phone and ID-card numbers):"]
    if bundle.masked:
        lines += [f"  {name}: {count} 处已隐去 / {count} masked" for name, count in sorted(bundle.masked.items())]
    else:
        lines.append("  无需隐去 / nothing needed masking")
    return "\n".join(lines) + "\n"


def save(path: Path, data: bytes) -> Path:
    """Writes the bundle readable by its owner only (0600 from the start), whole or not at all."""
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o600)  # an older temp file the umask made wider
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def diagnose(out: str) -> int:
    """`anchang diagnose --out FILE`: the 诊断包 of this computer's site, with `anchang --self-test`."""
    from db.config import config_file, data_dir, database_url
    from operations.common import open_engine, usage_error

    target = Path(out)
    if not target.parent.is_dir():
        raise usage_error(f"文件夹不存在 / no folder {target.parent} for {target.name}")
    data = build("anchang", data_dir(), config_file(), lambda: open_engine(database_url()),
                 lambda: run_self_test(program_command("admin.cli", "anchang")))
    save(target, data)
    print(f"已写入诊断包 / support bundle written: {target} ({max(1, len(data) // 1024)} KB)")
    return 0

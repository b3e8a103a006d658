"""A throw-away PostgreSQL cluster on its own port, for tests that stop and start the server under a
running station (nobody else's tests see it go down). Fixture `private_pg` in tests/conftest.py."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from glob import glob
from pathlib import Path

PgCtl = Callable[[str], None]  # "start" | "stop" | "pause" | "resume"


def _pg_bin() -> Path | None:
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def private_cluster() -> Iterator[tuple[str, PgCtl] | None]:
    """(url, pg_ctl(action)) of a new cluster, or None when the server binaries are not installed."""
    bindir = _pg_bin()
    if bindir is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="anchang-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=60)

    def pg_ctl(action: str) -> None:
        if action in ("pause", "resume"):  # a server that stops answering without refusing (SIGSTOP)
            _signal_cluster(data, signal.SIGSTOP if action == "pause" else signal.SIGCONT)
            return
        extra = ["-m", "immediate"] if action == "stop" else ["-l", str(root / "log")]
        run(str(bindir / "pg_ctl"), action, "-D", str(data), "-w", "-t", "30", *extra)

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
                   "fsync = off\nshared_buffers = 16MB\nmax_connections = 20\n")
    try:
        pg_ctl("start")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", pg_ctl
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def _signal_cluster(data: Path, sig: int) -> None:
    """`sig` to the cluster's postmaster and every process it started (the backends, the writers)."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            pids.append(int(stat.parent.name))
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, sig)

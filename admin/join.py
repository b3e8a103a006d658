"""`anchang join BUNDLE_FILE`: a second station joins the site on its PostgreSQL, unattended.

The same work as the console wizard's 加入已有站点 (operations/first_run.py join_site): the bundle's keys,
this computer's id and station names, the settings, init's database steps. The passphrase comes from a
hidden prompt or one line of standard input (`--passphrase-stdin`), never from the command line. A
refusal (wrong passphrase, another site's or a used bundle, an unreachable database) leaves nothing.
"""

from __future__ import annotations

import getpass
import sys

from db.config import database_url
from operations.common import EXIT_OK, usage_error
from operations.first_run import JoinSite, default_station_name, join_site
from service.key_bundle import read_bundle_file


def read_passphrase(from_stdin: bool) -> str:
    passphrase = (sys.stdin.readline().rstrip("\r\n") if from_stdin
                  else getpass.getpass("一次性口令 / the bundle's one-time passphrase: "))
    if not passphrase.strip():
        raise usage_error("没有口令 / no passphrase given: type the 16 characters shown when the bundle "
                          "was made")
    return passphrase


def join(bundle_file: str, url: str | None, passphrase_stdin: bool, name: str | None) -> int:
    bundle = read_bundle_file(bundle_file)  # not a bundle: said before the passphrase is asked
    plan = JoinSite(database_url=url or database_url(), bundle_text=bundle,
                    passphrase=read_passphrase(passphrase_stdin), station_name=name or default_station_name())
    join_site(plan, say=print)
    return EXIT_OK

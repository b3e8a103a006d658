"""`anchang init --system` and `anchang join --system`: the site for every user of this computer
(operations/system_site.py makes the folders and says what is refused)."""

from __future__ import annotations

from admin.join import join
from operations.common import EXIT_OK
from operations.setup import init
from operations.system_site import on_system_site


def init_system(database_url_arg: str | None, owner_url_arg: str | None = None) -> int:
    on_system_site(lambda: init(database_url_arg, owner_url_arg), say=print)
    return EXIT_OK


def join_system(bundle_file: str, url: str | None, passphrase_stdin: bool, name: str | None) -> int:
    """`anchang join --system`: a second station's site for every user of its computer (a kiosk PC's
    auto-login user and the staff who sign in to it)."""
    on_system_site(lambda: join(bundle_file, url, passphrase_stdin, name), say=print)
    return EXIT_OK

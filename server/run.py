"""`anchang serve`: the site server on this station, HTTPS with the site CA's certificate for this
computer's LAN names and addresses (operations/site_ca.py). The certificate is checked twice a day and
reissued before it expires; new connections get the new one without a restart."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import uvicorn

from db.config import data_dir, database_url
from db.station_registry import this_host
from operations import site_ca
from server.app import create_app
from service.store import Store

log = logging.getLogger("anchang.server")
RENEW_CHECK_S = 12 * 3600


def _keep_certificate_fresh(server: uvicorn.Server, directory: Path, stop: threading.Event) -> None:
    cert, _ = site_ca.server_credentials(directory, *site_ca.lan_names_and_addresses())
    issued = cert.stat().st_mtime
    while not stop.wait(RENEW_CHECK_S):
        try:
            cert, key = site_ca.server_credentials(directory, *site_ca.lan_names_and_addresses())
            if cert.stat().st_mtime != issued and server.config.ssl is not None:
                server.config.ssl.load_cert_chain(str(cert), str(key))  # the next handshakes use it
                issued = cert.stat().st_mtime
                log.info("server certificate reissued: %s", cert)
        except (OSError, ValueError):
            log.exception("could not renew the server certificate; the current one is kept")


def serve(host: str, port: int, tour: str | None = None) -> int:
    """`tour`: render the phone pages to PNGs in this folder on a demo week instead (server/tour.py)."""
    if tour is not None:
        from server.tour import run_tour

        return run_tour(tour)
    directory = data_dir()
    store = Store.open(database_url(), directory, station=f"server-{this_host()}", kind="server")
    names, addresses = site_ca.lan_names_and_addresses()
    cert, key = site_ca.server_credentials(directory, names, addresses)
    app = create_app(store, ca_pem=site_ca.ca_pem(directory))
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, ssl_certfile=str(cert), ssl_keyfile=str(key),
                                           log_level="info", proxy_headers=False, timeout_graceful_shutdown=5))
    stop = threading.Event()
    threading.Thread(target=_keep_certificate_fresh, args=(server, directory, stop), daemon=True).start()
    print(f"案场通站点服务 / site server: https://{(addresses or names or ['localhost'])[0]}:{port} "
          f"(CA {site_ca.ensure_ca(directory).fingerprint[:23]}…)", flush=True)
    try:
        server.run()
    finally:
        stop.set()
        store.dispose()
    return 0

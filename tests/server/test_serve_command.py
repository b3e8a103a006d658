"""`anchang serve` as a process: HTTPS with the site CA's certificate (a client that trusts only that CA
connects), the CA handed out at /ca.crt, a sign-in through TLS, plain HTTP not answered, and a stop by
SIGTERM (as systemd stops it) that ends cleanly."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from admin.cli import main
from operations import site_ca
from service import users
from service.store import Store
from tests.server.conftest import SECRET, free_port


@pytest.mark.e2e
def test_serve_answers_over_https_with_the_site_ca(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    assert (data_dir / site_ca.CA_CERT_FILE).exists()  # init made the site CA
    store = Store.open(db_url, data_dir, station="test")
    store.add_consultant("李强")
    users.add_user(store, "李强", "consultant", SECRET, consultant="李强")
    store.dispose()
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "admin.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(),
                               cwd=Path(__file__).resolve().parents[2])
    try:
        ca = data_dir / site_ca.CA_CERT_FILE
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"https://localhost:{port}/healthz", verify=ssl.create_default_context(cafile=ca))
                break
            except httpx.TransportError:
                assert process.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "anchang serve did not answer"
                time.sleep(0.3)
        assert answer.json() == {"status": "ok"}
        with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=ssl.create_default_context(cafile=ca)) as client:
            assert client.get("/ca.crt").content == ca.read_bytes()
            signed = client.post("/api/session", json={"name": "李强", "secret": SECRET})
            assert signed.status_code == 200 and client.get("/api/customers").json() == []
        with pytest.raises(httpx.TransportError):  # a client without the site CA refuses the certificate
            httpx.get(f"https://127.0.0.1:{port}/healthz")
        with pytest.raises(httpx.HTTPError):  # plain HTTP on the HTTPS port gets no answer it can read
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
        log.close()
    # uvicorn ends by re-raising the SIGTERM it handled: systemd counts that as a clean stop
    assert process.returncode in (0, -signal.SIGTERM), (tmp_path / "serve.log").read_text()
    assert "Shutting down" in (tmp_path / "serve.log").read_text()

"""The FastAPI application of the site server: routers per resource over one Store, sign-in sessions,
live updates, the phone pages. `create_app` takes the store the caller opened (`anchang serve`, a test)."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from server import errors
from server.live import LiveHub
from server.routers import (
    appeals,
    appointments,
    customers,
    health,
    live,
    manager,
    numbers,
    pool,
    reception,
    session,
    today,
)
from server.sessions import IDLE_SECONDS, Sessions
from service.store import Store

WEB = Path(__file__).with_name("web")
MAX_BODY = 40 * 1024 * 1024  # four photos of evidence, base64: anything larger is refused unread


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def create_app(store: Store, *, idle_seconds: float = IDLE_SECONDS, poll_interval: float | None = None,
               ca_pem: bytes | None = None) -> FastAPI:
    """`ca_pem`: the site CA's certificate, handed to phones at /ca.crt (the 站点 page's QR code)."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.live = LiveHub(store, poll_interval=poll_interval)
        try:
            yield
        finally:
            app.state.live.close()

    app = FastAPI(title="Anchang 案场通 site server", version="1", lifespan=lifespan,
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None)
    app.state.store = store
    app.state.sessions = Sessions(idle_seconds)
    errors.install(app)

    @app.middleware("http")
    async def https_only(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Plain HTTP only from this computer itself: anyone else's sign-in would cross the LAN in clear."""
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return JSONResponse({"code": "too_large", "message": "请求过大 / the request is over "
                                 f"{MAX_BODY // 1024 // 1024} MB"}, status_code=413)
        client = request.client.host if request.client else None
        if request.url.scheme != "https" and not _loopback(client):
            return JSONResponse({"code": "https_only", "message": "请使用 HTTPS / this server answers other "
                                 "computers over HTTPS only"}, status_code=403)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    for router in (health.router, session.router, today.router, customers.router, pool.router, numbers.router,
                   appointments.router, appeals.router, reception.router, manager.router, live.router):
        app.include_router(router)
    if ca_pem is not None:
        @app.get("/ca.crt", include_in_schema=False)
        def ca_certificate() -> Response:
            return Response(ca_pem, media_type="application/x-x509-ca-cert",
                            headers={"Content-Disposition": 'attachment; filename="anchang-site-ca.crt"'})

    if (WEB / "index.html").exists():
        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(WEB / "index.html")

        app.mount("/", StaticFiles(directory=WEB), name="web")
    return app

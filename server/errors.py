"""Refusals as JSON `{"code", "message"}`: the engine's and the Desk's reasons in words ("中文 / English"),
with the HTTP status a client can act on."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from db.database import DatabaseUnavailable
from db.personal import InvalidPhone
from db.text_rules import TextRefused
from judge.reasons import EngineError
from service.appointments import AppointmentRefused
from service.roles import PermissionDenied, SessionEnded
from service.users import AuthError


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def _answer(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _answer(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(HTTPException)
    async def http_refusal(_: Request, exc: HTTPException) -> JSONResponse:
        """FastAPI's and Starlette's own refusals (a body that is not JSON, no such route), in the API's shape."""
        return _answer(exc.status_code, f"http_{exc.status_code}", f"请求无效 / {exc.detail}", dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def bad_input(_: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg', '')}"
                          for e in exc.errors())
        return _answer(422, "bad_input", f"输入有误 / invalid input: {where}")

    @app.exception_handler(SessionEnded)
    async def session_ended(_: Request, exc: SessionEnded) -> JSONResponse:
        return _answer(401, "session_ended", str(exc))

    @app.exception_handler(PermissionDenied)
    async def denied(_: Request, exc: PermissionDenied) -> JSONResponse:
        return _answer(403, "forbidden", str(exc))

    @app.exception_handler(AuthError)
    async def auth_refused(_: Request, exc: AuthError) -> JSONResponse:
        if exc.retry_after is not None:
            return _answer(423, "held_off", str(exc), {"Retry-After": str(max(1, round(exc.retry_after)))})
        return _answer(401, "wrong_secret", str(exc))

    @app.exception_handler(InvalidPhone)
    async def bad_phone(_: Request, exc: InvalidPhone) -> JSONResponse:
        return _answer(422, "bad_phone", str(exc))

    @app.exception_handler(TextRefused)
    async def text_refused(_: Request, exc: TextRefused) -> JSONResponse:
        return _answer(400, "bad_text", str(exc))

    @app.exception_handler(DatabaseUnavailable)
    async def database_away(_: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return _answer(503, "database_unavailable", f"数据库暂不可用，请稍后重试 / the database is not answering: {exc}",
                       {"Retry-After": "5"})

    @app.exception_handler(AppointmentRefused)
    async def appointment_refused(_: Request, exc: AppointmentRefused) -> JSONResponse:
        return _answer(404 if exc.reason == "unknown" else 409, f"appointment_{exc.reason}", str(exc))

    @app.exception_handler(EngineError)
    async def engine_refused(_: Request, exc: EngineError) -> JSONResponse:
        return _answer(409, "refused", str(exc))

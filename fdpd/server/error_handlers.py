"""Every failure becomes `{"error": {"code", "message", "hint"}}`; tracebacks go to the log only."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from fdpd.errors import FdpError

log = logging.getLogger("fdpd.errors")

HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}


def error_response(status: int, code: str, message: str, hint: str = "") -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "hint": hint}}, status_code=status
    )


def install_error_handlers(app: FastAPI, log_path: Path) -> None:
    async def fdp_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FdpError)
        return error_response(exc.status, exc.code, exc.message, exc.hint)

    async def invalid_request(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(_describe(error) for error in exc.errors())
        return error_response(
            400, "bad_request", f"invalid request: {problems}", "see /v1/openapi.json"
        )

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(
            500, "internal", "fdpd hit an internal error", f"see the log at {log_path}"
        )

    app.add_exception_handler(FdpError, fdp_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _describe(error: object) -> str:
    if not isinstance(error, dict):
        return str(error)
    where = ".".join(str(part) for part in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid')}"

"""Every failure becomes `{"error": {"code", "message", "hint"}}`; tracebacks go to the log only."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from fdpd.base.error_codes import ErrorCode, status_of
from fdpd.base.errors import FdpError

log = logging.getLogger("fdpd.base.errors")

HTTP_CODES = {
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
}


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
        code = ErrorCode.BAD_REQUEST
        message = f"invalid request: {problems}"
        return error_response(status_of(code), code, message, "see /v1/openapi.json")

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = HTTP_CODES.get(exc.status_code, ErrorCode.HTTP_ERROR)
        return error_response(exc.status_code, code, str(exc.detail))

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
        code = ErrorCode.INTERNAL
        hint = f"see the log at {log_path}"
        return error_response(status_of(code), code, "fdpd hit an internal error", hint)

    app.add_exception_handler(FdpError, fdp_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _describe(error: object) -> str:
    if not isinstance(error, dict):
        return str(error)
    where = ".".join(str(part) for part in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid')}"

"""The one error translator: every 4xx/5xx body is JSON {code, message, field?}."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed

log = structlog.get_logger()

_DOMAIN_STATUS: dict[type[DomainError], int] = {
    ValidationFailed: 422,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
}
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(Exception):
    """An expected failure with its HTTP status and machine-readable code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.field, self.errors, self.headers = field, errors, headers


def error_body(
    code: str, message: str, field: str | None = None, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The JSON shape of every error response."""
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    if errors is not None:
        body["errors"] = errors
    return body


def unauthorized(message: str = "token tidak sah atau kedaluwarsa") -> ApiError:
    """401 with the bearer challenge."""
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str = "akses ditolak") -> ApiError:
    """403 for an authenticated caller outside the data scope."""
    return ApiError(403, "forbidden", message)


def not_found(what: str) -> ApiError:
    """404 naming what was not found."""
    return ApiError(404, "not_found", f"{what} tidak ditemukan")


def _loc_field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:] or parts
    return ".".join(parts) or None


def validation_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """pydantic errors as [{field, reason}] (inputs are not echoed: they may be personal)."""
    return [
        {"field": _loc_field(e.get("loc", ())), "reason": str(e.get("msg", ""))} for e in errors
    ]


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    body = error_body(exc.code, exc.message, exc.field, exc.errors)
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next((s for t, s in _DOMAIN_STATUS.items() if isinstance(exc, t)), 400)
    return JSONResponse(error_body(exc.code, exc.message, exc.field), status_code=status)


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    rows = validation_errors(list(exc.errors()))
    first = rows[0] if rows else {"field": None, "reason": "permintaan tidak valid"}
    field = first["field"]
    message = f"{field}: {first['reason']}" if field else str(first["reason"])
    return JSONResponse(error_body("validation_failed", message, field, rows), status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error" if exc.status_code < 500 else "server_error")
    return JSONResponse(
        error_body(code, str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def nested_validation_error(exc: ValidationError, prefix: str) -> ApiError:
    """A 422 for a model validated inside a request body, fields named from the body's root."""
    rows = [{**r, "field": f"{prefix}.{r['field']}"} for r in validation_errors(exc.errors())]
    return ApiError(
        422,
        "validation_failed",
        f"{rows[0]['field']}: {rows[0]['reason']}",
        field=rows[0]["field"],
        errors=rows,
    )


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """Refused or lost connections and an exhausted pool: 503 at once, not a 500 or a hang."""
    log.warning("database unavailable", path=request.url.path, error=str(exc)[:200])
    return JSONResponse(
        error_body("database_unavailable", "basis data tidak dapat dihubungi; coba lagi"),
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot hold (NUL in text, a number out of range): the caller's 422."""
    log.info("value refused by the database", path=request.url.path, error=str(exc)[:120])
    return JSONResponse(
        error_body("validation_failed", "nilai tidak dapat disimpan (mis. karakter NUL)"),
        status_code=422,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path, error=type(exc).__name__)
    return JSONResponse(
        error_body("internal_error", "terjadi kesalahan internal; kejadian telah dicatat"),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the translator for API, domain, validation, HTTP and unexpected errors."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Registered by type so they are answered here, not re-raised as the catch-all 500 is.
    for db_down in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(db_down, _database_unavailable)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected)

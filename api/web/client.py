"""The JSON API called in-process (httpx over ASGI) with the page user's token."""

from typing import Any

import httpx
from fastapi import Request

from api.web.session import WebUser


class ApiCallError(Exception):
    """A non-2xx answer of the API, with its JSON error body (code, message, field)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.code = str(body.get("code", "error"))
        self.message = str(body.get("message", "permintaan gagal"))
        self.field = body.get("field")
        super().__init__(f"{status} {self.code}: {self.message}")


def _client(request: Request) -> httpx.AsyncClient:
    # The caller's address goes through, so per-client limits (public feedback) stay per client.
    host = request.client.host if request.client else "127.0.0.1"
    port = request.client.port if request.client else 0
    transport = httpx.ASGITransport(
        app=request.app, raise_app_exceptions=False, client=(host, port)
    )
    return httpx.AsyncClient(transport=transport, base_url="http://kinerja.internal", timeout=60)


async def call(
    request: Request,
    method: str,
    path: str,
    user: WebUser | None = None,
    *,
    json: Any = None,
    data: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """The raw response of one API call (any status)."""
    hdrs = dict(headers or {})
    if user is not None:
        hdrs["Authorization"] = f"Bearer {user.token}"
    ua = request.headers.get("user-agent")
    if ua:
        hdrs.setdefault("User-Agent", ua)
    clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    async with _client(request) as client:
        return await client.request(method, path, json=json, data=data, params=clean, headers=hdrs)


async def get_json(request: Request, path: str, user: WebUser | None = None, **params: Any) -> Any:
    """GET and decode; ApiCallError for any error answer."""
    resp = await call(request, "GET", path, user, params=params)
    return checked(resp)


async def send_json(
    request: Request,
    method: str,
    path: str,
    user: WebUser | None,
    body: Any,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST/PUT a JSON body and decode; ApiCallError for any error answer."""
    resp = await call(request, method, path, user, json=body, headers=headers)
    return checked(resp)


def checked(resp: httpx.Response) -> Any:
    """The decoded body of a 2xx answer; ApiCallError otherwise."""
    try:
        body = resp.json()
    except ValueError:
        body = {"code": "error", "message": resp.text[:200] or "jawaban tidak terbaca"}
    if resp.status_code >= 400:
        raise ApiCallError(resp.status_code, body if isinstance(body, dict) else {})
    return body

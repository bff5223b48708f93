"""Wire the pages into the app: routers, /static, and HTML answers for page-only failures."""

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.web import pages_audit, pages_auth, pages_bkpp, pages_me, pages_public, pages_tasks
from api.web.client import ApiCallError
from api.web.render import page
from api.web.session import CsrfFailed, LoginRequired, optional_user

STATIC_DIR = Path(__file__).resolve().parent / "static"


async def _login_required(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/masuk?next={quote(exc.next_url, safe='')}", status_code=303)


async def _csrf_failed(request: Request, _: Exception) -> Response:
    message = "Formulir kedaluwarsa atau tidak sah (token CSRF). Muat ulang halaman lalu coba lagi."
    return page(request, "error.html", optional_user(request), 403, status=403, message=message)


async def _api_call_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiCallError)
    if exc.status == 401:
        return await _login_required(request, LoginRequired(request.url.path))
    status = exc.status if 400 <= exc.status < 600 else 502
    return page(request, "error.html", optional_user(request), status, status=status,
                message=exc.message)  # fmt: skip


def install_web(app: FastAPI) -> None:
    """Add the pages and their static assets; the API's JSON error shape is left untouched."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (pages_auth, pages_tasks, pages_me, pages_bkpp, pages_audit, pages_public):
        app.include_router(module.router)
    # Only exceptions the pages raise themselves get HTML; API errors keep their JSON body.
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
    app.add_exception_handler(ApiCallError, _api_call_failed)

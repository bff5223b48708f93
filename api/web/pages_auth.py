"""Landing page, login and logout."""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.web.client import call
from api.web.render import page
from api.web.session import Csrf, MaybeUser, clear_session, set_session

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    # Only same-site paths: an open redirect after login would be a phishing aid.
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, user: MaybeUser) -> Response:
    """What Kinerja is, and a link to every page, the API docs and the Temporal Web UI."""
    settings = request.app.state.settings
    temporal_ui = f"http://127.0.0.1:{settings.temporal_ui_port}/"
    return page(request, "landing.html", user, temporal_ui=temporal_ui)


@router.get("/masuk", response_class=HTMLResponse)
def login_form(request: Request, user: MaybeUser, next: str = "/") -> Response:
    """The login form."""
    return page(request, "login.html", user, next=_safe_next(next), error=None, username="")


@router.post("/masuk", response_class=HTMLResponse, dependencies=[Csrf])
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Verify the password through POST /auth/token and keep the token in a cookie."""
    resp = await call(
        request, "POST", "/auth/token", data={"username": username, "password": password}
    )
    if resp.status_code != 200:
        is_json = resp.headers.get("content-type", "").startswith("application/json")
        body = resp.json() if is_json else {}
        message = body.get("message") or "username atau kata sandi salah"
        if resp.status_code == 422:
            message = "isi username dan kata sandi"
        return page(request, "login.html", None, 401, next=_safe_next(next), error=message,
                    username=username)  # fmt: skip
    token = resp.json()
    target = _safe_next(next)
    if target == "/":
        target = "/tugas"
    response = RedirectResponse(target, status_code=303)
    set_session(request, response, token["access_token"], int(token["expires_in"]))
    return response


@router.post("/keluar", dependencies=[Csrf])
def logout() -> Response:
    """Drop the session cookie."""
    response = RedirectResponse("/", status_code=303)
    clear_session(response)
    return response

"""Page sessions: the API's JWT in an HttpOnly cookie, and double-submit CSRF tokens."""

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import Principal, get_principal
from api.errors import ApiError
from domain.enums import Role

SESSION_COOKIE = "kinerja_sesi"
CSRF_COOKIE = "kinerja_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfFailed(Exception):
    """A form post without the matching CSRF token."""


@dataclass(frozen=True)
class WebUser:
    """The logged-in user of a page: the API principal and the token that proves it."""

    principal: Principal
    token: str

    def has(self, *roles: Role) -> bool:
        """True when the user holds any of `roles`."""
        return self.principal.has(*roles)


def _principal(request: Request, token: str) -> Principal | None:
    # The very checks of the JSON API (signature, expiry, account still active).
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        try:
            return get_principal(request, request.app.state.settings, session, token)
        except ApiError:
            return None


def optional_user(request: Request) -> WebUser | None:
    """The session's user, or None when not logged in (or the token expired)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    principal = _principal(request, token)
    return WebUser(principal, token) if principal is not None else None


def require_user(request: Request) -> WebUser:
    """The session's user; otherwise a redirect to the login page."""
    user = optional_user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


MaybeUser = Annotated[WebUser | None, Depends(optional_user)]
PageUser = Annotated[WebUser, Depends(require_user)]


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(request: Request, response: Response, token: str, max_age: int) -> None:
    """Store the JWT in an HttpOnly, SameSite=Lax cookie (Secure over HTTPS)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def clear_session(response: Response) -> None:
    """Log out: drop the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser, minted once and kept in a cookie (double submit)."""
    existing = request.cookies.get(CSRF_COOKIE)
    token: str = getattr(request.state, "csrf_token", None) or existing or secrets.token_urlsafe(32)
    request.state.csrf_token = token
    return token


def persist_csrf(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this request minted a new token."""
    token = getattr(request.state, "csrf_token", None)
    if token and token != request.cookies.get(CSRF_COOKIE):
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/"
        )


def check_csrf(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> None:
    """Refuse a form post whose token (field or header) does not match the cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = csrf_token or request.headers.get(CSRF_HEADER, "")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise CsrfFailed()


Csrf = Depends(check_csrf)

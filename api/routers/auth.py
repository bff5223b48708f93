"""OAuth2 password flow issuing local JWTs, and the caller's identity."""

from typing import Annotated

from fastapi import APIRouter, Form

from api.deps import CurrentUser, SessionDep, SettingsDep
from api.errors import unauthorized
from api.schemas.auth import MePublic, Token
from api.security import mint_token, verify_password
from db.models import User

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    summary="Log in with username and password (OAuth2 password flow)",
    response_model=Token,
)
def login(
    settings: SettingsDep,
    session: SessionDep,
    username: Annotated[str, Form(min_length=1, max_length=64, examples=["198609262015051001"])],
    password: Annotated[str, Form(min_length=1, max_length=256, examples=["kinerja-demo"])],
    grant_type: Annotated[  # noqa: ARG001 - part of the OAuth2 form
        str | None, Form(pattern="^password$", examples=["password"])
    ] = None,
    scope: Annotated[str, Form(max_length=1000, examples=[""])] = "",  # noqa: ARG001
) -> Token:
    """A bearer token carrying the user's NIP and roles; 401 for a wrong or inactive login."""
    user = session.get(User, username)
    if not verify_password(password, user.password_hash if user else None) or user is None:
        raise unauthorized("username atau kata sandi salah")
    if not user.active:
        raise unauthorized("akun tidak aktif")
    token = mint_token(settings, username=user.username, nip=user.nip, roles=user.roles)
    return Token(access_token=token, expires_in=settings.jwt_ttl_minutes * 60)


@router.get("/me", summary="The logged-in user", response_model=MePublic)
def me(principal: CurrentUser) -> MePublic:
    """Username, NIP and roles of the token's owner."""
    return MePublic(username=principal.username, nip=principal.nip, roles=sorted(principal.roles))

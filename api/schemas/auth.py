"""Tokens and the caller's identity."""

from pydantic import BaseModel

from domain.enums import Role


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MePublic(BaseModel):
    """Who the token belongs to."""

    username: str
    nip: str | None
    roles: list[Role]

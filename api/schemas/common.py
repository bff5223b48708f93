"""Shapes shared by every family: the error body and pagination."""

from typing import Any

from pydantic import BaseModel, Field


class ErrorPublic(BaseModel):
    """Every 4xx/5xx body."""

    code: str = Field(examples=["forbidden"])
    message: str = Field(examples=["akses ditolak"])
    field: str | None = Field(default=None, examples=["payload.feedback"])


class Message(BaseModel):
    """A plain acknowledgement."""

    message: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "Not logged in or token invalid"},
    403: {"model": ErrorPublic, "description": "Outside the caller's role or data scope"},
    404: {"model": ErrorPublic, "description": "Unknown id"},
    422: {"model": ErrorPublic, "description": "Invalid input; `field` names it"},
}

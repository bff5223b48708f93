"""Accounts, archived workflow histories and API idempotency records."""

from datetime import datetime
from typing import Any

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from db.models.base import json_field, utcnow


class User(SQLModel, table=True):
    """A login: the NIP for employees, a name such as "bkpp.admin" for service accounts."""

    # "user" is reserved in PostgreSQL; a quoted name would trip every hand-written query.
    __tablename__ = "user_account"

    username: str = Field(primary_key=True, max_length=64)
    nip: str | None = Field(default=None, index=True, max_length=18)
    password_hash: str
    roles: list[str] = json_field(default_factory=list)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class HistoryArchive(SQLModel, table=True):
    """A closed workflow's exported event history, kept for audit and replay tests."""

    __tablename__ = "history_archive"

    workflow_id: str = Field(primary_key=True, max_length=100)
    run_id: str = Field(max_length=64)
    exported_at: datetime = Field(default_factory=utcnow)
    event_count: int
    history_json: str = Field(sa_type=Text)


class IdempotencyRecord(SQLModel, table=True):
    """The stored answer to an API call made with an Idempotency-Key, replayed on retry."""

    __tablename__ = "idempotency_record"

    key: str = Field(primary_key=True, max_length=255)
    actor: str = Field(max_length=64)
    method_path: str = Field(max_length=255)
    status_code: int
    response: Any = json_field(nullable=True, default=None)
    created_at: datetime = Field(default_factory=utcnow)

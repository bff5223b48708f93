"""The append-only audit log with its hash chain, and the row that serialises appenders."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from db.models.base import utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(SQLModel, table=True):
    """One decision or change; hash = sha256(canonical content + prev_hash). Never updated."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    # "{workflow_id}/{step}": a retried activity writes the same key, which is a no-op.
    key: str = Field(unique=True, max_length=255)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=100)
    workflow_id: str | None = Field(default=None, index=True, max_length=100)
    nip: str | None = Field(default=None, index=True, max_length=18)
    # Plain JSON, not JSONB: PostgreSQL keeps the text as written, so hashes recompute exactly.
    before: Any = Field(default=None, sa_type=JSON, nullable=True)
    after: Any = Field(default=None, sa_type=JSON, nullable=True)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditChainHead(SQLModel, table=True):
    """Single row (id 1) locked by every appender; also records the tail to detect truncation."""

    __tablename__ = "audit_chain_head"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_id: int | None = None
    last_hash: str = Field(default=GENESIS_HASH, max_length=64)
    appended: int = 0

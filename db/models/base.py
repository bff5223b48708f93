"""Shared column helpers and the metadata naming convention for every table."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Table
from sqlmodel import Field, SQLModel

from db.column_types import StrEnumType, json_type

# Deterministic constraint names keep migrations reproducible across SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Aware current time in UTC (the only kind of datetime the tables accept)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware datetime from a column: SQLite gives back naive UTC values, PostgreSQL aware ones."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def enum_field(enum_cls: type[StrEnum], *, nullable: bool = False, **kwargs: Any) -> Any:
    """A column holding the enum's string value."""
    return Field(sa_type=StrEnumType(enum_cls), nullable=nullable, **kwargs)


def json_field(*, nullable: bool = False, **kwargs: Any) -> Any:
    """A JSON column (JSONB on PostgreSQL)."""
    return Field(sa_type=json_type(), nullable=nullable, **kwargs)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel table class, for hot paths that skip the ORM."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table

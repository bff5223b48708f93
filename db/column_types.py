"""Portable column types: enums stored as their string value, JSON as JSONB on PostgreSQL."""

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class StrEnumType(TypeDecorator[StrEnum]):
    """A StrEnum kept as a plain VARCHAR (no native ENUM: portable and cheap to extend)."""

    impl = String
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum], length: int = 40) -> None:
        super().__init__(length=length)
        self.enum_cls = enum_cls
        self.length = length

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:  # noqa: ARG002
        if value is None:
            return None
        # Validates plain strings too, so a typo never reaches the table.
        return str(self.enum_cls(value).value)

    def process_result_value(
        self,
        value: Any,
        dialect: Dialect,  # noqa: ARG002
    ) -> StrEnum | None:
        if value is None:
            return None
        return self.enum_cls(value)

    def __repr__(self) -> str:
        return f"StrEnumType({self.enum_cls.__name__}, length={self.length})"


def json_type() -> TypeEngine[Any]:
    """JSON everywhere, JSONB on PostgreSQL (equality, indexing, compact storage)."""
    return JSON().with_variant(JSONB(), "postgresql")

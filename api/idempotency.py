"""Idempotency-Key support: the first answer to (actor, key) is stored and replayed on retry."""

import hashlib
import json
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.errors import ApiError, error_body
from db.models import IdempotencyRecord


def request_hash(body: Any) -> str:
    """A stable digest of the request content."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_key(actor: str, key: str) -> str:
    """Keys are per actor: two users never share (or see) each other's answers."""
    return hashlib.sha256(f"{actor}\x00{key}".encode()).hexdigest()


def update_id(actor: str, key: str) -> str:
    """The Temporal update id for a keyed request (Temporal dedupes it per workflow, too)."""
    return f"idem-{record_key(actor, key)[:40]}"


def replay(
    session: Session, *, actor: str, key: str, method_path: str, digest: str
) -> JSONResponse | None:
    """The stored answer for this key, None when new; 422 when the key was used for another body."""
    rec = session.get(IdempotencyRecord, record_key(actor, key))
    if rec is None:
        return None
    stored = rec.response if isinstance(rec.response, dict) else {}
    if rec.method_path != method_path or stored.get("request_hash") != digest:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "Idempotency-Key ini sudah dipakai untuk permintaan lain",
            field="Idempotency-Key",
        )
    return JSONResponse(
        stored.get("body"), status_code=rec.status_code, headers={"Idempotent-Replayed": "true"}
    )


def remember(
    session: Session,
    *,
    actor: str,
    key: str,
    method_path: str,
    digest: str,
    status_code: int,
    body: Any,
) -> None:
    """Store the answer; a concurrent twin that stored first wins (same answer by construction)."""
    rec = IdempotencyRecord(
        key=record_key(actor, key),
        actor=actor,
        method_path=method_path,
        status_code=status_code,
        response={"request_hash": digest, "body": body},
    )
    try:
        session.add(rec)
        session.commit()
    except IntegrityError:
        session.rollback()


def error_payload(exc: ApiError) -> dict[str, Any]:
    """The JSON an ApiError renders to, for storing with its status."""
    return error_body(exc.code, exc.message, exc.field, exc.errors)

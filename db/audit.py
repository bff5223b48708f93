"""Append-only audit log with a sha256 hash chain, idempotent per key, verifiable end to end."""

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import GENESIS_HASH, AuditChainHead, AuditEvent
from db.models.base import table_of

_HEAD_ID = 1


class ChainReport(BaseModel):
    """Result of verify_chain: ok, how many rows were checked, and the first broken link."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None


def _json_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"not JSON serialisable in an audit event: {type(value).__name__}")


def to_json_value(value: Any) -> Any:
    """Plain JSON data (dicts, lists, str, numbers) exactly as it will read back from the table."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_json_default, allow_nan=False))


def _canonical_at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(
    *,
    key: str,
    at: datetime,
    actor: str,
    action: str,
    workflow_id: str | None,
    nip: str | None,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    """sha256 over the canonical JSON (sorted keys, no spaces) of the content plus prev_hash."""
    content = {
        "key": key,
        "at": _canonical_at(at),
        "actor": actor,
        "action": action,
        "workflow_id": workflow_id,
        "nip": nip,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _event_hash(ev: AuditEvent) -> str:
    return compute_hash(
        key=ev.key,
        at=ev.at,
        actor=ev.actor,
        action=ev.action,
        workflow_id=ev.workflow_id,
        nip=ev.nip,
        before=ev.before,
        after=ev.after,
        prev_hash=ev.prev_hash,
    )


def _lock_head(session: Session) -> AuditChainHead:
    """Lock the chain head by writing it first: a row lock on PostgreSQL, the write lock on SQLite.

    Writing (not just SELECT ... FOR UPDATE) matters on SQLite: pysqlite opens the transaction
    only at the first write, so a read first would see a head another writer is about to move.
    """
    bump = update(AuditChainHead).where(col(AuditChainHead.id) == _HEAD_ID)
    if session.exec(bump.values(appended=AuditChainHead.appended + 1)).rowcount == 0:
        _create_head(session)
        session.exec(bump.values(appended=AuditChainHead.appended + 1))
    head = session.get(AuditChainHead, _HEAD_ID, populate_existing=True)
    assert head is not None
    return head


def _bump_head(session: Session) -> str:
    """Lock the chain head (see _lock_head) and return the hash of the last event."""
    heads = table_of(AuditChainHead)
    bump = (
        update(heads)
        .where(heads.c.id == _HEAD_ID)
        .values(appended=heads.c.appended + 1)
        .returning(heads.c.last_hash)
    )
    conn = session.connection()
    row = conn.execute(bump).first()
    if row is None:
        _create_head(session)
        row = conn.execute(bump).first()
    assert row is not None
    return str(row[0])


def _create_head(session: Session) -> None:
    """First append on an empty (or truncated) table: start the head from the last stored event."""
    last = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    head = AuditChainHead(
        id=_HEAD_ID,
        last_id=last.id if last else None,
        last_hash=last.hash if last else GENESIS_HASH,
    )
    if session.get_bind().dialect.name == "sqlite":
        session.add(head)  # the failed UPDATE already holds SQLite's single write lock
        session.flush()
        return
    try:
        with session.begin_nested():  # a concurrent first appender may win the insert
            session.add(head)
    except IntegrityError:
        pass


class AuditEntry(BaseModel):
    """One event for append_audit_many."""

    key: str
    actor: str
    action: str
    workflow_id: str | None = None
    nip: str | None = None
    before: Any = None
    after: Any = None
    at: datetime


def append_audit(
    session: Session,
    *,
    key: str,
    actor: str,
    action: str,
    workflow_id: str | None = None,
    nip: str | None = None,
    before: Any = None,
    after: Any = None,
    at: datetime,
) -> AuditEvent | None:
    """Append one event in the caller's transaction; None when `key` exists (a retried write).

    Appenders are serialised by the chain-head row until the caller commits, so the chain stays
    linear under concurrent writers. Needs READ COMMITTED (the default) on PostgreSQL.
    """
    _aware(at)
    # Core statements on the session's connection: this runs once per workflow step, and the
    # ORM unit of work costs more than the four statements themselves.
    conn = session.connection()
    events, heads = table_of(AuditEvent), table_of(AuditChainHead)
    exists = select(events.c.id).where(events.c.key == key)
    if conn.execute(exists).first() is not None:
        return None
    prev_hash = _bump_head(session)
    # Checked again under the lock: a concurrent appender of the same key may have just committed.
    if conn.execute(exists).first() is not None:
        return None
    entry = AuditEntry(key=key, actor=actor, action=action, workflow_id=workflow_id, nip=nip,
                       before=before, after=after, at=at)  # fmt: skip
    event = _chained(entry, prev_hash)
    values = event.model_dump(exclude={"id"})
    event.id = conn.execute(insert(events).values(**values).returning(events.c.id)).scalar_one()
    conn.execute(
        update(heads).where(heads.c.id == _HEAD_ID).values(last_id=event.id, last_hash=event.hash)
    )
    return event


def _aware(at: datetime) -> None:
    if at.utcoffset() is None:
        raise ValueError("audit time must be timezone-aware")


def _chained(e: AuditEntry, prev_hash: str) -> AuditEvent:
    """The event row for `e`, linked to `prev_hash` and hashed."""
    _aware(e.at)
    event = AuditEvent(
        key=e.key,
        # Microseconds are the precision both backends keep; the hash must match what reads back.
        at=e.at.astimezone(UTC),
        actor=e.actor,
        action=e.action,
        workflow_id=e.workflow_id,
        nip=e.nip,
        before=to_json_value(e.before),
        after=to_json_value(e.after),
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = _event_hash(event)
    return event


def append_audit_many(session: Session, entries: list[AuditEntry]) -> None:
    """Append events whose keys are new, in order, in the caller's transaction: the chain head is
    locked once and the rows go in as one insert (a duplicate key fails the caller's
    transaction with IntegrityError)."""
    if not entries:
        return
    conn = session.connection()
    events, heads = table_of(AuditEvent), table_of(AuditChainHead)
    prev_hash = _bump_head(session)
    rows = []
    for e in entries:
        event = _chained(e, prev_hash)
        prev_hash = event.hash
        rows.append(event.model_dump(exclude={"id"}))
    conn.execute(insert(events), rows)  # ids follow the list: executemany runs in order
    last_id = conn.execute(select(events.c.id).where(events.c.key == rows[-1]["key"])).scalar_one()
    conn.execute(
        update(heads).where(heads.c.id == _HEAD_ID).values(last_id=last_id, last_hash=prev_hash)
    )


def verify_chain(session: Session, *, batch: int = 1000) -> ChainReport:
    """Recompute every hash in id order and name the first row whose link is broken."""
    prev_hash = GENESIS_HASH
    checked = 0
    last_id: int | None = None
    # populate_existing: rows cached in this session must not hide what is really stored.
    stmt = (
        select(AuditEvent)
        .order_by(col(AuditEvent.id))
        .execution_options(yield_per=batch, populate_existing=True)
    )
    for ev in session.exec(stmt):
        checked += 1
        if ev.prev_hash != prev_hash:
            return ChainReport(
                ok=False,
                checked=checked,
                first_broken_id=ev.id,
                reason="prev_hash does not match the previous row (row removed or reordered)",
            )
        if _event_hash(ev) != ev.hash:
            return ChainReport(
                ok=False,
                checked=checked,
                first_broken_id=ev.id,
                reason="content does not match its hash (row modified)",
            )
        prev_hash, last_id = ev.hash, ev.id
    head = session.get(AuditChainHead, _HEAD_ID, populate_existing=True)
    if head is not None and (head.last_id != last_id or head.last_hash != prev_hash):
        return ChainReport(
            ok=False,
            checked=checked,
            first_broken_id=head.last_id,
            reason="chain head does not match the last row (rows removed from the end)",
        )
    return ChainReport(ok=True, checked=checked)


def audit_count(session: Session) -> int:
    """Number of audit events (cheap health/metrics figure)."""
    return session.exec(select(func.count()).select_from(AuditEvent)).one()

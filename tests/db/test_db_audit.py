"""Audit log: idempotent by key, hash chain verifies, tampering is located, concurrency is safe."""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session, col, func, select

from db.audit import append_audit, verify_chain
from db.engine import session_scope
from db.models import AuditEvent

T0 = datetime(2027, 1, 5, 8, 30, 15, 123456, tzinfo=UTC)


def _append(session: Session, key: str, **kw: Any) -> AuditEvent | None:
    args: dict[str, Any] = {
        "actor": "198609262015051001",
        "action": "skp.approve",
        "workflow_id": "appraisal-2027-198609262015051001",
        "nip": "198609262015051001",
        "before": {"status": "Diajukan"},
        "after": {"status": "Disetujui", "catatan": "Sesuai ✓", "skor": 1.5, "rows": [1, 2]},
        "at": T0,
    }
    args.update(kw)
    return append_audit(session, key=key, **args)


def test_same_key_twice_is_one_row(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert _append(s, "wf/step-1") is not None
    with session_scope(engine) as s:
        assert _append(s, "wf/step-1", actor="someone-else") is None
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(AuditEvent)).one() == 1


def test_chain_verifies(engine: Engine) -> None:
    for i in range(5):
        with session_scope(engine) as s:
            _append(s, f"wf/step-{i}", at=T0 + timedelta(minutes=i))
    with Session(engine) as s:
        report = verify_chain(s)
        events = s.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    assert report.ok, report
    assert report.checked == 5
    assert events[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert events[0].at == T0


def test_empty_chain_is_ok(engine: Engine) -> None:
    with Session(engine) as s:
        assert verify_chain(s).ok


def test_tampered_row_is_named(engine: Engine) -> None:
    with session_scope(engine) as s:
        ids = [_append(s, f"wf/{i}").id for i in range(4)]  # type: ignore[union-attr]
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'x' WHERE id = :id"), {"id": ids[2]})
    with Session(engine) as s:
        report = verify_chain(s)
    assert not report.ok
    assert report.first_broken_id == ids[2]
    assert "modified" in (report.reason or "")


def test_rehashed_tamper_breaks_next_link(engine: Engine) -> None:
    with session_scope(engine) as s:
        ids = [_append(s, f"wf/{i}").id for i in range(3)]  # type: ignore[union-attr]
    with engine.begin() as conn:
        forged = {"h": "f" * 64, "id": ids[1]}
        conn.execute(text("UPDATE audit_event SET hash = :h WHERE id = :id"), forged)
    with Session(engine) as s:
        report = verify_chain(s)
    # Row 2's own content no longer matches its (forged) hash: it is the first broken link.
    assert report.first_broken_id == ids[1]


def test_deleted_tail_is_detected(engine: Engine) -> None:
    with session_scope(engine) as s:
        ids = [_append(s, f"wf/{i}").id for i in range(3)]  # type: ignore[union-attr]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[2]})
    with Session(engine) as s:
        report = verify_chain(s)
    assert not report.ok
    assert "head" in (report.reason or "")


def test_deleted_middle_row_is_detected(engine: Engine) -> None:
    with session_scope(engine) as s:
        ids = [_append(s, f"wf/{i}").id for i in range(3)]  # type: ignore[union-attr]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[1]})
    with Session(engine) as s:
        report = verify_chain(s)
    assert report.first_broken_id == ids[2]


def test_concurrent_appenders_keep_a_valid_chain(engine: Engine) -> None:
    threads_n, per_thread = 6, 8
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def worker(t: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with session_scope(engine) as s:
                    # Every thread also retries key 0 of its neighbour: idempotent under races.
                    _append(s, f"wf-{t}/{i}", actor=f"t{t}")
                    _append(s, f"wf-{(t + 1) % threads_n}/0", actor=f"t{t}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with Session(engine) as s:
        report = verify_chain(s)
    assert report.ok, report
    assert report.checked == threads_n * per_thread

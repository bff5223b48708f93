"""Outbox delivery through a real local SMTP server and a real local webhook, exactly once."""

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, create_engine, update
from sqlmodel import Session, select

from activities.notify import OutboxDispatcher, SmtpChannel, WebhookChannel, make_channel
from db.engine import make_engine, migrate, session_scope
from db.models import CycleRecord, Employee, Notification, OrgUnit, Task
from db.models.base import table_of
from domain.enums import EmployeeType, JenisJabatan, Stage, TaskKind, TaskStatus, UnitKind

NIP = "198609262015051001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def outbox(engine: Engine) -> Engine:
    return seed_outbox(engine)


def seed_outbox(engine: Engine) -> Engine:
    """One employee with an e-mail address and three notices for them in the outbox."""
    with session_scope(engine) as s:
        s.add(OrgUnit(code="BKPP", name="Badan Kepegawaian", kind=UnitKind.BADAN))
        s.flush()
        s.add(
            Employee(
                nip=NIP,
                name="Siti Rahayu",
                unit_code="BKPP",
                position="Analis SDM",
                jenis_jabatan=JenisJabatan.FUNGSIONAL,
                employee_type=EmployeeType.PNS,
                email="siti@semarangkota.go.id",
            )
        )
        for n in range(3):
            s.add(
                Notification(
                    key=f"appraisal-2027-{NIP}/p{n}/0/{NIP}",
                    recipient_nip=NIP,
                    channel="smtp",
                    subject=f"Tugas baru {n}",
                    body="Silakan cek.",
                )
            )
    return engine


def test_smtp_delivers_each_message_once(outbox: Engine, smtp: tuple[Inbox, int]):
    inbox, port = smtp
    dispatcher = OutboxDispatcher(
        outbox, SmtpChannel("127.0.0.1", port, "kinerja@semarangkota.go.id")
    )
    assert dispatcher.deliver_batch() == 3
    assert dispatcher.deliver_batch() == 0  # nothing is sent twice
    assert len(inbox.messages) == 3
    assert {m.rcpt_tos[0] for m in inbox.messages} == {"siti@semarangkota.go.id"}
    assert b"Subject: Tugas baru 0" in inbox.messages[0].content
    with Session(outbox) as s:
        rows = s.exec(select(Notification)).all()
        assert all(r.delivered_at is not None and r.attempts == 1 for r in rows)


class WritesWhileSending:
    """A channel that, as each message goes out, has another connection write to the database
    with a short lock timeout: what a step write of the API does meanwhile."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.writes = engine, []

    def send(self, note: Notification, address: str | None) -> None:
        other = create_engine(self.engine.url, connect_args={"timeout": 0.2})
        try:
            with other.begin() as conn:
                conn.execute(update(table_of(Employee)).values(email=f"n{note.id}@x.go.id"))
            self.writes.append(note.id)
        finally:
            other.dispose()


def test_sending_a_batch_does_not_hold_the_database_for_other_writers(tmp_path: Path):
    """While the outbox sends a batch (an SMTP round trip per message), other writers go ahead:
    on SQLite the single write lock is taken only for the batch's flush after the sends. (On
    PostgreSQL the batch locks its rows, not the database: nothing to check there.)"""
    url = f"sqlite:///{tmp_path / 'kinerja.db'}"
    migrate(url)
    outbox = seed_outbox(make_engine(url))
    channel = WritesWhileSending(outbox)
    assert OutboxDispatcher(outbox, channel).deliver_batch() == 3
    assert len(channel.writes) == 3  # every send's write got the lock within 0.2 s
    with Session(outbox) as s:
        assert all(r.delivered_at is not None for r in s.exec(select(Notification)))
    outbox.dispose()


def test_smtp_down_retries_later_without_losing_messages(outbox: Engine):
    port = free_port()  # nobody listens yet
    dispatcher = OutboxDispatcher(outbox, SmtpChannel("127.0.0.1", port, "k@semarangkota.go.id"))
    assert dispatcher.deliver_batch() == 0
    with Session(outbox) as s:
        rows = s.exec(select(Notification)).all()
        assert all(r.delivered_at is None and r.attempts == 1 and r.last_error for r in rows)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert dispatcher.deliver_batch() == 3
    finally:
        controller.stop()
    assert len(inbox.messages) == 3


def test_webhook_posts_json_with_idempotency_key(outbox: Engine):
    received: list[tuple[str | None, dict[str, Any]]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Idempotency-Key"], json.loads(body)))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/wa"
        assert OutboxDispatcher(outbox, WebhookChannel(url)).deliver_batch() == 3
    finally:
        server.shutdown()
    keys = [k for k, _ in received]
    assert len(set(keys)) == 3
    assert all(k and k.startswith("appraisal-2027-") for k in keys)
    assert received[0][1]["to"] == NIP


def test_unknown_channel_is_a_configuration_error():
    with pytest.raises(ValueError, match="unknown notification channel"):
        make_channel("pigeon", smtp_host="", smtp_port=0, sender="", webhook_url="")
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        make_channel("webhook", smtp_host="", smtp_port=0, sender="", webhook_url="")


def test_notice_of_a_task_opened_ahead_waits_for_its_date(outbox: Engine, smtp: tuple[Inbox, int]):
    inbox, port = smtp
    with session_scope(outbox) as s:
        row = s.exec(select(Notification).where(Notification.subject == "Tugas baru 2")).one()
        row.deliver_after = datetime.now(UTC) + timedelta(days=10)
        s.add(row)
    dispatcher = OutboxDispatcher(outbox, SmtpChannel("127.0.0.1", port, "k@semarangkota.go.id"))
    assert dispatcher.deliver_batch() == 2
    assert dispatcher.deliver_batch() == 0  # held, not attempted
    with Session(outbox) as s:
        held = s.exec(select(Notification).where(Notification.subject == "Tugas baru 2")).one()
        assert (held.delivered_at, held.attempts) == (None, 0)
    with session_scope(outbox) as s:
        row = s.exec(select(Notification).where(Notification.subject == "Tugas baru 2")).one()
        row.deliver_after = datetime.now(UTC) - timedelta(seconds=1)
        s.add(row)
    assert dispatcher.deliver_batch() == 1
    assert [b"Subject: Tugas baru 2" in m.content for m in inbox.messages] == [False, False, True]


def test_reminder_written_ahead_is_sent_only_while_it_still_applies(
    outbox: Engine, smtp: tuple[Inbox, int]
):
    """A reminder goes to the outbox with the step that opens its task; at its time it is sent
    only if the task is still open, not escalated, due and assigned as it says, and the cycle is
    not paused. Otherwise it is dropped with the reason, and never sent later."""
    inbox, port = smtp
    due = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
    other = "197608022001042002"
    cases = {  # task id -> (task as it is now, the reason the reminder is dropped)
        "open": ({}, None),
        "done": ({"status": TaskStatus.COMPLETED}, "task_closed"),
        "escalated": ({"escalation_level": 1, "assignee_nip": other}, "task_escalated"),
        "extended": ({"due_at": due + timedelta(days=3)}, "due_moved"),
        "transferred": ({"assignee_nip": other}, "reassigned"),
        "paused": ({"workflow_id": "appraisal-2027-paused"}, "cycle_paused"),
    }
    with session_scope(outbox) as s:
        for row in s.exec(select(Notification)):
            s.delete(row)
        for wf, stage in (
            (f"appraisal-2027-{NIP}", Stage.PERENCANAAN),
            ("appraisal-2027-paused", Stage.DITANGGUHKAN),
        ):
            s.add(CycleRecord(workflow_id=wf, year=2027, nip=NIP, unit_code="BKPP", stage=stage))
        for name, (now, _) in cases.items():
            fields: dict[str, Any] = {
                "workflow_id": f"appraisal-2027-{NIP}",
                "assignee_nip": NIP,
                "due_at": due,
                **now,
            }
            s.add(
                Task(
                    id=f"{fields['workflow_id']}/{name}",
                    step=name,
                    kind=TaskKind.SKP_APPROVAL,
                    title=f"Tugas {name}",
                    subject_nip=NIP,
                    unit_code="BKPP",
                    **fields,
                )
            )
            s.add(
                Notification(
                    key=f"reminder/{name}",
                    recipient_nip=NIP,
                    channel="smtp",
                    subject=f"Pengingat: {name}",
                    body="Jatuh tempo 3 hari lagi.",
                    deliver_after=datetime.now(UTC) - timedelta(seconds=1),
                    task_id=f"{fields['workflow_id']}/{name}",
                    task_due_at=due,
                )
            )
    dispatcher = OutboxDispatcher(outbox, SmtpChannel("127.0.0.1", port, "k@semarangkota.go.id"))
    assert dispatcher.deliver_batch() == len(cases)  # one sent, the rest dropped
    assert dispatcher.deliver_batch() == 0
    assert [m.content.count(b"Subject: Pengingat: open") for m in inbox.messages] == [1]
    with Session(outbox) as s:
        rows = {r.key.removeprefix("reminder/"): r for r in s.exec(select(Notification))}
    assert {k: r.dropped_reason for k, r in rows.items()} == {k: c[1] for k, c in cases.items()}
    assert rows["open"].delivered_at is not None
    assert rows["open"].dropped_at is None
    dropped = [r for k, r in rows.items() if k != "open"]
    assert all(r.dropped_at and r.delivered_at is None and r.attempts == 0 for r in dropped)

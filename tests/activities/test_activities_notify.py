"""Outbox delivery through a real local SMTP server and a real local webhook, exactly once."""

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import Session, select

from activities.notify import OutboxDispatcher, SmtpChannel, WebhookChannel, make_channel
from db.engine import session_scope
from db.models import Employee, Notification, OrgUnit
from domain.enums import EmployeeType, JenisJabatan, UnitKind

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

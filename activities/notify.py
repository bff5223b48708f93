"""Notification delivery from the outbox: structured log, SMTP or a webhook (WhatsApp/SMS)."""

import asyncio
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Protocol

import httpx
import structlog
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from activities.background import repeat_batches
from db.engine import session_scope
from db.models import CycleRecord, Employee, Notification, Task
from db.models.base import as_utc
from domain.enums import Stage, TaskStatus

log = structlog.get_logger()
BATCH = 100
MAX_ATTEMPTS = 10


class Channel(Protocol):
    def send(self, note: Notification, address: str | None) -> None: ...


class LogChannel:
    """Default: the message is a structured log line (the embedded demo)."""

    def send(self, note: Notification, address: str | None) -> None:
        log.info("notification", to=note.recipient_nip, address=address, subject=note.subject)


class SmtpChannel:
    """E-mail through an SMTP relay; recipients without an address are skipped as delivered."""

    def __init__(self, host: str, port: int, sender: str) -> None:
        self.host, self.port, self.sender = host, port, sender

    def send(self, note: Notification, address: str | None) -> None:
        if not address:
            return
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, address, note.subject
        msg["Message-ID"] = f"<{note.key.replace('/', '.')}@kinerja>"  # lets receivers dedupe
        msg.set_content(note.body)
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            smtp.send_message(msg)


class WebhookChannel:
    """POST JSON to a gateway (WhatsApp/SMS); the outbox key is the idempotency key."""

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, note: Notification, address: str | None) -> None:
        resp = httpx.post(
            self.url,
            timeout=10,
            headers={"Idempotency-Key": note.key},
            json={
                "to": note.recipient_nip,
                "address": address,
                "subject": note.subject,
                "body": note.body,
            },
        )
        resp.raise_for_status()


class OutboxDispatcher:
    """Delivers pending outbox rows, each claimed under a row lock until it is marked delivered."""

    def __init__(self, engine: Engine, channel: Channel) -> None:
        self.engine = engine
        self.channel = channel
        # SQLite has one writer: keep its batches short so cycle steps are not held up.
        self.batch = 20 if engine.dialect.name == "sqlite" else BATCH

    async def run_forever(self, interval: float = 1.0) -> None:
        await repeat_batches(
            lambda: asyncio.to_thread(self.deliver_batch),
            full=self.batch,
            interval=interval,
            what="outbox delivery",
        )

    def deliver_batch(self) -> int:
        """Deliver (or drop) up to one batch of pending rows in one transaction; returns how many.

        A reminder written ahead (`task_id`) is sent only if it still applies (`stale_reason`);
        otherwise it is marked dropped with the reason and never sent.
        """
        done = 0
        with session_scope(self.engine) as s:
            q = (
                select(Notification)
                .where(
                    col(Notification.delivered_at).is_(None),
                    col(Notification.dropped_at).is_(None),
                    col(Notification.deliver_after) <= datetime.now(UTC),
                    col(Notification.attempts) < MAX_ATTEMPTS,
                )
                .order_by(col(Notification.deliver_after), col(Notification.id))
                .limit(self.batch)
            )
            if self.engine.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)  # several workers never share a row
            rows = list(s.exec(q))
            stale = self._stale(s, [r for r in rows if r.task_id])
            nips = {r.recipient_nip for r in rows if r.recipient_nip and r.id not in stale}
            emails = (
                {
                    e.nip: e.email
                    for e in s.exec(select(Employee).where(col(Employee.nip).in_(nips)))
                }
                if nips
                else {}
            )
            for row in rows:
                if row.id in stale:
                    row.dropped_at, row.dropped_reason = datetime.now(UTC), stale[row.id]
                    done += 1
                    s.add(row)
                    continue
                row.attempts += 1
                try:
                    self.channel.send(
                        row, row.recipient_address or emails.get(row.recipient_nip or "")
                    )
                except Exception as exc:
                    row.last_error = str(exc)[:2000]
                else:
                    row.delivered_at = datetime.now(UTC)
                    done += 1
                s.add(row)
            # One flush at the commit, after the sends. On SQLite the reads above take no lock,
            # so the database's single write lock is held for this flush alone, not across the
            # batch's sends (an SMTP round trip each): a flush per row held it from the first
            # row's on, and every step write of the API and the worker waited behind the sends.
            # On PostgreSQL the rows stay claimed by FOR UPDATE SKIP LOCKED until the commit.
        return done

    @staticmethod
    def _stale(s: Session, reminders: list[Notification]) -> dict[int | None, str]:
        """Reminders that no longer apply, by row id, with the reason."""
        if not reminders:
            return {}
        ids = {r.task_id for r in reminders}
        tasks = {t.id: t for t in s.exec(select(Task).where(col(Task.id).in_(ids)))}
        wf_ids = {t.workflow_id for t in tasks.values()}
        paused = set(
            s.exec(
                select(CycleRecord.workflow_id).where(
                    col(CycleRecord.workflow_id).in_(wf_ids),
                    col(CycleRecord.stage) == Stage.DITANGGUHKAN,
                )
            )
        )
        out: dict[int | None, str] = {}
        for r in reminders:
            reason = stale_reason(r, tasks.get(r.task_id or ""), paused)
            if reason:
                out[r.id] = reason
        return out


def stale_reason(note: Notification, task: Task | None, paused: set[str]) -> str | None:
    """Why a reminder written ahead no longer applies, or None when it is to be sent."""
    if task is None:
        return "task_missing"
    if task.status != TaskStatus.OPEN:
        return "task_closed"
    if task.escalation_level > 0:
        return "task_escalated"
    due, meant = task.due_at, note.task_due_at
    if due is None or meant is None or as_utc(due) != as_utc(meant):
        return "due_moved"
    if task.assignee_nip is not None and task.assignee_nip != note.recipient_nip:
        return "reassigned"
    if task.workflow_id in paused:
        return "cycle_paused"
    return None


def make_channel(
    kind: str, *, smtp_host: str, smtp_port: int, sender: str, webhook_url: str
) -> Channel:
    """The configured channel; unknown kinds are a configuration error at start-up."""
    if kind == "log":
        return LogChannel()
    if kind == "smtp":
        return SmtpChannel(smtp_host, smtp_port, sender)
    if kind == "webhook":
        if not webhook_url:
            raise ValueError("KINERJA_WEBHOOK_URL is required for the webhook channel")
        return WebhookChannel(webhook_url)
    raise ValueError(f"unknown notification channel {kind!r}: use log, smtp or webhook")

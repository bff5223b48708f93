"""Side records written by activities: notification outbox, training, citizen feedback."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Field, SQLModel

from db.models.base import enum_field, utcnow
from domain.enums import TrainingType

TRAINING_STATUSES = ("assigned", "reported", "verified", "cancelled")


class Notification(SQLModel, table=True):
    """Outbox row: written in the same transaction as the change, delivered later, at most once."""

    __tablename__ = "notification"
    # The dispatcher's search: neither delivered nor dropped, due by now, oldest first. Dropped
    # reminders stay undelivered for good, so an index without `dropped_at` made every batch
    # step over all of them (77,280 in the N=15,000 year of 2026-12-06, 40 % of the worker's CPU).
    __table_args__ = (
        Index("ix_notification_pending", "delivered_at", "dropped_at", "deliver_after"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=255)
    recipient_nip: str | None = Field(default=None, index=True, max_length=18)
    recipient_address: str | None = None
    channel: str = Field(default="log", max_length=20)
    subject: str
    body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    # Not delivered before this time: the notice of a task opened ahead of its date.
    deliver_after: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    # A deadline reminder written ahead with the task: sent only if the task is then still open,
    # not escalated, due at `task_due_at`, with this recipient, and its cycle is not paused;
    # otherwise dropped (`dropped_at`, `dropped_reason`), never sent.
    task_id: str | None = Field(default=None, index=True, max_length=200)
    task_due_at: datetime | None = None
    dropped_at: datetime | None = None
    dropped_reason: str | None = Field(default=None, max_length=40)


class TrainingRecord(SQLModel, table=True):
    """A competency-development assignment and its JP (status: see TRAINING_STATUSES)."""

    __tablename__ = "training_record"
    __table_args__ = (Index("ix_training_record_nip_year", "nip", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=255)
    nip: str = Field(max_length=18)
    year: int
    workflow_id: str | None = Field(default=None, max_length=100)
    training_type: TrainingType = enum_field(TrainingType)
    jp_planned: int = 0
    jp_earned: int = 0
    status: str = Field(default="assigned", max_length=16)
    due_at: datetime | None = None
    certificate_url: str | None = None
    reported_at: datetime | None = None
    verified_by: str | None = Field(default=None, max_length=64)
    verified_at: datetime | None = None


class CitizenFeedback(SQLModel, table=True):
    """Feedback on a service unit; reporter_contact is never shown to handlers."""

    __tablename__ = "citizen_feedback"
    __table_args__ = (CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(foreign_key="org_unit.code", index=True, max_length=64)
    employee_nip: str | None = Field(default=None, index=True, max_length=18)
    ticket: str | None = Field(default=None, max_length=64)
    rating: int
    text: str = Field(default="", sa_type=Text)
    reporter_contact: str | None = None
    # Hash of the client (IP + user agent), for rate limiting without storing who it was.
    client_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)

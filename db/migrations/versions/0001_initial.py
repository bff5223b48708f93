"""Initial schema: organisation, cycle read model, tasks, audit chain, outbox, accounts.

Revision ID: 0001
Revises:
Create Date: 2026-11-30 23:12:59.828350
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# JSONB on PostgreSQL, JSON (text) on SQLite; audit before/after stay plain JSON on purpose.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("appended", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("workflow_id", sa.String(length=100), nullable=True),
        sa.Column("nip", sa.String(length=18), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("key", name=op.f("uq_audit_event_key")),
    )
    op.create_index("ix_audit_event_nip", "audit_event", ["nip"], unique=False)
    op.create_index("ix_audit_event_workflow_id", "audit_event", ["workflow_id"], unique=False)

    op.create_table(
        "cycle",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("calendar_kind", sa.String(length=40), nullable=False),
        sa.Column("policy", JSON_TYPE, nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("compressed_minutes", sa.Float(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_cycle")),
    )
    op.create_table(
        "cycle_record",
        sa.Column("workflow_id", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("penilai_nip", sa.String(length=18), nullable=True),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("skp_status", sa.String(length=40), nullable=True),
        sa.Column("period_predikats", JSON_TYPE, nullable=False),
        sa.Column("annual_predikat", sa.String(length=40), nullable=True),
        sa.Column("tpp_share", sa.Integer(), nullable=True),
        sa.Column("follow_ups", JSON_TYPE, nullable=False),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("jp_earned", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("workflow_id", name=op.f("pk_cycle_record")),
    )
    op.create_index("ix_cycle_record_nip", "cycle_record", ["nip"], unique=False)
    op.create_index("ix_cycle_record_year_stage", "cycle_record", ["year", "stage"], unique=False)
    op.create_index(
        "ix_cycle_record_year_unit", "cycle_record", ["year", "unit_code"], unique=False
    )

    op.create_table(
        "history_archive",
        sa.Column("workflow_id", sa.String(length=100), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("history_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id", name=op.f("pk_history_archive")),
    )
    op.create_table(
        "idempotency_record",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("method_path", sa.String(length=255), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", JSON_TYPE, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_record")),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("recipient_nip", sa.String(length=18), nullable=True),
        sa.Column("recipient_address", sa.String(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("key", name=op.f("uq_notification_key")),
    )
    op.create_index(
        "ix_notification_pending", "notification", ["delivered_at", "created_at"], unique=False
    )
    op.create_index(
        "ix_notification_recipient_nip", "notification", ["recipient_nip"], unique=False
    )

    op.create_table(
        "org_unit",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("parent_code", sa.String(length=64), nullable=True),
        sa.Column("head_nip", sa.String(length=18), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["org_unit.code"], name=op.f("fk_org_unit_parent_code_org_unit")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_org_unit")),
    )
    op.create_index("ix_org_unit_parent_code", "org_unit", ["parent_code"], unique=False)

    op.create_table(
        "task",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("workflow_id", sa.String(length=100), nullable=False),
        sa.Column("step", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("assignee_nip", sa.String(length=18), nullable=True),
        sa.Column("assignee_role", sa.String(length=40), nullable=True),
        sa.Column("subject_nip", sa.String(length=18), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("period_index", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("context", JSON_TYPE, nullable=False),
        sa.Column("result", JSON_TYPE, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
        sa.UniqueConstraint("workflow_id", "step", name=op.f("uq_task_workflow_id_step")),
    )
    op.create_index("ix_task_inbox", "task", ["assignee_nip", "status", "due_at"], unique=False)
    op.create_index("ix_task_unit_status", "task", ["unit_code", "status"], unique=False)

    op.create_table(
        "training_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=100), nullable=True),
        sa.Column("training_type", sa.String(length=40), nullable=False),
        sa.Column("jp_planned", sa.Integer(), nullable=False),
        sa.Column("jp_earned", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("certificate_url", sa.String(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(length=64), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_record")),
        sa.UniqueConstraint("key", name=op.f("uq_training_record_key")),
    )
    op.create_index("ix_training_record_nip_year", "training_record", ["nip", "year"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=True),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("roles", JSON_TYPE, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_user_account")),
    )
    op.create_index("ix_user_account_nip", "user_account", ["nip"], unique=False)

    op.create_table(
        "citizen_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("employee_nip", sa.String(length=18), nullable=True),
        sa.Column("ticket", sa.String(length=64), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reporter_contact", sa.String(), nullable=True),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rating >= 1 AND rating <= 5", name=op.f("ck_citizen_feedback_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["org_unit.code"], name=op.f("fk_citizen_feedback_unit_code_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_feedback")),
    )
    op.create_index(
        "ix_citizen_feedback_employee_nip", "citizen_feedback", ["employee_nip"], unique=False
    )
    op.create_index(
        "ix_citizen_feedback_unit_code", "citizen_feedback", ["unit_code"], unique=False
    )

    op.create_table(
        "employee",
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("position", sa.String(), nullable=False),
        sa.Column("jenis_jabatan", sa.String(length=40), nullable=False),
        sa.Column("employee_type", sa.String(length=40), nullable=False),
        sa.Column("golongan", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("penilai_nip", sa.String(length=18), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("is_unit_head", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["penilai_nip"], ["employee.nip"], name=op.f("fk_employee_penilai_nip_employee")
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["org_unit.code"], name=op.f("fk_employee_unit_code_org_unit")
        ),
        sa.PrimaryKeyConstraint("nip", name=op.f("pk_employee")),
    )
    op.create_index("ix_employee_penilai_nip", "employee", ["penilai_nip"], unique=False)
    op.create_index("ix_employee_unit_code", "employee", ["unit_code"], unique=False)

    op.create_table(
        "unit_predikat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("org_predikat", sa.String(length=40), nullable=False),
        sa.Column("set_by", sa.String(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["org_unit.code"], name=op.f("fk_unit_predikat_unit_code_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_predikat")),
        sa.UniqueConstraint("year", "unit_code", name=op.f("uq_unit_predikat_year_unit_code")),
    )
    op.create_table(
        "employee_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.String(), nullable=True),
        sa.Column("new_value", sa.String(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nip"], ["employee.nip"], name=op.f("fk_employee_change_nip_employee")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_change")),
    )
    op.create_index("ix_employee_change_nip", "employee_change", ["nip"], unique=False)


def downgrade() -> None:
    op.drop_table("employee_change")
    op.drop_table("unit_predikat")
    op.drop_table("employee")
    op.drop_table("citizen_feedback")
    op.drop_table("user_account")
    op.drop_table("training_record")
    op.drop_table("task")
    op.drop_table("org_unit")
    op.drop_table("notification")
    op.drop_table("idempotency_record")
    op.drop_table("history_archive")
    op.drop_table("cycle_record")
    op.drop_table("cycle")
    op.drop_table("audit_event")
    op.drop_table("audit_chain_head")

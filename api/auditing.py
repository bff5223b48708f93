"""Audit events for the changes the API makes itself (workflows audit their own decisions)."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from api.deps import Principal
from db.audit import append_audit


def audit_change(
    session: Session,
    principal: Principal | str,
    action: str,
    *,
    nip: str | None = None,
    workflow_id: str | None = None,
    before: Any = None,
    after: Any = None,
    key: str | None = None,
) -> None:
    """Append who/what/when/before/after in the caller's transaction."""
    actor = principal if isinstance(principal, str) else principal.username
    append_audit(
        session,
        key=key or f"api/{action}/{uuid.uuid4().hex}",
        actor=actor,
        action=action,
        workflow_id=workflow_id,
        nip=nip,
        before=before,
        after=after,
        at=datetime.now(UTC),
    )

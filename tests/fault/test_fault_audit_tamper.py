"""An audit row changed or removed by hand: GET /audit/log/verify names the first broken link."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fault_harness import Tokens
from sqlalchemy import Engine, text

from api.main import create_app
from api.temporal import TemporalGateway
from db.audit import append_audit
from db.engine import session_scope
from db.models import User
from settings import Settings

pytestmark = pytest.mark.fault


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    tokens = Tokens()
    with session_scope(engine) as s:
        s.add(User(username="bkpp", nip=None, password_hash="!", roles=["auditor", "bkpp"]))
    settings = Settings(var_dir=tmp_path, jwt_secret=tokens.settings.jwt_secret)
    app = create_app(settings, engine=engine, temporal=TemporalGateway())
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers.update(tokens(None))
        yield client


def _events(engine: Engine, n: int) -> list[int]:
    at = datetime(2031, 1, 1, tzinfo=UTC)
    ids = []
    for i in range(n):
        with session_scope(engine) as s:
            ev = append_audit(
                s, key=f"wf-{i}/step", actor="system", action="step", workflow_id=f"wf-{i}",
                before=None, after={"stage": "berjalan", "i": i}, at=at + timedelta(minutes=i),
            )  # fmt: skip
            assert ev is not None
            s.flush()
            ids.append(int(ev.id or 0))
    return ids


def test_a_changed_row_is_named(api: TestClient, engine: Engine) -> None:
    ids = _events(engine, 12)
    assert api.get("/audit/log/verify").json() == {
        "ok": True, "checked": 12, "first_broken_id": None, "reason": None,
    }  # fmt: skip
    with engine.begin() as c:  # someone with database access "corrects" a decision
        c.execute(text("UPDATE audit_event SET actor = 'admin' WHERE id = :id"), {"id": ids[4]})
        c.execute(text("UPDATE audit_event SET action = 'x' WHERE id = :id"), {"id": ids[9]})
    r = api.get("/audit/log/verify")
    assert r.status_code == 200
    report = r.json()
    assert report["ok"] is False
    assert report["first_broken_id"] == ids[4]  # the first one, not the later
    assert "modified" in report["reason"]
    assert report["checked"] == 5


def test_a_removed_row_is_named(api: TestClient, engine: Engine) -> None:
    ids = _events(engine, 6)
    with engine.begin() as c:
        c.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[2]})
    report = api.get("/audit/log/verify").json()
    assert report["ok"] is False
    assert report["first_broken_id"] == ids[3]  # the row whose link points at the missing one
    assert "removed" in report["reason"]
    with engine.begin() as c:
        c.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[5]})
        c.execute(text("DELETE FROM audit_event WHERE id < :id"), {"id": ids[3]})
    # Rows removed from the start and the end: the head no longer matches.
    report = api.get("/audit/log/verify").json()
    assert report["ok"] is False

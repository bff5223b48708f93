"""Fixtures for API tests: a migrated SQLite database with the test organisation, an app, tokens."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from api_orgdata import USERS, seed_org  # noqa: E402

from api.main import create_app  # noqa: E402
from api.security import mint_token  # noqa: E402
from api.temporal import TemporalGateway  # noqa: E402
from db.engine import make_engine, migrate, session_scope  # noqa: E402
from settings import Settings  # noqa: E402


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path, jwt_secret="test-secret-test-secret-test-secret!")


@pytest.fixture
def engine(engine: Engine) -> Engine:
    """The shared fixture's emptied database (SQLite and PostgreSQL), with the test organisation."""
    with session_scope(engine) as session:
        seed_org(session)
    return engine


@pytest.fixture
def sqlite_engine(settings: Settings) -> Iterator[Engine]:
    """A private SQLite database with the test organisation (for the fuzz run, one backend)."""
    url = settings.resolved_database_url
    migrate(url)
    eng = make_engine(url)
    with session_scope(eng) as session:
        seed_org(session)
    yield eng
    eng.dispose()


@pytest.fixture
def gateway() -> TemporalGateway:
    """No Temporal: actions answer 503 (tests needing a workflow use the stand-in environment)."""
    return TemporalGateway()


@pytest.fixture
def client(settings: Settings, engine: Engine, gateway: TemporalGateway) -> Iterator[TestClient]:
    app = create_app(settings, engine=engine, temporal=gateway)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def tokens(settings: Settings) -> dict[str, str]:
    """A bearer header value per test user."""
    return {
        name: mint_token(settings, username=name, nip=nip, roles=frozenset(roles))
        for name, (nip, roles) in USERS.items()
    }


@pytest.fixture
def auth(tokens: dict[str, str]):
    """`auth("bkpp")` -> headers for that user."""
    return lambda name: {"Authorization": f"Bearer {tokens[name]}"}

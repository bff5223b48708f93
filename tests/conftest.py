"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, emptied between tests."""

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

ROOT = Path(__file__).resolve().parent.parent
# The project is not installed into the venv; make `import db`, `import domain` work anyway.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from db.engine import make_engine, migrate  # noqa: E402

PG_HOST = os.environ.get("KINERJA_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("KINERJA_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("KINERJA_TEST_PG_USER", "postgres")
PG_MAINTENANCE_DB = os.environ.get("KINERJA_TEST_PG_DB", "test")


def _pg_admin_connect() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_MAINTENANCE_DB,
        autocommit=True, connect_timeout=3,
    )  # fmt: skip


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh, uniquely named database for this session (others test on the same server)."""
    try:
        admin = _pg_admin_connect()
    except Exception as exc:
        if os.environ.get("KINERJA_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL required (KINERJA_REQUIRE_PG) but unreachable: {exc}")
        pytest.skip(f"PostgreSQL at {PG_HOST}:{PG_PORT} unreachable: {exc}")
    name = f"kinerja_t_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with _pg_admin_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL per backend; PostgreSQL is skipped only if unreachable and KINERJA_REQUIRE_PG unset."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'kinerja.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


@pytest.fixture(scope="session")
def migrated_engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated once per session and backend."""
    migrate(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def truncate_all(engine: Engine) -> None:
    """Empty every application table (keeps the schema and alembic_version)."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        for table in tables:
            conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The migrated engine, emptied before the test."""
    truncate_all(migrated_engine)
    return migrated_engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the emptied database; the test commits what it wants to keep."""
    with Session(engine, expire_on_commit=False) as s:
        yield s

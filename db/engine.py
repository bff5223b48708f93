"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL (production)."""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

DB_DIR = Path(__file__).resolve().parent
# Arbitrary constant: the advisory lock that lets only one process migrate at a time.
_MIGRATE_LOCK_ID = 0x4B494E45  # "KINE"
PG_CONNECT_TIMEOUT_S = 5


def normalize_url(url: str) -> URL:
    """Parse a database URL; plain postgres:// or postgresql:// URLs get the psycopg 3 driver."""
    u = make_url(url)
    if u.drivername in ("postgres", "postgresql"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def _is_memory(u: URL) -> bool:
    return u.database in (None, "", ":memory:")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside the one writer; NORMAL is durable enough under WAL.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


# Sized above the worker's 16 activity threads and the 20 concurrent API clients of the bench;
# the default 5 + 10 ran out. Requests never hold a connection while a workflow decides.
POOL: dict[str, Any] = {"pool_size": 10, "max_overflow": 30, "pool_timeout": 10}


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine: SQLite in WAL mode with foreign keys on, or PostgreSQL through psycopg 3."""
    u = normalize_url(url)
    if u.get_backend_name() == "sqlite":
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if _is_memory(u):
            # One shared connection, or every new connection would see an empty database.
            kwargs["poolclass"] = StaticPool
        else:
            Path(str(u.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs.update(POOL)
        engine = create_engine(u, echo=echo, pool_pre_ping=True, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A bounded connect: an unreachable server fails a request in seconds instead of hanging it.
    return create_engine(
        u,
        echo=echo,
        pool_pre_ping=True,
        connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S},
        **POOL,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (they are handed to API responses)."""
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One session, one transaction: committed on success, rolled back on any exception."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def alembic_config() -> Config:
    """The alembic configuration shipped inside the db package."""
    cfg = Config(str(DB_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(DB_DIR / "migrations"))
    return cfg


@contextmanager
def _sqlite_file_lock(u: URL) -> Iterator[None]:
    if _is_memory(u):
        yield
        return
    lock_path = Path(str(u.database)).expanduser().with_suffix(".migrate.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database to `revision`; safe when API and worker start at the same time."""
    u = normalize_url(url)
    cfg = alembic_config()
    engine = make_engine(url)
    try:
        if u.get_backend_name() == "sqlite":
            with _sqlite_file_lock(u), engine.connect() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                conn.commit()
        else:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATE_LOCK_ID})
                conn.commit()
                try:
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, revision)
                    conn.commit()
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATE_LOCK_ID})
                    conn.commit()
    finally:
        engine.dispose()


def database_version(engine: Engine) -> str:
    """The server's name and version, e.g. "PostgreSQL 15.20" or "SQLite 3.45.1"."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return f"SQLite {conn.execute(text('SELECT sqlite_version()')).scalar_one()}"
        if engine.dialect.name == "postgresql":
            return f"PostgreSQL {conn.execute(text('SHOW server_version')).scalar_one()}"
        info = engine.dialect.server_version_info or ()
        return f"{engine.dialect.name} {'.'.join(str(p) for p in info)}"

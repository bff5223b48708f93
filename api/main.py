"""The FastAPI app factory; clients and engines are built in the lifespan, never at import."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from sqlalchemy import Engine

from activities.storage import StorageActivities
from api.bodylimit import BodySizeLimit
from api.errors import install_error_handlers
from api.ratelimit import TokenBucket
from api.routers import audit, auth, cycles, health, hr, me, org, public, tasks
from api.temporal import TemporalGateway
from api.timing import RequestClock
from api.web import install_web
from db.engine import make_engine
from infra.logging import configure_logging
from infra.temporal import connect
from settings import Settings, get_settings

log = structlog.get_logger()

DESCRIPTION = """Kinerja: the ASN performance year of Kota Semarang as durable workflows.

Every error is JSON `{"code", "message", "field"?}`. A record outside the caller's data scope
answers 403; an unknown id answers 404."""


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    temporal: TemporalGateway | None = None,
) -> FastAPI:
    """Build the app; `engine` and `temporal` may be injected (tests), otherwise made at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cfg: Settings = settings or get_settings()
        if settings is None:  # the server process: process-wide settings (not in tests)
            configure_logging(level=cfg.log_level, json=cfg.log_json)
        app.state.settings = cfg
        own_engine = engine is None
        app.state.engine = engine or make_engine(cfg.resolved_database_url)
        app.state.temporal = temporal or TemporalGateway(
            lambda: connect(cfg.temporal_address, cfg.temporal_namespace)
        )
        # Writes the steps a completion's update returns (STEPS_RETURNED_BY_UPDATE).
        app.state.step_writer = StorageActivities(app.state.engine, cfg.notify_channel)
        app.state.feedback_limiter = TokenBucket(capacity=5, refill_per_second=5 / 60)
        if settings is None:
            tune_gc(cfg.api_gc_thresholds)
        log.info("api started", temporal=cfg.temporal_address)
        try:
            yield
        finally:
            if own_engine:
                app.state.engine.dispose()

    app = FastAPI(
        title="Kinerja API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestClock)  # outermost: Server-Timing's "before" starts here
    for module in (health, auth, org, hr, cycles, tasks, me, audit, public):
        app.include_router(module.router)
    install_web(app)  # the web pages (HTML) and /static; API routes keep their JSON errors
    return app


def tune_gc(thresholds: tuple[int, int, int]) -> None:
    """Fewer, cheaper collections for the serving process. What was loaded at start (FastAPI,
    SQLAlchemy, pydantic and our models: a few hundred thousand objects) is frozen out of every
    collection, and young collections run less often (each promotes survivors)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)


app = create_app()

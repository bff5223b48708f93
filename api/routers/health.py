"""GET /health: are Temporal and the database reachable, and which versions answer."""

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine

from api.errors import ApiError
from api.temporal import TemporalGateway
from db.engine import database_version

router = APIRouter(tags=["health"])


class DependencyHealth(BaseModel):
    """One dependency: up or down, with its version or the reason."""

    status: Literal["up", "down"]
    version: str | None = None
    error: str | None = None


class HealthPublic(BaseModel):
    """Overall status: "ok" only when every dependency is up."""

    status: Literal["ok", "degraded"]
    api_version: str
    temporal: DependencyHealth
    database: DependencyHealth


async def _temporal(gateway: TemporalGateway) -> DependencyHealth:
    try:
        return DependencyHealth(status="up", version=await gateway.server_version())
    except ApiError as exc:
        return DependencyHealth(status="down", error=exc.message)


async def _database(engine: Engine) -> DependencyHealth:
    try:
        version = await asyncio.wait_for(asyncio.to_thread(database_version, engine), 5)
    except Exception as exc:  # reported, never raised: this is what /health is for
        return DependencyHealth(status="down", error=type(exc).__name__)
    return DependencyHealth(status="up", version=version)


@router.get(
    "/health",
    summary="Health of the API, Temporal and the database",
    response_model=HealthPublic,
    responses={503: {"model": HealthPublic, "description": "A dependency is down"}},
)
async def health(request: Request) -> JSONResponse:
    """200 when Temporal and the database answer, 503 otherwise; versions included."""
    temporal, database = await asyncio.gather(
        _temporal(request.app.state.temporal), _database(request.app.state.engine)
    )
    up = temporal.status == "up" and database.status == "up"
    body = HealthPublic(
        status="ok" if up else "degraded",
        api_version=request.app.version,
        temporal=temporal,
        database=database,
    )
    return JSONResponse(body.model_dump(), status_code=200 if up else 503)

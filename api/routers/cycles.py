"""BKPP: open a year, launch its workflows, watch progress, export decisions for payroll."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from api import export
from api.auditing import audit_change
from api.authz import read_scope, require_roles
from api.deps import CurrentUser, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError, nested_validation_error, not_found
from api.launch import LaunchResult, launch_cycles, launch_progress
from api.schemas.common import ERRORS
from api.schemas.cycles import CycleCreate, CyclePublic, CyclesPublic
from api.schemas.hr import LaunchCreate, ProgressCell, ProgressPublic
from db.models import Cycle, CycleRecord
from domain.enums import Role
from domain.policy import Policy

router = APIRouter(prefix="/cycles", tags=["hr"], responses=ERRORS)

HR = (Role.BKPP, Role.ADMIN)
Year = Annotated[int, Path(ge=2000, le=2200)]


def _get_cycle(session: Session, year: int) -> Cycle:
    cycle = session.get(Cycle, year)
    if cycle is None:
        raise not_found(f"siklus {year}")
    return cycle


@router.post("", summary="Open a performance year", response_model=CyclePublic, status_code=201)
def create_cycle(body: CycleCreate, session: SessionDep, principal: CurrentUser) -> CyclePublic:
    """Calendar kind, policy overrides (validated against Policy) and optional demo compression."""
    require_roles(principal, *HR)
    try:
        Policy.model_validate({**body.policy, "calendar_kind": body.calendar_kind})
    except ValidationError as exc:
        raise nested_validation_error(exc, "policy") from exc
    if session.get(Cycle, body.year) is not None:
        raise ApiError(409, "conflict", f"siklus {body.year} sudah dibuka", field="year")
    cycle = Cycle(
        year=body.year,
        calendar_kind=body.calendar_kind,
        policy=body.policy,
        compressed_minutes=body.compressed_minutes,
        opened_by=principal.username,
    )
    session.add(cycle)
    audit_change(session, principal, "cycle_opened", after=body.model_dump(mode="json"))
    session.commit()
    return CyclePublic.model_validate(cycle)


@router.get("", summary="List performance years", response_model=CyclesPublic)
def list_cycles(session: SessionDep, _: CurrentUser) -> CyclesPublic:
    """Every opened year, newest first."""
    rows = session.exec(select(Cycle).order_by(col(Cycle.year).desc())).all()
    return CyclesPublic(data=[CyclePublic.model_validate(c) for c in rows], count=len(rows))


@router.post("/{year}/launch", summary="Start the employees' cycles", response_model=LaunchResult)
async def launch(
    year: Year,
    body: LaunchCreate,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> LaunchResult:
    """One employee, a list, a unit (with sub-units) or everyone; a repeated start is skipped."""
    require_roles(principal, *HR)
    cycle = _get_cycle(session, year)
    if body.calendar_lead_minutes and cycle.compressed_minutes is None:
        raise ApiError(
            422,
            "validation_failed",
            "hanya untuk tahun yang dipadatkan (compressed_minutes)",
            field="calendar_lead_minutes",
        )
    if sum([body.nips is not None, body.unit_code is not None, body.everyone]) != 1:
        raise ApiError(
            422,
            "validation_failed",
            "pilih salah satu: nips, unit_code atau everyone",
            field="nips",
        )
    client = await temporal.client()
    engine = request.app.state.engine
    result = await launch_cycles(
        client,
        lambda: Session(engine, expire_on_commit=False),
        year=year,
        task_queue=settings.task_queue,
        now=datetime.now(UTC),
        calendar_lead=timedelta(minutes=body.calendar_lead_minutes),
        nips=body.nips,
        unit_code=body.unit_code,
    )
    audit_change(
        session,
        principal,
        "cycles_launched",
        after={
            "launch_id": result.launch_id,
            "year": year,
            "selection": body.model_dump(),
            "started": result.started,
            "skipped": result.skipped,
            "failed": len(result.failed),
        },
    )
    session.commit()
    return result


@router.get(
    "/{year}/launches/{launch_id}",
    summary="Progress of a launch",
    response_model=LaunchResult,
)
async def launch_status(
    year: Year,
    launch_id: Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9._-]+$")],
    principal: CurrentUser,
    temporal: TemporalDep,
) -> LaunchResult:
    """Counters of the durable launcher: selected, started, exempt, skipped, failed with reasons."""
    require_roles(principal, *HR)
    result = await launch_progress(await temporal.client(), year, launch_id)
    if result is None:
        raise not_found(f"peluncuran {launch_id}")
    return result


@router.get(
    "/{year}/progress",
    summary="Progress of a year by stage and unit",
    response_model=ProgressPublic,
)
def progress(year: Year, session: SessionDep, principal: CurrentUser) -> ProgressPublic:
    """Counts of employee-years by stage and by (unit, stage), within the caller's scope."""
    _get_cycle(session, year)
    scope = read_scope(session, principal)
    stmt = (
        select(CycleRecord.unit_code, CycleRecord.stage, func.count())
        .where(CycleRecord.year == year)
        .where(scope.where(col(CycleRecord.nip), col(CycleRecord.unit_code)))
        .group_by(col(CycleRecord.unit_code), col(CycleRecord.stage))
        .order_by(col(CycleRecord.unit_code), col(CycleRecord.stage))
    )
    cells = [ProgressCell(unit_code=u, stage=str(s), count=n) for u, s, n in session.exec(stmt)]
    by_stage: dict[str, int] = {}
    for c in cells:
        by_stage[c.stage] = by_stage.get(c.stage, 0) + c.count
    return ProgressPublic(year=year, total=sum(by_stage.values()), by_stage=by_stage, by_unit=cells)


def _export_rows(session: Session, principal: CurrentUser, year: int) -> list[dict[str, object]]:
    require_roles(principal, Role.BKPP, Role.ADMIN, Role.AUDITOR)
    _get_cycle(session, year)
    return export.decision_rows(session, year)


@router.get(
    "/{year}/export.csv",
    summary="The year's decisions for payroll (CSV)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(year: Year, session: SessionDep, principal: CurrentUser) -> Response:
    """nip, nama, unit, predikat, tpp_share, follow_ups, approved."""
    body = export.to_csv(_export_rows(session, principal, year))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="kinerja-{year}.csv"'},
    )


@router.get(
    "/{year}/export.xlsx",
    summary="The year's decisions for payroll (XLSX)",
    response_class=Response,
    responses={200: {"content": {export.XLSX_TYPE: {}}}},
)
def export_xlsx(year: Year, session: SessionDep, principal: CurrentUser) -> Response:
    """The same rows as the CSV, as a workbook."""
    body = export.to_xlsx(_export_rows(session, principal, year), year)
    return Response(
        body,
        media_type=export.XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="kinerja-{year}.xlsx"'},
    )

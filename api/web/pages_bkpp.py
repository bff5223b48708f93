"""BKPP dashboard: progress, distribution curve, overdue work, launches and exports."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.web.charts import distribution_svg
from api.web.client import ApiCallError, call, get_json, send_json
from api.web.dashboard_data import figures, top_units
from api.web.render import STAGE_LABELS, page
from api.web.session import Csrf, PageUser, WebUser

router = APIRouter(include_in_schema=False)
Year = Annotated[int, Path(ge=2000, le=2200)]


async def _dashboard(
    request: Request, user: WebUser, year: int | None, *, error: str | None = None,
    notice: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    cycles = (await get_json(request, "/cycles", user))["data"]
    years = [c["year"] for c in cycles]
    if year is None and years:
        year = years[0]
    progress: dict[str, Any] | None = None
    opds = []
    with Session(request.app.state.engine) as session:
        _, opd_names = top_units(session)
        if year in years:
            progress = await get_json(request, f"/cycles/{year}/progress", user)
            assert year is not None
            opds = figures(session, user.principal, year)
    for f in opds:
        org = f.org_predikat
        title = f"Distribusi predikat {f.name}" + (f" (unit {org.value})" if org else "")
        f.svg = distribution_svg(f.predikat, org, title)
    return page(
        request,
        "dashboard.html",
        user,
        status_code=status_code,
        year=year,
        years=years,
        progress=progress,
        opds=opds,
        opd_names=sorted(opd_names.items(), key=lambda kv: kv[1]),
        stages=STAGE_LABELS,
        error=error,
        notice=notice,
    )


@router.get("/dasbor", response_class=HTMLResponse)
async def dashboard(
    request: Request, user: PageUser, tahun: Annotated[int | None, Query(ge=2000, le=2200)] = None
) -> Response:
    """The year's dashboard (the newest opened year by default)."""
    return await _dashboard(request, user, tahun)


@router.post("/dasbor/tahun", response_class=HTMLResponse, dependencies=[Csrf])
async def open_year(
    request: Request,
    user: PageUser,
    year: Annotated[int, Form(ge=2000, le=2200)],
    calendar_kind: Annotated[str, Form(max_length=20)] = "quarterly",
    compressed_minutes: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """POST /cycles: open a performance year (optionally compressed, for demos)."""
    body: dict[str, Any] = {"year": year, "calendar_kind": calendar_kind}
    if compressed_minutes.strip():
        body["compressed_minutes"] = compressed_minutes.strip()
    try:
        await send_json(request, "POST", "/cycles", user, body)
    except ApiCallError as exc:
        return await _dashboard(request, user, None, error=exc.message, status_code=exc.status)
    return RedirectResponse(f"/dasbor?tahun={year}", status_code=303)


@router.post("/dasbor/{year}/luncurkan", response_class=HTMLResponse, dependencies=[Csrf])
async def launch(
    year: Year,
    request: Request,
    user: PageUser,
    sasaran: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """POST /cycles/{year}/launch for a unit or the whole city, then poll its progress."""
    body: dict[str, Any] = {"everyone": True} if sasaran == "*" else {"unit_code": sasaran}
    resp = await call(request, "POST", f"/cycles/{year}/launch", user, json=body)
    if resp.status_code >= 400:
        message = resp.json().get("message", "peluncuran gagal")
        return page(request, "_launch.html", user, status_code=200, year=year, error=message,
                    launch=None, live=None, sasaran=sasaran, recorded=None)  # fmt: skip
    result = resp.json()
    return await _launch_fragment(request, user, year, result, sasaran)


def _count_recorded(progress: dict[str, Any], units: set[str] | None) -> int:
    return sum(c["count"] for c in progress["by_unit"] if units is None or c["unit_code"] in units)


async def _launch_fragment(
    request: Request, user: WebUser, year: int, result: dict[str, Any], sasaran: str
) -> Response:
    """Live progress: the durable launcher's progress route when there is one, else the result."""
    launch_id = str(result.get("launch_id", ""))
    live: dict[str, Any] | None = None
    if launch_id:
        resp = await call(request, "GET", f"/cycles/{year}/launches/{launch_id}", user)
        if resp.status_code == 200:
            live = resp.json()
    merged = {**result, **(live or {})}
    failed = merged.get("failed", 0)
    skipped = merged.get("skipped")
    if skipped is None:
        skipped = int(merged.get("skipped_running", 0)) + int(merged.get("skipped_ended", 0))
    total = merged.get("total") or merged.get("selected") or 0
    started = int(merged.get("started", 0))
    nfailed = len(failed) if isinstance(failed, list) else int(failed or 0)
    nfailed = int(merged.get("failed_count", nfailed))  # the launcher keeps only the first reasons
    handled = started + int(skipped) + nfailed
    done = bool(merged.get("done", live is None or handled >= int(total or 0)))
    units: set[str] | None = None
    with Session(request.app.state.engine) as session:
        top, _ = top_units(session)
        if sasaran and sasaran != "*":
            units = {u for u, t in top.items() if t == sasaran or u == sasaran}
    progress = await get_json(request, f"/cycles/{year}/progress", user)
    recorded = _count_recorded(progress, units)
    view = {
        "launch_id": launch_id,
        "total": int(total or 0),
        "started": started,
        "skipped": int(skipped),
        "failed": nfailed,
        "failures": failed if isinstance(failed, list) else merged.get("failures", []),
        "handled": handled,
        "done": done,
        # Launched workflows write their read model as they start: the honest "arrived" count.
        "settled": done and recorded >= started + int(skipped),
        "source": "launcher" if live is not None else "launch",
    }
    return page(request, "_launch.html", user, year=year, error=None, launch=view, live=live,
                sasaran=sasaran, recorded=recorded)  # fmt: skip


@router.get("/dasbor/{year}/peluncuran", response_class=HTMLResponse)
async def launch_progress(
    year: Year,
    request: Request,
    user: PageUser,
    launch_id: Annotated[str, Query(max_length=100)] = "",
    sasaran: Annotated[str, Query(max_length=64)] = "",
    started: Annotated[int, Query(ge=0)] = 0,
    skipped: Annotated[int, Query(ge=0)] = 0,
    failed: Annotated[int, Query(ge=0)] = 0,
    total: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The htmx poll of a launch's progress."""
    result = {"launch_id": launch_id, "started": started, "skipped": skipped,
              "failed": failed, "selected": total}  # fmt: skip
    return await _launch_fragment(request, user, year, result, sasaran)


async def _export(request: Request, user: WebUser, year: int, ext: str) -> Response:
    resp = await call(request, "GET", f"/cycles/{year}/export.{ext}", user)
    if resp.status_code >= 400:
        raise ApiCallError(resp.status_code, resp.json())
    headers = {k: v for k, v in resp.headers.items() if k.lower() == "content-disposition"}
    return Response(resp.content, media_type=resp.headers.get("content-type"), headers=headers)


@router.get("/dasbor/{year}/ekspor.csv")
async def export_csv(year: Year, request: Request, user: PageUser) -> Response:
    """GET /cycles/{year}/export.csv with the session's token."""
    return await _export(request, user, year, "csv")


@router.get("/dasbor/{year}/ekspor.xlsx")
async def export_xlsx(year: Year, request: Request, user: PageUser) -> Response:
    """GET /cycles/{year}/export.xlsx with the session's token."""
    return await _export(request, user, year, "xlsx")

"""Pemeriksaan (Inspektorat): search cycles, a cycle's decision timeline, history, chain state."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.web.client import ApiCallError, call, get_json
from api.web.pages_tasks import names
from api.web.render import STAGE_LABELS, page
from api.web.session import PageUser
from domain.enums import Predikat

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Query(max_length=64)]


@router.get("/pemeriksaan", response_class=HTMLResponse)
async def search(
    request: Request,
    user: PageUser,
    tahun: Text = "",
    unit: Text = "",
    tahap: Text = "",
    predikat: Text = "",
    nip: Text = "",
    halaman: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """GET /audit/cycles with the filters, and GET /audit/log/verify for the chain."""
    params = {"year": tahun, "unit": unit, "stage": tahap, "predikat": predikat, "nip": nip,
              "page": halaman, "size": 50}  # fmt: skip
    data = await get_json(request, "/audit/cycles", user, **params)
    chain = await get_json(request, "/audit/log/verify", user)
    return page(
        request,
        "audit.html",
        user,
        rows=data["data"],
        count=data["count"],
        chain=chain,
        names=names(request, {r["nip"] for r in data["data"]}),
        q={"tahun": tahun, "unit": unit, "tahap": tahap, "predikat": predikat, "nip": nip},
        stages=STAGE_LABELS,
        predikats=[p.value for p in Predikat],
        halaman=halaman,
    )


@router.get("/pemeriksaan/siklus/{workflow_id}", response_class=HTMLResponse)
async def timeline(workflow_id: str, request: Request, user: PageUser) -> Response:
    """The decisions of one cycle in plain words (api.trail), oldest first."""
    trail = await get_json(request, f"/audit/cycles/{workflow_id}/trail", user)
    found = await get_json(request, "/audit/cycles", user, nip=workflow_id.rsplit("-", 1)[-1])
    record = next((r for r in found["data"] if r["workflow_id"] == workflow_id), None)
    who = names(request, {record["nip"]}) if record else {}
    return page(request, "timeline.html", user, workflow_id=workflow_id, entries=trail["data"],
                reminders=trail.get("reminders", []), record=record, names=who)  # fmt: skip


@router.get("/pemeriksaan/siklus/{workflow_id}/riwayat.json")
async def history(workflow_id: str, request: Request, user: PageUser) -> Response:
    """GET /audit/cycles/{id}/history: the full Temporal event history as a download."""
    resp = await call(request, "GET", f"/audit/cycles/{workflow_id}/history", user)
    if resp.status_code >= 400:
        raise ApiCallError(resp.status_code, resp.json())
    keep = ("content-disposition", "x-history-source")
    headers = {k: v for k, v in resp.headers.items() if k.lower() in keep}
    return Response(resp.content, media_type="application/json", headers=headers)

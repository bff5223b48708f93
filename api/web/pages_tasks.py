"""Tugas saya: the inbox, and one form per task kind that completes the task through the API."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.web.client import ApiCallError, call, checked, get_json
from api.web.forms import BERAKHLAK_KEYS, payload_from_form
from api.web.render import KIND_LABELS, page, parse_dt
from api.web.session import CSRF_FIELD, PageUser, WebUser, check_csrf
from db.models import Employee
from domain.enums import Aspek, BerAKHLAK, JenisRHK, Pendekatan, Perspektif, Rating, TaskKind
from domain.predikat import PREDIKAT_MATRIX, hasil_kerja_allowed, perilaku_from_values
from domain.skp import default_perilaku

router = APIRouter(include_in_schema=False)


def names(request: Request, nips: set[str]) -> dict[str, str]:
    """Display names for NIPs the page already may show (the API returned them)."""
    if not nips:
        return {}
    with Session(request.app.state.engine) as s:
        rows = s.exec(select(Employee.nip, Employee.name).where(col(Employee.nip).in_(nips)))
        return dict(rows.all())


@router.get("/tugas", response_class=HTMLResponse)
async def inbox(
    request: Request,
    user: PageUser,
    jenis: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(max_length=20)] = "open",
    terlambat: Annotated[str, Query(max_length=5)] = "",
    lingkup: Annotated[str, Query(max_length=10)] = "inbox",
    halaman: Annotated[int, Query(ge=1, le=10_000)] = 1,
    selesai: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    """Due first; overdue rows highlighted; filters by kind, status, overdue and scope."""
    now = datetime.now(UTC)
    params: dict[str, Any] = {
        "scope": "all" if lingkup == "all" else "inbox",
        "kind": jenis if jenis in {k.value for k in TaskKind} else None,
        "status": status if status in ("open", "completed", "cancelled") else None,
        "due_before": now.isoformat() if terlambat else None,
        "page": halaman,
        "size": 50,
    }
    data = await get_json(request, "/tasks", user, **params)
    tasks = data["data"]
    for t in tasks:
        due = parse_dt(t.get("due_at"))
        t["overdue"] = t["status"] == "open" and due is not None and due < now
    return page(
        request,
        "tasks.html",
        user,
        tasks=tasks,
        count=data["count"],
        names=names(request, {t["subject_nip"] for t in tasks}),
        kinds=KIND_LABELS,
        filters={"jenis": jenis, "status": status, "terlambat": terlambat, "lingkup": lingkup},
        halaman=halaman,
        selesai=selesai,
    )


def _year(task: dict[str, Any]) -> int:
    # Workflow ids are business keys: appraisal-{year}-{nip} or training-{year}-{nip}-{n}.
    parts = str(task["workflow_id"]).split("-")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else datetime.now(UTC).year


async def _jenis_jabatan(request: Request, user: WebUser, nip: str) -> str:
    try:
        emp = await get_json(request, f"/employees/{nip}", user)
        return str(emp.get("jenis_jabatan", ""))
    except ApiCallError:
        return ""


def _skp_for_editor(task: dict[str, Any], submitted: dict[str, Any] | None) -> dict[str, Any]:
    if submitted is not None:
        return submitted
    ctx = task.get("context") or {}
    skp = ctx.get("skp") or {}
    if not skp:
        empty_ind = {"iki": "", "aspek": "Kuantitas", "target": {}}
        skp = {"pendekatan": "Kuantitatif", "hasil_kerja": [
            {"jenis": "Utama", "rhk_atasan": "", "rhk": "", "indikator": [empty_ind]}
        ]}  # fmt: skip
    given = {p.get("value"): p.get("ekspektasi_khusus") for p in skp.get("perilaku") or []}
    # Official BerAKHLAK order: the form names the fields by position.
    skp = {**skp, "perilaku": [
        {"value": p.value.value, "ekspektasi_khusus": given.get(p.value.value)}
        for p in default_perilaku()
    ]}  # fmt: skip
    return dict(skp)


async def _render_task(
    request: Request,
    user: WebUser,
    task: dict[str, Any],
    *,
    error: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    submitted_skp: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    kind = TaskKind(task["kind"])
    jenis = ""
    if kind is TaskKind.SKP_DRAFT:
        jenis = await _jenis_jabatan(request, user, task["subject_nip"])
    due = parse_dt(task.get("due_at"))
    return page(
        request,
        "task.html",
        user,
        status_code=status_code,
        task=task,
        ctx=task.get("context") or {},
        kind=kind.value,
        overdue=task["status"] == "open" and due is not None and due < datetime.now(UTC),
        error=error,
        form=form or {},
        skp=_skp_for_editor(task, submitted_skp) if kind is TaskKind.SKP_DRAFT else None,
        jenis_jabatan=jenis,
        is_jpt=jenis.startswith("JPT"),
        idem=uuid.uuid4().hex,
        ratings=[r.value for r in Rating],
        berakhlak=[(v.value, BERAKHLAK_KEYS[v]) for v in BerAKHLAK],
        aspek=[a.value for a in Aspek],
        jenis_rhk=[j.value for j in JenisRHK],
        perspektif=[p.value for p in Perspektif],
        pendekatan=[p.value for p in Pendekatan],
        matrix={f"{h}|{p}": v.value for (h, p), v in PREDIKAT_MATRIX.items()},
    )


@router.get("/tugas/{task_id:path}", response_class=HTMLResponse)
async def task_page(task_id: str, request: Request, user: PageUser) -> Response:
    """The task with its context and the form to decide it; 403 page for someone else's task."""
    task = await get_json(request, f"/tasks/{quote(task_id)}", user)
    return await _render_task(request, user, task)


@router.post("/tugas/{task_id:path}", response_class=HTMLResponse)
async def submit_task(task_id: str, request: Request, user: PageUser) -> Response:
    """Complete the task via POST /tasks/{id}/complete; errors are shown on the same form."""
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    check_csrf(request, form.get(CSRF_FIELD, ""))
    task = await get_json(request, f"/tasks/{quote(task_id)}", user)
    kind = TaskKind(task["kind"])
    jenis = await _jenis_jabatan(request, user, task["subject_nip"])
    payload = payload_from_form(
        kind,
        form,
        nip=task["subject_nip"],
        year=_year(task),
        period=task.get("period_index"),
        jenis_jabatan=jenis,
    )
    # The form's one-time key makes a double click (or a resend) one completion, not two.
    headers = {"Idempotency-Key": f"web-{form.get('idem', '')}"} if form.get("idem") else {}
    resp = await call(
        request,
        "POST",
        f"/tasks/{quote(task_id)}/complete",
        user,
        json={"payload": payload},
        headers=headers,
    )
    try:
        result = checked(resp)
    except ApiCallError as exc:
        error = {"status": exc.status, "message": exc.message, "field": exc.field}
        skp = payload["skp"] if kind is TaskKind.SKP_DRAFT else None
        return await _render_task(
            request, user, task, error=error, form=form, submitted_skp=skp,
            status_code=exc.status if exc.status < 500 else 502,
        )  # fmt: skip
    message = f"{KIND_LABELS[kind]} terkirim. {result.get('message', '')}".strip()
    return RedirectResponse(f"/tugas?selesai={quote(message)}", status_code=303)


@router.get("/pratinjau-predikat", response_class=HTMLResponse)
def preview_predikat(
    request: Request,
    _: PageUser,
    hasil_kerja: Annotated[str, Query(max_length=40)] = "",
    perilaku: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The predicate of the chosen ratings (domain.predikat), before anything is submitted."""
    values = {v: request.query_params.get(k, "") for v, k in BERAKHLAK_KEYS.items()}
    chosen = {v: Rating(r) for v, r in values.items() if r in {x.value for x in Rating}}
    suggested = perilaku_from_values(chosen).value if len(chosen) == len(BerAKHLAK) else None
    utama = [
        Rating(v)
        for k, v in request.query_params.items()
        if k.startswith("utama_") and v in {x.value for x in Rating}
    ]
    valid = {x.value for x in Rating}
    predikat = None
    if hasil_kerja in valid and perilaku in valid:
        predikat = PREDIKAT_MATRIX[(Rating(hasil_kerja), Rating(perilaku))].value
    blocked = hasil_kerja in valid and not hasil_kerja_allowed(Rating(hasil_kerja), utama)
    return page(
        request,
        "_predikat.html",
        None,
        predikat=predikat,
        suggested=suggested,
        blocked=blocked,
    )

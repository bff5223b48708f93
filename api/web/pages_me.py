"""Hasil saya: the employee's years, results through the year, and filing an objection."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.web.client import ApiCallError, get_json, send_json
from api.web.render import page
from api.web.session import Csrf, PageUser

router = APIRouter(include_in_schema=False)
Year = Annotated[int, Path(ge=2000, le=2200)]


@router.get("/saya", response_class=HTMLResponse)
async def my_years(request: Request, user: PageUser) -> Response:
    """Every year of my cycles; the newest opens directly when there is one."""
    if user.principal.nip is None:
        return page(request, "me.html", user, cycles=[], detail=None, year=None, error=None,
                    reasons="", notice="Akun ini tidak terhubung dengan NIP pegawai.")  # fmt: skip
    data = await get_json(request, "/me/cycles", user)
    cycles = data["data"]
    if cycles:
        return RedirectResponse(f"/saya/{cycles[0]['year']}", status_code=303)
    return page(request, "me.html", user, cycles=[], detail=None, year=None, error=None,
                reasons="", notice="Belum ada siklus kinerja untuk Anda.")  # fmt: skip


async def _render(
    request: Request, user: PageUser, year: int, error: str | None = None, reasons: str = "",
    notice: str | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    cycles = (await get_json(request, "/me/cycles", user))["data"]
    detail = await get_json(request, f"/me/cycles/{year}", user)
    return page(request, "me.html", user, status_code=status_code, cycles=cycles, detail=detail,
                year=year, error=error, reasons=reasons, notice=notice)  # fmt: skip


@router.get("/saya/{year}", response_class=HTMLResponse)
async def my_year(year: Year, request: Request, user: PageUser, pesan: str = "") -> Response:
    """Stage, SKP status, period and annual results, incentive, JP and the year's tasks."""
    return await _render(request, user, year, notice=pesan or None)


@router.post("/saya/{year}/keberatan", response_class=HTMLResponse, dependencies=[Csrf])
async def file_objection(
    year: Year,
    request: Request,
    user: PageUser,
    reasons: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """POST /me/cycles/{year}/objection; the workflow checks the 14-day window."""
    try:
        ack = await send_json(
            request, "POST", f"/me/cycles/{year}/objection", user, {"reasons": reasons}
        )
    except ApiCallError as exc:
        return await _render(request, user, year, error=exc.message, reasons=reasons,
                             status_code=exc.status if exc.status < 500 else 502)  # fmt: skip
    return RedirectResponse(f"/saya/{year}?pesan={quote(ack['message'])}", status_code=303)

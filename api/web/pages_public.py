"""Layanan publik (no login): feedback about a unit and each unit's published summary."""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.web.charts import rating_svg
from api.web.client import ApiCallError, get_json, send_json
from api.web.render import page
from api.web.session import Csrf, MaybeUser
from db.models import OrgUnit

router = APIRouter(include_in_schema=False)
# No control characters: the code goes into the URL of the API call behind the page (NUL: 500).
Code = Annotated[str, Path(max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]


def _units(request: Request) -> list[tuple[str, str]]:
    # Unit names are public (the city publishes its organisation); nothing personal here.
    with Session(request.app.state.engine) as s:
        rows = s.exec(select(OrgUnit.code, OrgUnit.name).order_by(col(OrgUnit.name))).all()
        return [(c, n) for c, n in rows]


@router.get("/publik", response_class=HTMLResponse)
def units(request: Request, user: MaybeUser) -> Response:
    """Every unit, each with its summary and feedback form."""
    return page(request, "public_units.html", user, units=_units(request))


async def _render(
    request: Request, user: MaybeUser, code: str, *, error: str | None = None,
    notice: str | None = None, form: dict[str, str] | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    summary = await get_json(request, f"/public/units/{code}/feedback-summary")
    name = dict(_units(request)).get(code, code)
    chart = rating_svg(summary["distribution"], f"Sebaran nilai masukan untuk {name}")
    return page(request, "public_unit.html", user, status_code=status_code, code=code, name=name,
                summary=summary, chart=chart, error=error, notice=notice,
                form=form or {})  # fmt: skip


@router.get("/publik/unit/{code}", response_class=HTMLResponse)
async def unit(code: Code, request: Request, user: MaybeUser, terkirim: str = "") -> Response:
    """GET /public/units/{code}/feedback-summary, and the feedback form."""
    notice = "Terima kasih, masukan Anda telah diterima." if terkirim else None
    return await _render(request, user, code, notice=notice)


@router.post("/publik/unit/{code}", response_class=HTMLResponse, dependencies=[Csrf])
async def send_feedback(
    code: Code,
    request: Request,
    user: MaybeUser,
    rating: Annotated[str, Form(max_length=2)] = "",
    text: Annotated[str, Form(max_length=4000)] = "",
    ticket: Annotated[str, Form(max_length=64)] = "",
    contact: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """POST /public/feedback (rate-limited per client by the API)."""
    body = {
        "unit_code": code,
        "rating": int(rating) if rating.isdigit() else rating,
        "text": text,
        "ticket": ticket or None,
        "contact": contact or None,
    }
    try:
        await send_json(request, "POST", "/public/feedback", None, body)
    except ApiCallError as exc:
        form = {"rating": rating, "text": text, "ticket": ticket, "contact": contact}
        return await _render(request, user, code, error=exc.message, form=form,
                             status_code=exc.status)  # fmt: skip
    return RedirectResponse(f"/publik/unit/{code}?terkirim=1", status_code=303)

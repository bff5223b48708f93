"""Citizens (no login): feedback about a service unit, and published aggregates."""

import hashlib
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select

from api.auditing import audit_change
from api.deps import SessionDep
from api.errors import ApiError, not_found
from api.ratelimit import TokenBucket
from db.models import CitizenFeedback, Employee, OrgUnit

router = APIRouter(prefix="/public", tags=["public"])


class FeedbackCreate(BaseModel):
    """Feedback on a unit; the contact is kept from handlers and never published."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "unit_code": "DISDUKCAPIL",
                    "ticket": "LS-2027-000123",
                    "rating": 4,
                    "text": "Pelayanan KTP cepat, antrean tertib.",
                    "contact": "08123456789",
                }
            ]
        },
    )

    unit_code: str = Field(min_length=1, max_length=64)
    ticket: str | None = Field(default=None, max_length=64)
    employee_nip: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    rating: int = Field(ge=1, le=5)
    text: str = Field(default="", max_length=4000)
    contact: str | None = Field(default=None, max_length=200)


class FeedbackAck(BaseModel):
    """Receipt of the feedback (no personal data echoed)."""

    id: int
    message: str


class MonthSummary(BaseModel):
    month: str
    count: int
    average: float


class FeedbackSummary(BaseModel):
    """Aggregates only: no text, no reporter."""

    unit_code: str
    count: int
    average: float | None
    distribution: dict[str, int]
    by_month: list[MonthSummary]


def _client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/feedback",
    summary="Send feedback about a service unit",
    response_model=FeedbackAck,
    status_code=201,
    responses={429: {"description": "Too many submissions"}},
)
def submit_feedback(body: FeedbackCreate, request: Request, session: SessionDep) -> FeedbackAck:
    """Rate-limited per client; the reporter's contact is stored for follow-up only."""
    limiter: TokenBucket = request.app.state.feedback_limiter
    wait = limiter.take(_client_key(request))
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            "terlalu banyak kiriman; coba lagi nanti",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    if session.get(OrgUnit, body.unit_code) is None:
        raise ApiError(422, "validation_failed", "unit tidak dikenal", field="unit_code")
    if body.employee_nip is not None and session.get(Employee, body.employee_nip) is None:
        raise ApiError(422, "validation_failed", "pegawai tidak dikenal", field="employee_nip")
    secret = request.app.state.settings.jwt_secret
    ua = request.headers.get("user-agent", "")
    digest = hashlib.sha256(f"{secret}|{_client_key(request)}|{ua}".encode()).hexdigest()
    row = CitizenFeedback(
        unit_code=body.unit_code,
        employee_nip=body.employee_nip,
        ticket=body.ticket,
        rating=body.rating,
        text=body.text,
        reporter_contact=body.contact,
        client_hash=digest,
    )
    session.add(row)
    session.flush()
    audit_change(
        session,
        "public",
        "citizen_feedback_received",
        nip=body.employee_nip,
        after={"id": row.id, "unit_code": body.unit_code, "rating": body.rating},
    )
    session.commit()
    assert row.id is not None
    return FeedbackAck(id=row.id, message="terima kasih, masukan Anda telah diterima")


@router.get(
    "/units/{code}/feedback-summary",
    summary="Published feedback aggregates of a unit",
    response_model=FeedbackSummary,
)
def feedback_summary(
    code: Annotated[str, Path(max_length=64)],
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2200)] = None,
) -> FeedbackSummary:
    """Count, average, distribution by rating and by month; nothing personal."""
    if session.get(OrgUnit, code) is None:
        raise not_found("unit")
    rows = session.exec(
        select(CitizenFeedback.rating, CitizenFeedback.created_at).where(
            CitizenFeedback.unit_code == code
        )
    ).all()
    rows = [(r, at) for r, at in rows if year is None or at.year == year]
    dist = {str(i): 0 for i in range(1, 6)}
    months: dict[str, list[int]] = {}
    for rating, at in rows:
        dist[str(rating)] += 1
        months.setdefault(f"{at:%Y-%m}", []).append(rating)
    by_month = [
        MonthSummary(month=m, count=len(v), average=round(sum(v) / len(v), 2))
        for m, v in sorted(months.items())
    ]
    average = round(sum(r for r, _ in rows) / len(rows), 2) if rows else None
    return FeedbackSummary(
        unit_code=code, count=len(rows), average=average, distribution=dist, by_month=by_month
    )

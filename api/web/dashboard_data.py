"""Read-only figures of the BKPP dashboard that the JSON API does not aggregate itself.

Scoped with the API's own rules (api.authz.read_scope / task_read_filter); no rule is added.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.authz import read_scope, task_read_filter
from api.deps import Principal
from db.models import CycleRecord, OrgUnit, Task, UnitPredikat
from domain.distribution import DistributionViolation, check_distribution
from domain.enums import OrgPredikat, Predikat, TaskStatus


@dataclass
class OpdFigures:
    """One OPD (top-level unit): stage counts, predikat counts, curve check, overdue tasks."""

    code: str
    name: str
    total: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    predikat: dict[Predikat, int] = field(default_factory=dict)
    provisional: int = 0  # counted from the latest period while the annual result is pending
    org_predikat: OrgPredikat | None = None
    violations: list[DistributionViolation] = field(default_factory=list)
    overdue: int = 0
    svg: str = ""


def top_units(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """unit code -> its top-level unit (OPD or kecamatan), and top code -> name."""
    units = {u.code: u for u in session.exec(select(OrgUnit)).all()}
    top: dict[str, str] = {}
    for code in units:
        cur, seen = code, set()
        while units[cur].parent_code in units and cur not in seen:
            seen.add(cur)
            cur = units[cur].parent_code or cur
        top[code] = cur
    names = {c: units[c].name for c in set(top.values())}
    return top, names


def _latest(period_predikats: Any) -> Predikat | None:
    if isinstance(period_predikats, dict) and period_predikats:
        last = max(period_predikats, key=lambda k: int(k) if str(k).isdigit() else 0)
        value = period_predikats[last]
    elif isinstance(period_predikats, list) and period_predikats:
        # Rows of {"period": n, "predikat": "..."} in period order (activities/storage.py).
        last = period_predikats[-1]
        value = last.get("predikat") if isinstance(last, dict) else last
    else:
        return None
    try:
        return Predikat(value)
    except ValueError:
        return None


def figures(session: Session, principal: Principal, year: int) -> list[OpdFigures]:
    """Per OPD in the caller's scope, for `year`."""
    top, names = top_units(session)
    opds: dict[str, OpdFigures] = {}
    scope = read_scope(session, principal)
    recs = session.exec(
        select(CycleRecord)
        .where(CycleRecord.year == year)
        .where(scope.where(col(CycleRecord.nip), col(CycleRecord.unit_code)))
    ).all()
    for rec in recs:
        code = top.get(rec.unit_code, rec.unit_code)
        f = opds.setdefault(code, OpdFigures(code, names.get(code, code)))
        f.total += 1
        f.by_stage[rec.stage.value] = f.by_stage.get(rec.stage.value, 0) + 1
        pred = rec.annual_predikat or _latest(rec.period_predikats)
        if pred is not None:
            f.predikat[pred] = f.predikat.get(pred, 0) + 1
            f.provisional += rec.annual_predikat is None
    orgs = session.exec(select(UnitPredikat).where(UnitPredikat.year == year)).all()
    for row in orgs:
        if row.unit_code in opds:
            opds[row.unit_code].org_predikat = row.org_predikat
    overdue = session.exec(
        select(Task.unit_code, func.count())
        .where(Task.status == TaskStatus.OPEN, col(Task.due_at) < datetime.now(UTC))
        .where(col(Task.workflow_id).like(f"%-{year}-%"))
        .where(task_read_filter(session, principal))
        .group_by(col(Task.unit_code))
    ).all()
    for unit, n in overdue:
        code = top.get(unit, unit)
        opds.setdefault(code, OpdFigures(code, names.get(code, code))).overdue += n
    for f in opds.values():
        if f.org_predikat is not None:
            f.violations = check_distribution(f.org_predikat, f.predikat)
    return sorted(opds.values(), key=lambda f: f.name)

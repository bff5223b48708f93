"""The year's decisions for payroll, as rows, CSV and XLSX."""

import csv
import io
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session, col, select

from db.models import CycleRecord, Employee, Task
from domain.enums import TaskKind, TaskStatus

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ("nip", "nama", "unit", "predikat", "tpp_share", "follow_ups", "approved")


def decision_rows(session: Session, year: int) -> list[dict[str, Any]]:
    """One row per employee-year; `approved` once BKPP approved the incentive decision."""
    approvals: dict[str, bool] = {}
    tasks = select(Task.workflow_id, Task.result).where(
        Task.kind == TaskKind.INCENTIVE_APPROVAL,
        Task.status == TaskStatus.COMPLETED,
        col(Task.workflow_id).like(f"appraisal-{year}-%"),
    )
    for wf, result in session.exec(tasks).all():
        approvals[wf] = bool((result or {}).get("approve", True))
    stmt = (
        select(CycleRecord, Employee.name)
        .join(Employee, col(Employee.nip) == col(CycleRecord.nip), isouter=True)
        .where(CycleRecord.year == year)
        .order_by(col(CycleRecord.unit_code), col(CycleRecord.nip))
    )
    return [
        {
            "nip": rec.nip,
            "nama": name or "",
            "unit": rec.unit_code,
            "predikat": rec.annual_predikat.value if rec.annual_predikat else "",
            "tpp_share": rec.tpp_share if rec.tpp_share is not None else "",
            "follow_ups": ";".join(rec.follow_ups or []),
            "approved": approvals.get(rec.workflow_id, False),
        }
        for rec, name in session.exec(stmt).all()
    ]


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 CSV with a BOM so spreadsheet programs read the names right."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _safe(v) for k, v in row.items()})
    return ("\ufeff" + buf.getvalue()).encode()


def to_xlsx(rows: list[dict[str, Any]], year: int) -> bytes:
    """An XLSX workbook with one sheet of decisions."""
    wb = Workbook()
    ws = wb.active
    ws.title = f"Keputusan {year}"
    ws.append(list(COLUMNS))
    for row in rows:
        ws.append([_safe(row[c]) for c in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _safe(value: Any) -> Any:
    # Spreadsheet formula injection: a cell text starting with = + - @ is neutralised.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value

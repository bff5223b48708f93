"""Jinja2 environment, Bahasa Indonesia labels and the page renderer."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.web.session import WebUser, csrf_token, persist_csrf
from db.models.base import as_utc
from domain.calendar import MONTH_NAMES, WIB
from domain.enums import Role, Stage, TaskKind

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))

STAGE_LABELS = {
    Stage.PERENCANAAN: "Perencanaan",
    Stage.PELAKSANAAN: "Pelaksanaan",
    Stage.PENILAIAN_PERIODIK: "Penilaian periodik",
    Stage.PENILAIAN_TAHUNAN: "Penilaian tahunan",
    Stage.KEBERATAN: "Masa keberatan",
    Stage.TINDAK_LANJUT: "Tindak lanjut",
    Stage.DITANGGUHKAN: "Ditangguhkan",
    Stage.SELESAI: "Selesai",
    Stage.DIHENTIKAN: "Dihentikan",
}
KIND_LABELS = {
    TaskKind.SKP_DRAFT: "Penyusunan SKP",
    TaskKind.SKP_APPROVAL: "Persetujuan SKP",
    TaskKind.REALISATION: "Laporan realisasi",
    TaskKind.PERIOD_RATING: "Penilaian periodik",
    TaskKind.ANNUAL_RATING: "Penilaian tahunan",
    TaskKind.TRAINING_COMPLETION: "Penyelesaian pelatihan",
    TaskKind.TRAINING_VERIFICATION: "Verifikasi pelatihan",
    TaskKind.OBJECTION_DECISION: "Keputusan keberatan",
    TaskKind.INCENTIVE_APPROVAL: "Persetujuan insentif (TPP)",
}
ROLE_LABELS = {
    Role.PEGAWAI: "Pegawai",
    Role.PENILAI: "Pejabat Penilai",
    Role.BKPP: "Pengelola Kinerja BKPP",
    Role.KEPALA_OPD: "Kepala OPD",
    Role.AUDITOR: "Inspektorat (auditor)",
    Role.ADMIN: "Administrator",
}


def parse_dt(value: Any) -> datetime | None:
    """An ISO string or datetime as an aware datetime (UTC assumed when naive)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return as_utc(value)


def tanggal(value: Any, with_time: bool = True) -> str:
    """E.g. "12 Maret 2027 10.15 WIB"; "-" when empty."""
    dt = parse_dt(value)
    if dt is None:
        return "-"
    local = dt.astimezone(WIB)
    day = f"{local.day} {MONTH_NAMES[local.month - 1]} {local.year}"
    return f"{day} {local:%H.%M} WIB" if with_time else day


def future(value: Any) -> bool:
    """`{% if t.visible_from is future %}`: a time still ahead (a task written ahead)."""
    dt = parse_dt(value)
    return dt is not None and dt > datetime.now(UTC)


def angka(value: Any) -> str:
    """A number the Indonesian way: 90 not 90.0, 2,5 not 2.5; anything else as text."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value).replace(".", ",")
    return str(value)


def _label(table: dict[Any, str]) -> Any:
    def label(value: Any) -> str:
        try:
            return table.get(type(next(iter(table)))(value), str(value))
        except ValueError:
            return str(value)

    return label


TEMPLATES.env.filters["tanggal"] = tanggal
TEMPLATES.env.filters["angka"] = angka
TEMPLATES.env.filters["tahap"] = _label(STAGE_LABELS)
TEMPLATES.env.filters["jenis_tugas"] = _label(KIND_LABELS)
TEMPLATES.env.filters["peran"] = _label(ROLE_LABELS)
TEMPLATES.env.tests["future"] = future
TEMPLATES.env.filters["zip_self"] = lambda xs: [(x, x) for x in xs]


def page(
    request: Request,
    template: str,
    user: WebUser | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page with the user, the CSRF token and the clock; sets the CSRF cookie if new."""
    ctx = {
        "user": user,
        "csrf": csrf_token(request),
        "now": datetime.now(UTC),
        "Role": Role,
        **context,
    }
    response = TEMPLATES.TemplateResponse(request, template, ctx, status_code=status_code)
    persist_csrf(request, response)
    return response

"""A cycle's decision trail in plain Bahasa Indonesia, from its audit events."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from db.models import AuditEvent
from domain.calendar import MONTH_NAMES, WIB

PHRASES = {
    "cycle_started": "memulai siklus kinerja tahunan (dan meminta pegawai menyusun SKP)",
    "skp_draft_requested": "meminta pegawai menyusun SKP",
    "skp_submitted": "mengajukan SKP untuk disetujui",
    "skp_approved": "menyetujui SKP",
    "skp_returned": "mengembalikan SKP untuk diperbaiki",
    "realisation_requested": "meminta laporan realisasi periode",
    "realisation_reported": "melaporkan realisasi beserta bukti dukung",
    "period_rated": "memberikan penilaian periodik",
    "annual_rating_requested": "meminta penilaian tahunan",
    "annual_rated": "memberikan penilaian tahunan",
    "objection_filed": "mengajukan keberatan atas hasil penilaian",
    "objection_decided": "memutuskan keberatan (final)",
    "incentive_proposed": "mengusulkan keputusan TPP dan tindak lanjut",
    "incentive_decided": "memutuskan TPP dan tindak lanjut",
    "training_assigned": "menugaskan pengembangan kompetensi",
    "training_reported": "melaporkan penyelesaian pelatihan",
    "training_verified": "memverifikasi pelatihan",
    "training_rejected": "menolak laporan pelatihan",
    "task_escalated": "mengalihkan tugas yang lewat tenggat ke atasan",
    "reminder_sent": "mengirim pengingat tenggat",
    "deadline_extended": "memperpanjang tenggat",
    "employee_transferred": "mencatat mutasi pegawai",
    "status_changed": "mengubah status kepegawaian",
    "employee_status_changed": "mengubah status kepegawaian di data induk",
    "cycle_ended": "menghentikan siklus sebelum waktunya",
    "cycle_closed": "memutuskan TPP dan tindak lanjut; siklus ditutup",
}
_DETAIL_KEYS = ("predikat", "annual_predikat", "stage", "reason", "note", "days", "status")


class TrailEntry(BaseModel):
    """One decision: when, who, what, and the sentence that says it."""

    at: datetime
    actor: str
    action: str
    sentence: str


def _detail(after: Any) -> str:
    if not isinstance(after, dict):
        return ""
    inner = after.get("details") if isinstance(after.get("details"), dict) else after
    parts = [f"{k}: {inner[k]}" for k in _DETAIL_KEYS if isinstance(inner, dict) and inner.get(k)]
    return f" ({'; '.join(str(p) for p in parts)})" if parts else ""


def sentence(event: AuditEvent) -> str:
    """E.g. "12 Maret 2027 10.15 WIB — penilai_a memberikan penilaian periodik (predikat: Baik)"."""
    local = event.at.astimezone(WIB)
    when = f"{local.day} {MONTH_NAMES[local.month - 1]} {local.year} {local:%H.%M} WIB"
    who = "Sistem" if event.actor in ("system", "") else event.actor
    what = PHRASES.get(event.action, event.action.replace("_", " "))
    return f"{when} — {who} {what}{_detail(event.after)}"


def trail(events: list[AuditEvent]) -> list[TrailEntry]:
    """Entries in the order the decisions were made."""
    return [
        TrailEntry(at=e.at, actor=e.actor, action=e.action, sentence=sentence(e)) for e in events
    ]

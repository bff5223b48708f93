"""A cycle's decision trail in plain Bahasa Indonesia, from its audit events."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from db.models import AuditEvent, Notification
from db.models.base import as_utc
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


class ReminderEntry(BaseModel):
    """A deadline reminder written ahead (patch reminders-ahead): sent, dropped, or still held."""

    at: datetime
    recipient: str | None
    task_id: str | None
    status: str  # terkirim | dibatalkan | dijadwalkan
    reason: str | None
    sentence: str


DROP_REASONS = {
    "task_closed": "tugas sudah diselesaikan",
    "task_escalated": "tugas sudah dieskalasi",
    "due_moved": "tenggat sudah berubah",
    "reassigned": "tugas sudah dialihkan",
    "cycle_paused": "siklus sedang ditangguhkan",
    "task_missing": "tugas tidak ditemukan",
}


def _when(at: datetime) -> str:
    local = as_utc(at).astimezone(WIB)
    return f"{local.day} {MONTH_NAMES[local.month - 1]} {local.year} {local:%H.%M} WIB"


def reminders(notes: list[Notification]) -> list[ReminderEntry]:
    """The cycle's reminders in their order, each with what became of it."""
    out = []
    for n in notes:
        to = n.recipient_nip or "BKPP"
        if n.delivered_at is not None:
            status, reason, what = "terkirim", None, f"Sistem mengirim pengingat kepada {to}"
        elif n.dropped_at is not None:
            status = "dibatalkan"
            reason = DROP_REASONS.get(n.dropped_reason or "", n.dropped_reason)
            what = f"pengingat kepada {to} tidak dikirim ({reason})"
        else:
            status, reason, what = "dijadwalkan", None, f"pengingat kepada {to} dijadwalkan"
        out.append(
            ReminderEntry(
                at=n.deliver_after,
                recipient=n.recipient_nip,
                task_id=n.task_id,
                status=status,
                reason=reason,
                sentence=f"{_when(n.deliver_after)} — {what}: {n.subject}",
            )
        )
    return out


def _detail(after: Any) -> str:
    if not isinstance(after, dict):
        return ""
    inner = after.get("details") if isinstance(after.get("details"), dict) else after
    parts = [f"{k}: {inner[k]}" for k in _DETAIL_KEYS if isinstance(inner, dict) and inner.get(k)]
    return f" ({'; '.join(str(p) for p in parts)})" if parts else ""


def sentence(event: AuditEvent) -> str:
    """E.g. "12 Maret 2027 10.15 WIB — penilai_a memberikan penilaian periodik (predikat: Baik)"."""
    when = _when(event.at)
    who = "Sistem" if event.actor in ("system", "") else event.actor
    what = PHRASES.get(event.action, event.action.replace("_", " "))
    return f"{when} — {who} {what}{_detail(event.after)}"


def trail(events: list[AuditEvent]) -> list[TrailEntry]:
    """Entries in the order the decisions were made."""
    return [
        TrailEntry(at=e.at, actor=e.actor, action=e.action, sentence=sentence(e)) for e in events
    ]

"""Form fields to task payloads (the shapes of domain.payloads.TASK_PAYLOADS), and back.

Only reshaping: validation is the API's (and the workflow's), whose errors are shown on the form.
"""

import re
from collections.abc import Mapping
from typing import Any

from domain.enums import BerAKHLAK, TaskKind

_ROW = re.compile(r"^r(\d+)_(jenis|rhk_atasan|rhk|perspektif|innovation)$")
_IND = re.compile(r"^r(\d+)_i(\d+)_(iki|aspek|value|unit|min|max)$")
_REAL = re.compile(r"^real_(\d+)_(\d+)_(realisasi|nilai|evidence)$")
BERAKHLAK_KEYS = {v: f"nilai_{i}" for i, v in enumerate(BerAKHLAK)}

Form = Mapping[str, str]


def _text(form: Form, key: str) -> str | None:
    value = (form.get(key) or "").strip()
    return value or None


def _number(value: str | None) -> float | str | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return value  # the API names the field and says why


def skp_from_form(form: Form, *, nip: str, year: int, jenis_jabatan: str) -> dict[str, Any]:
    """The SKP editor's fields as an Skp body; rows and indicators in the order of the page."""
    rows: dict[int, dict[str, Any]] = {}
    inds: dict[int, dict[int, dict[str, Any]]] = {}
    for key, value in form.items():
        if m := _ROW.match(key):
            rows.setdefault(int(m[1]), {})[m[2]] = value
        elif m := _IND.match(key):
            inds.setdefault(int(m[1]), {}).setdefault(int(m[2]), {})[m[3]] = value
    hasil = []
    for i in sorted(set(rows) | set(inds)):
        r = rows.get(i, {})
        indikator = []
        for j in sorted(inds.get(i, {})):
            d = inds[i][j]
            target: dict[str, Any] = {}
            if (d.get("value") or "").strip():
                target = {"value": _number(d.get("value")), "unit": _text(d, "unit")}
            elif (d.get("min") or "").strip() or (d.get("max") or "").strip():
                target = {"min": _number(d.get("min")), "max": _number(d.get("max"))}
                if _text(d, "unit"):
                    target["unit"] = _text(d, "unit")
            ind = {"iki": d.get("iki", ""), "aspek": d.get("aspek", ""), "target": target}
            indikator.append(ind)
        row: dict[str, Any] = {
            "jenis": r.get("jenis", ""),
            "rhk_atasan": _text(r, "rhk_atasan"),
            "rhk": r.get("rhk", ""),
            "indikator": indikator,
            "is_innovation": r.get("innovation") == "1",
        }
        if _text(r, "perspektif"):
            row["perspektif"] = _text(r, "perspektif")
        hasil.append(row)
    perilaku = [
        {"value": v.value, "ekspektasi_khusus": _text(form, f"ekspektasi_{i}")}
        for i, v in enumerate(BerAKHLAK)
    ]
    return {
        "nip": nip,
        "year": year,
        "pendekatan": form.get("pendekatan", ""),
        "jenis_jabatan": jenis_jabatan,
        "hasil_kerja": hasil,
        "perilaku": perilaku,
    }


def realisation_from_form(form: Form, *, nip: str, year: int, period: int) -> dict[str, Any]:
    """One item per IKI with a realisation; evidence links one per line."""
    cells: dict[tuple[int, int], dict[str, str]] = {}
    for key, value in form.items():
        if m := _REAL.match(key):
            cells.setdefault((int(m[1]), int(m[2])), {})[m[3]] = value
    items = []
    for (row, ind), d in sorted(cells.items()):
        if not (d.get("realisasi") or "").strip():
            continue
        links = [x.strip() for x in (d.get("evidence") or "").splitlines() if x.strip()]
        items.append(
            {
                "row": row,
                "indikator": ind,
                "realisasi": d["realisasi"],
                "nilai": _number(d.get("nilai")),
                "evidence": links,
            }
        )
    return {
        "nip": nip,
        "year": year,
        "period_index": period,
        "items": items,
        "catatan": _text(form, "catatan"),
    }


def _yes(form: Form, key: str) -> bool | str:
    value = form.get(key, "")
    return {"ya": True, "tidak": False}.get(value, value)


def payload_from_form(
    kind: TaskKind, form: Form, *, nip: str, year: int, period: int | None, jenis_jabatan: str
) -> dict[str, Any]:
    """The task payload for `kind` from the submitted form."""
    if kind is TaskKind.SKP_DRAFT:
        return {"skp": skp_from_form(form, nip=nip, year=year, jenis_jabatan=jenis_jabatan)}
    if kind is TaskKind.REALISATION:
        return {"report": realisation_from_form(form, nip=nip, year=year, period=period or 1)}
    if kind in (TaskKind.PERIOD_RATING, TaskKind.ANNUAL_RATING):
        values = {v.value: form[k] for v, k in BERAKHLAK_KEYS.items() if form.get(k)}
        utama = [form[k] for k in sorted(form, key=_utama_order) if k.startswith("utama_")]
        return {
            "hasil_kerja": form.get("hasil_kerja", ""),
            "perilaku": form.get("perilaku", ""),
            "perilaku_values": values,
            "utama_ratings": [u for u in utama if u],
            "feedback": form.get("feedback", ""),
        }
    if kind is TaskKind.TRAINING_COMPLETION:
        jp = form.get("jp_earned", "")
        return {
            "jp_earned": int(jp) if jp.strip().isdigit() else jp,
            "certificate_url": form.get("certificate_url", ""),
            "note": form.get("note", ""),
        }
    if kind is TaskKind.TRAINING_VERIFICATION:
        return {"verified": _yes(form, "keputusan"), "note": form.get("note", "")}
    if kind is TaskKind.OBJECTION_DECISION:
        body: dict[str, Any] = {"change": _yes(form, "keputusan"), "note": form.get("note", "")}
        if body["change"] is True:
            body["hasil_kerja"] = form.get("hasil_kerja") or None
            body["perilaku"] = form.get("perilaku") or None
        return body
    # SKP approval and incentive approval share the approve/note shape.
    return {"approve": _yes(form, "keputusan"), "note": form.get("note", "")}


def _utama_order(key: str) -> int:
    tail = key.removeprefix("utama_")
    return int(tail) if tail.isdigit() else 0

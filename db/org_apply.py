"""Bulk application of validated organisation rows: a few statements, no per-row queries."""

from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, select

from db.models import Employee, EmployeeChange, OrgUnit, utcnow
from db.org_csv import OrgRow

# Employee column <- OrgRow attribute; unit and penilai changes are transfers (mutasi).
_FIELDS = {
    "name": "name",
    "position": "position",
    "jenis_jabatan": "jenis_jabatan",
    "employee_type": "employee_type",
    "golongan": "golongan",
    "status": "status",
    "email": "email",
    "phone": "phone",
    "is_unit_head": "is_head",
    "unit_code": "unit_code",
    "penilai_nip": "penilai_nip",
}
_TRANSFER_FIELDS = {"unit_code", "penilai_nip"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    return str(value)


def _depth_order(nips: list[str], parent: dict[str, str | None]) -> list[str]:
    """`nips` sorted so every referenced parent inside the set comes first (FK-safe inserts)."""
    inside = set(nips)
    depth: dict[str, int] = {}
    for start in nips:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in inside and node not in depth:
            path.append(node)
            node = parent[node]
        base = depth.get(node, -1) if node is not None else -1
        for offset, nip in enumerate(reversed(path), start=1):
            depth[nip] = base + offset
    return sorted(nips, key=lambda n: depth[n])


def _apply_units(
    session: Session, rows: list[OrgRow], db_units: dict[str, OrgUnit]
) -> tuple[int, int]:
    units: dict[str, dict[str, Any]] = {}
    for row in rows:
        units.setdefault(row.unit_code, {
            "code": row.unit_code, "name": row.unit_name, "kind": row.unit_kind,
            "parent_code": row.parent_code,
            "head_nip": db_units[row.unit_code].head_nip if row.unit_code in db_units else None,
        })  # fmt: skip
    file_nips = {r.nip for r in rows}
    for unit in units.values():
        # A head listed in the file who is no longer head (or left) is cleared; others are kept.
        if unit["head_nip"] in file_nips:
            unit["head_nip"] = None
    for row in rows:
        if row.is_head:
            units[row.unit_code]["head_nip"] = row.nip
    new = [c for c in units if c not in db_units]
    parents = {c: u["parent_code"] for c, u in units.items()}
    if new:
        session.exec(insert(OrgUnit), params=[units[c] for c in _depth_order(new, parents)])
    changed = [
        u for c, u in units.items()
        if c in db_units and any(getattr(db_units[c], k) != v for k, v in u.items())
    ]  # fmt: skip
    if changed:
        session.exec(update(OrgUnit), params=changed)
    return len(new), len(changed)


def apply_rows(
    session: Session, rows: list[OrgRow], db_units: dict[str, OrgUnit], *, source: str
) -> dict[str, int]:
    """Insert, update and record history for `rows`; returns the counts for the report."""
    now = utcnow()
    units_created, units_updated = _apply_units(session, rows, db_units)
    existing = {e.nip: e for e in session.exec(select(Employee)).all()}
    inserts: dict[str, dict[str, Any]] = {}
    updates: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    transfers = unchanged = 0
    for row in rows:
        values = {col: getattr(row, attr) for col, attr in _FIELDS.items()}
        old = existing.get(row.nip)
        if old is None:
            inserts[row.nip] = {"nip": row.nip, "updated_at": now, **values}
            changes.append(_change(row.nip, "created", "nip", None, row.nip, now, source))
            continue
        diff = {c: v for c, v in values.items() if _text(getattr(old, c)) != _text(v)}
        if not diff:
            unchanged += 1
            continue
        updates.append({"nip": row.nip, "updated_at": now, **diff})
        is_transfer = bool(diff.keys() & _TRANSFER_FIELDS)
        transfers += is_transfer
        for col, new_value in diff.items():
            kind = "transfer" if col in _TRANSFER_FIELDS else "change"
            changes.append(_change(row.nip, kind, col, getattr(old, col), new_value, now, source))
    if inserts:
        parent = {n: v["penilai_nip"] for n, v in inserts.items()}
        ordered = _depth_order(list(inserts), parent)
        session.exec(insert(Employee), params=[inserts[n] for n in ordered])
    for batch in _batches_by_keys(updates):
        session.exec(update(Employee), params=batch)
    if changes:
        session.exec(insert(EmployeeChange), params=changes)
    session.flush()
    session.expire_all()  # bulk statements bypass the identity map; reload on next access
    return {
        "created": len(inserts),
        "updated": len(updates),
        "unchanged": unchanged,
        "transfers": transfers,
        "units_created": units_created,
        "units_updated": units_updated,
    }


def _change(
    nip: str, kind: str, field: str, old: Any, new: Any, now: Any, source: str
) -> dict[str, Any]:
    return {
        "nip": nip, "kind": kind, "field": field, "old_value": _text(old),
        "new_value": _text(new), "changed_at": now, "source": source,
    }  # fmt: skip


def _batches_by_keys(updates: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group update parameter sets by their keys: one executemany per shape of change."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for u in updates:
        groups.setdefault(tuple(sorted(u)), []).append(u)
    return list(groups.values())

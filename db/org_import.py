"""Import of the organisation from an SIASN / e-Kinerja CSV: all rows valid, or nothing written.

The CSV columns are documented in db/org_csv.py; db/seed/sample_org.csv is a small example.
Writes happen in the caller's transaction (the caller commits). Re-importing updates employees in
place and records every changed field in EmployeeChange (a new unit or penilai as a "transfer");
employees absent from the file are reported in `missing_from_file`, never deleted.
"""

from pathlib import Path

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from db.models import Employee, OrgUnit
from db.org_apply import apply_rows
from db.org_csv import OrgRow, RowError, parse_rows, read_text

__all__ = ["ImportReport", "RowError", "import_org_csv"]

_LOOP_SHOWN = 6


class ImportReport(BaseModel):
    """What an import did, or (ok=False) every reason it did nothing."""

    ok: bool
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    transfers: int = 0
    units_created: int = 0
    units_updated: int = 0
    missing_from_file: list[str] = Field(default_factory=list)
    errors: list[RowError] = Field(default_factory=list)


def import_org_csv(
    session: Session, path_or_text: str | Path | bytes, *, source: str
) -> ImportReport:
    """Validate the whole file against itself and the database, then apply it in bulk."""
    parsed = parse_rows(read_text(path_or_text))
    errors = list(parsed.errors)
    if any(e.line == 1 for e in errors):
        return ImportReport(ok=False, source=source, errors=errors)
    db_units = {u.code: u for u in session.exec(select(OrgUnit))}
    db_chain = dict(session.exec(select(Employee.nip, Employee.penilai_nip)).all())
    rows = _unique_rows(parsed.rows, errors)
    errors += _unit_errors(rows, db_units)
    errors += _penilai_errors(rows, parsed.nips, db_chain)
    if errors:
        errors.sort(key=lambda e: (e.line, e.column or ""))
        return ImportReport(ok=False, source=source, rows=len(parsed.nips), errors=errors)
    result = apply_rows(session, rows, db_units, source=source)
    missing = sorted(set(db_chain) - {r.nip for r in rows})
    return ImportReport(ok=True, source=source, rows=len(rows), missing_from_file=missing, **result)


def _unique_rows(rows: list[OrgRow], errors: list[RowError]) -> list[OrgRow]:
    first_line: dict[str, int] = {}
    unique: list[OrgRow] = []
    for row in rows:
        if row.nip in first_line:
            reason = f"duplicate NIP (first on line {first_line[row.nip]})"
            errors.append(RowError(line=row.line, column="nip", reason=reason))
            continue
        first_line[row.nip] = row.line
        unique.append(row)
    return unique


def _unit_errors(rows: list[OrgRow], db_units: dict[str, OrgUnit]) -> list[RowError]:
    """Units must be described consistently, have a known parent, no parent loop, one head."""
    errors: list[RowError] = []
    first: dict[str, OrgRow] = {}
    heads: dict[str, int] = {}
    for row in rows:
        seen = first.setdefault(row.unit_code, row)
        for column, attr in (("unit", "unit_name"), ("jenis_unit", "unit_kind"),
                             ("kode_unit_induk", "parent_code")):  # fmt: skip
            if getattr(row, attr) != getattr(seen, attr):
                reason = f"differs from line {seen.line} for unit {row.unit_code}"
                errors.append(RowError(line=row.line, column=column, reason=reason))
        if row.is_head:
            if row.unit_code in heads:
                reason = f"unit {row.unit_code} already has a head on line {heads[row.unit_code]}"
                errors.append(RowError(line=row.line, column="kepala_unit", reason=reason))
            heads.setdefault(row.unit_code, row.line)
    parents = {code: u.parent_code for code, u in db_units.items()}
    parents.update({code: r.parent_code for code, r in first.items()})
    for code, row in first.items():
        if row.parent_code is not None and row.parent_code not in parents:
            reason = f"unknown parent unit {row.parent_code!r}"
            errors.append(RowError(line=row.line, column="kode_unit_induk", reason=reason))
        elif code in _walk(code, parents):
            reason = f"unit {code} is its own ancestor"
            errors.append(RowError(line=row.line, column="kode_unit_induk", reason=reason))
    return errors


def _walk(start: str, parents: dict[str, str | None]) -> list[str]:
    """Ancestors of `start`, stopping at the top, an unknown code, or the first repeat."""
    seen: list[str] = []
    current = parents.get(start)
    while current is not None and current not in seen:
        seen.append(current)
        current = parents.get(current)
    return seen


def _penilai_errors(
    rows: list[OrgRow], file_nips: set[str], db_chain: dict[str, str | None]
) -> list[RowError]:
    """Every penilai must exist (in the file or the database) and the chain must not loop."""
    errors: list[RowError] = []
    chain = dict(db_chain)
    chain.update({r.nip: r.penilai_nip for r in rows})
    by_nip = {r.nip: r for r in rows}
    for row in rows:
        p = row.penilai_nip
        if p is None:
            continue
        if p == row.nip:
            errors.append(RowError(line=row.line, column="nip_atasan", reason="own penilai"))
        elif p not in file_nips and p not in db_chain:
            reason = f"unknown penilai {p} (not in this file nor in the database)"
            errors.append(RowError(line=row.line, column="nip_atasan", reason=reason))
    # Colour walk: 1 = on the current path, 2 = known to reach the top. O(n) overall.
    state: dict[str, int] = {}
    for start in by_nip:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in chain and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = chain[node]
        if node is not None and state.get(node) == 1 and node != path[-1]:
            loop = path[path.index(node) :]
            shown = " → ".join([*loop[:_LOOP_SHOWN], loop[0] if len(loop) <= _LOOP_SHOWN else "…"])
            for nip in loop:
                if nip in by_nip:
                    line = by_nip[nip].line
                    reason = f"rating chain loop: {shown}"
                    errors.append(RowError(line=line, column="nip_atasan", reason=reason))
        for nip in path:
            state[nip] = 2
    return errors

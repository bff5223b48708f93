"""Organisation import: all or nothing, every bad row reported, re-import records transfers."""

from typing import Any

from csv_helpers import csv_text, nip, row, small_org
from sqlalchemy import Engine, event
from sqlmodel import Session, func, select

from db.models import Employee, EmployeeChange, OrgUnit
from db.org_import import import_org_csv


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_good_file(session: Session) -> None:
    text, nips = small_org()
    report = import_org_csv(session, text, source="import:test.csv")
    session.commit()
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged, report.units_created) == (5, 0, 0, 1)
    staff = session.get(Employee, nips[2])
    assert staff is not None
    assert staff.penilai_nip == nips[1]
    assert staff.unit_code == "DINKES"
    unit = session.get(OrgUnit, "DINKES")
    assert unit is not None
    assert unit.head_nip == nips[0]
    assert session.get(Employee, nips[0]).is_unit_head  # type: ignore[union-attr]


def test_bad_file_reports_every_bad_row_and_imports_nothing(session: Session) -> None:
    a, b, c = nip(1), nip(2), nip(3)
    text = csv_text(
        row(a, jenis="JPT Pratama", golongan="IV/c"),
        row("19860926201505100", atasan=a),  # line 3: 17 digits
        row(b, atasan=a, status="Libur"),  # line 4: unknown status
        row(c, atasan="199001012015031999"),  # line 5: unknown penilai
        row(a, atasan=b),  # line 6: duplicate NIP
        row(nip(4), atasan=a, golongan="V/a"),  # line 7: bad golongan
        row("198613452015051001", atasan=a),  # line 8: month 13 in birth date
        row(nip(5), atasan=a, kind="Kantor"),  # line 9: unknown jenis_unit
    )
    report = import_org_csv(session, text, source="bad.csv")
    assert not report.ok
    found = {(e.line, e.column) for e in report.errors}
    expected = {(3, "nip"), (4, "status"), (5, "nip_atasan"), (6, "nip"), (7, "golongan"),
                (8, "nip"), (9, "jenis_unit")}  # fmt: skip
    assert expected <= found, report.errors
    assert _count(session, Employee) == 0
    assert _count(session, OrgUnit) == 0


def test_missing_columns_is_a_header_error(session: Session) -> None:
    report = import_org_csv(session, "nip,nama\n198609262015051001,Budi\n", source="x.csv")
    assert not report.ok
    assert {e.column for e in report.errors} >= {"jabatan", "kode_unit", "nip_atasan"}
    assert all(e.line == 1 for e in report.errors)


def test_loop_in_rating_chain(session: Session) -> None:
    a, b, c, d = nip(1), nip(2), nip(3), nip(4)
    text = csv_text(row(a, atasan=c), row(b, atasan=a), row(c, atasan=b), row(d, atasan=a))
    report = import_org_csv(session, text, source="loop.csv")
    assert not report.ok
    loop_lines = {e.line for e in report.errors if "loop" in e.reason}
    assert loop_lines == {2, 3, 4}  # d hangs off the loop but is not part of it
    assert _count(session, Employee) == 0


def test_own_penilai_is_rejected(session: Session) -> None:
    a = nip(1)
    report = import_org_csv(session, csv_text(row(a, atasan=a)), source="self.csv")
    assert not report.ok
    assert report.errors[0].column == "nip_atasan"


def test_loop_through_existing_employees(session: Session) -> None:
    text, nips = small_org()
    assert import_org_csv(session, text, source="first.csv").ok
    session.commit()
    # The kepala now reports to a staff member who (in the database) reports up to the kepala.
    again = csv_text(row(nips[0], atasan=nips[2], jenis="JPT Pratama", golongan="IV/c"))
    report = import_org_csv(session, again, source="second.csv")
    assert not report.ok
    assert "loop" in report.errors[0].reason


def test_penilai_may_be_in_database(session: Session) -> None:
    text, nips = small_org()
    assert import_org_csv(session, text, source="first.csv").ok
    session.commit()
    newcomer = nip(50)
    report = import_org_csv(session, csv_text(row(newcomer, atasan=nips[1])), source="add.csv")
    assert report.ok, report.errors
    assert report.created == 1
    assert set(report.missing_from_file) == set(nips)  # reported, not deleted
    assert _count(session, Employee) == 6


def test_reimport_records_transfer_and_changes(session: Session) -> None:
    text, nips = small_org()
    assert import_org_csv(session, text, source="import:v1.csv").ok
    session.commit()
    lines = text.strip().split("\n")
    # nips[3] moves to another unit under a new penilai; nips[4] gets a new golongan.
    lines[4] = row(nips[3], atasan=nips[0], unit="DINKES.YANKES", unit_name="Bidang Yankes",
                   kind="Bidang", induk="DINKES")  # fmt: skip
    lines[5] = row(nips[4], atasan=nips[1], pegawai="PPPK", golongan="X")
    report = import_org_csv(session, "\n".join(lines), source="import:v2.csv")
    session.commit()
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 2, 3)
    assert (report.transfers, report.units_created) == (1, 1)
    moved = session.get(Employee, nips[3])
    assert moved is not None
    assert (moved.unit_code, moved.penilai_nip) == ("DINKES.YANKES", nips[0])
    history = session.exec(
        select(EmployeeChange).where(EmployeeChange.source == "import:v2.csv")
    ).all()
    got = {(h.nip, h.kind, h.field, h.old_value, h.new_value) for h in history}
    assert got == {
        (nips[3], "transfer", "unit_code", "DINKES", "DINKES.YANKES"),
        (nips[3], "transfer", "penilai_nip", nips[1], nips[0]),
        (nips[4], "change", "golongan", "IX", "X"),
    }
    # A third identical import changes nothing and keeps the history.
    again = import_org_csv(session, "\n".join(lines), source="import:v3.csv")
    assert (again.updated, again.unchanged) == (0, 5)
    assert _count(session, EmployeeChange) == 5 + 3


def test_pppk_nip_accepted_only_for_pppk(session: Session) -> None:
    boss, pppk = nip(1), nip(2, pppk=True)
    ok = csv_text(row(boss, jenis="JPT Pratama", golongan="IV/c"),
                  row(pppk, atasan=boss, pegawai="PPPK", golongan="IX"))  # fmt: skip
    as_pns = csv_text(row(boss, jenis="JPT Pratama", golongan="IV/c"), row(pppk, atasan=boss))
    rejected = import_org_csv(session, as_pns, source="pns.csv")
    assert not rejected.ok
    assert rejected.errors[0].column == "nip"
    report = import_org_csv(session, ok, source="pppk.csv")
    assert report.ok, report.errors
    assert session.get(Employee, pppk).employee_type == "PPPK"  # type: ignore[union-attr]


def test_semicolon_and_case_insensitive_values(session: Session) -> None:
    a = nip(1)
    text = csv_text(row(a, jenis="jpt pratama", golongan="iv/c", status="AKTIF")).replace(",", ";")
    report = import_org_csv(session, text, source="semicolon.csv")
    assert report.ok, report.errors
    assert session.get(Employee, a).golongan == "IV/c"  # type: ignore[union-attr]


def test_large_file_with_bad_rows_reports_all(session: Session) -> None:
    boss = nip(1)
    rows = [row(boss, jenis="JPT Pratama", golongan="IV/c")]
    rows += [row(nip(2 + i % 990) if i < 990 else f"bad{i:015d}", atasan=boss) for i in range(5000)]
    report = import_org_csv(session, csv_text(*rows), source="big.csv")
    assert not report.ok
    bad_nip = [e for e in report.errors if e.column == "nip"]
    assert len(bad_nip) == 5000 - 990
    assert _count(session, Employee) == 0


def test_import_uses_bulk_statements(session: Session, engine: Engine) -> None:
    """A few statements regardless of size: no per-row queries (15,000 rows must stay fast)."""
    boss = nip(1)
    nips = [nip(2 + i) for i in range(900)]
    rows = [row(boss, jenis="JPT Pratama", golongan="IV/c", head=True)]
    rows += [row(n, atasan=boss if i < 30 else nips[i % 30], unit=f"U{i % 40}",
                 unit_name=f"Unit {i % 40}") for i, n in enumerate(nips)]  # fmt: skip
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        report = import_org_csv(session, csv_text(*rows), source="bulk.csv")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert report.ok, report.errors[:3]
    assert report.created == 901
    assert len(statements) < 25, statements

"""Demo seed: ~50 employees with a complete rating chain, demo logins, and a no-op second time."""

from pwdlib import PasswordHash
from sqlmodel import Session, col, select

from db.models import Employee, OrgUnit, User
from db.seed import DEMO_PASSWORD, demo_accounts, seed_demo
from domain.enums import EmployeeType, EmploymentStatus, JenisJabatan, Role
from domain.nip import is_valid_nip


def test_seed_once(session: Session) -> None:
    assert seed_demo(session) is True
    session.commit()
    assert seed_demo(session) is False
    employees = session.exec(select(Employee)).all()
    assert 45 <= len(employees) <= 60
    by_nip = {e.nip: e for e in employees}
    tops = [e for e in employees if e.penilai_nip is None]
    assert len(tops) == 1  # the Sekda
    assert tops[0].position == "Sekretaris Daerah"
    assert all(e.penilai_nip in by_nip for e in employees if e is not tops[0])
    assert all(is_valid_nip(e.nip, pppk=e.employee_type is not EmployeeType.PNS) for e in employees)
    assert sum(e.employee_type is EmployeeType.PPPK for e in employees) >= 3
    assert {EmploymentStatus.CLTN, EmploymentStatus.MPP} <= {e.status for e in employees}
    heads = [e for e in employees if e.penilai_nip == tops[0].nip]
    expected = {JenisJabatan.JPT_PRATAMA, JenisJabatan.ADMINISTRATOR}  # kepala OPD and camat
    assert {e.jenis_jabatan for e in heads} >= expected
    units = session.exec(select(OrgUnit)).all()
    assert {"BKPP", "INSP", "DINKES", "DISDIK", "DISKOMINFO", "KEC.TEMBALANG"} <= {
        u.code for u in units
    }
    assert all(u.head_nip in by_nip for u in units)


def test_demo_users(session: Session) -> None:
    seed_demo(session)
    session.commit()
    users = {u.username: u for u in session.exec(select(User)).all()}
    assert len(users) == len(demo_accounts())
    assert PasswordHash.recommended().verify(DEMO_PASSWORD, users["bkpp"].password_hash)
    assert users["bkpp"].roles == [Role.BKPP]
    assert users["auditor"].roles == [Role.AUDITOR]
    assert users["admin"].roles == [Role.ADMIN]
    auditor = session.get(Employee, users["auditor"].nip or "")
    assert auditor is not None
    assert auditor.unit_code.startswith("INSP")
    sekda = session.exec(select(Employee).where(col(Employee.penilai_nip).is_(None))).one()
    assert set(users[sekda.nip].roles) == {Role.PEGAWAI, Role.PENILAI, Role.KEPALA_OPD}
    staff = next(e for e in session.exec(select(Employee)) if e.jenis_jabatan == "Pelaksana")
    assert users[staff.nip].roles == [Role.PEGAWAI]

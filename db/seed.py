"""Demo organisation and accounts for a fresh database (embedded default and tests)."""

import csv
from functools import lru_cache
from pathlib import Path

from pwdlib import PasswordHash
from pydantic import BaseModel
from sqlmodel import Session, select

from db.models import Employee, User
from db.org_import import import_org_csv
from domain.enums import Role

SEED_DIR = Path(__file__).resolve().parent / "seed"
DEMO_ORG_CSV = SEED_DIR / "demo_org.csv"
DEMO_PASSWORD = "kinerja-demo"
# Special accounts: username -> (NIP of the person behind it or None, roles, description).
BKPP_STAFF_NIP = "198504232010032007"  # Dewi Anggraini, Analis SDM Aparatur, BKPP
AUDITOR_NIP = "198002142005012001"  # Indah Permatasari, Auditor Ahli Madya, Inspektorat
_SERVICE_ACCOUNTS = {
    "bkpp": (BKPP_STAFF_NIP, [Role.BKPP], "Pengelola Kinerja BKPP (Dewi Anggraini)"),
    "auditor": (AUDITOR_NIP, [Role.AUDITOR], "Inspektorat, read-only (Indah Permatasari)"),
    "admin": (None, [Role.ADMIN], "Administrator aplikasi"),
}


class DemoAccount(BaseModel):
    """A login of the demo data set (all share DEMO_PASSWORD)."""

    username: str
    nip: str | None
    roles: list[str]
    description: str


@lru_cache
def demo_accounts() -> tuple[DemoAccount, ...]:
    """Every demo login, roles derived from the demo CSV the same way seed_demo assigns them."""
    with DEMO_ORG_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    top_units = {r["kode_unit"] for r in rows if not r["kode_unit_induk"]}
    penilai = {r["nip_atasan"] for r in rows if r["nip_atasan"]}
    accounts: list[DemoAccount] = []
    for r in rows:
        roles = [Role.PEGAWAI]
        if r["nip"] in penilai:
            roles.append(Role.PENILAI)
        # Heads of an OPD or kecamatan set the organisational predicate; heads of a bidang or
        # kelurahan are penilai but not kepala OPD.
        if r["kepala_unit"] and r["kode_unit"] in top_units:
            roles.append(Role.KEPALA_OPD)
        description = f"{r['nama']}, {r['jabatan']} ({r['kode_unit']})"
        accounts.append(DemoAccount(username=r["nip"], nip=r["nip"], roles=roles,
                                    description=description))  # fmt: skip
    for username, (nip, roles, description) in _SERVICE_ACCOUNTS.items():
        accounts.append(DemoAccount(username=username, nip=nip, roles=roles,
                                    description=description))  # fmt: skip
    return tuple(accounts)


def seed_demo(session: Session) -> bool:
    """Seed the demo organisation and accounts when there are no employees; True if it did.

    Goes through import_org_csv like any real import. Writes in the caller's transaction.
    """
    if session.exec(select(Employee.nip).limit(1)).first() is not None:
        return False
    report = import_org_csv(session, DEMO_ORG_CSV, source=f"seed:{DEMO_ORG_CSV.name}")
    if not report.ok:
        raise RuntimeError(f"demo organisation does not import: {report.errors[:3]}")
    # One argon2 hash for every demo login: same password, and hashing 56 times costs seconds.
    password_hash = PasswordHash.recommended().hash(DEMO_PASSWORD)
    existing = set(session.exec(select(User.username)).all())
    for account in demo_accounts():
        if account.username in existing:
            continue
        session.add(User(username=account.username, nip=account.nip, roles=account.roles,
                         password_hash=password_hash))  # fmt: skip
    session.flush()
    return True

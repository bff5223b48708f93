"""Data-scoped authorization, in one place.

Rules: BKPP and admin see everything; auditors read everything and change nothing; a Kepala OPD
reads the units they head and their sub-units; a penilai reads their direct subordinates and the
people whose tasks are assigned to them (escalation reassigns Task.assignee_nip, the rule of
record); everyone reads themselves. Acting on a task needs the task's assignee (or its role
pool); BKPP may act on any task and the workflow has the last word.

An existing record outside the caller's scope answers 403; an unknown id answers 404. Ids are
business keys (NIP, year), so hiding existence behind 404 would protect nothing.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import Session, col, select

from api.deps import Principal
from api.errors import forbidden
from db.models import Employee, OrgUnit, Task
from domain.enums import Role

READ_ALL = (Role.BKPP, Role.ADMIN, Role.AUDITOR)


def require_roles(principal: Principal, *roles: Role) -> None:
    """403 unless the caller holds one of `roles`."""
    if not principal.has(*roles):
        raise forbidden(f"perlu peran: {', '.join(r.value for r in roles)}")


def unit_subtree(session: Session, roots: set[str]) -> set[str]:
    """`roots` and every unit below them."""
    children: dict[str, list[str]] = {}
    for code, parent in session.exec(select(OrgUnit.code, OrgUnit.parent_code)).all():
        if parent is not None:
            children.setdefault(parent, []).append(code)
    found, stack = set(roots), list(roots)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


@dataclass(frozen=True)
class Scope:
    """Which people and units the caller may read."""

    everything: bool
    nips: frozenset[str]
    units: frozenset[str]

    def allows(self, nip: str | None, unit_code: str | None) -> bool:
        """True when a record of person `nip` in `unit_code` is readable."""
        return self.everything or nip in self.nips or unit_code in self.units

    def where(self, nip_col: Any, unit_col: Any) -> ColumnElement[bool]:
        """The same rule as a SQL condition."""
        if self.everything:
            return true()
        conds = [nip_col.in_(self.nips)] if self.nips else []
        if self.units:
            conds.append(unit_col.in_(self.units))
        return or_(*conds) if conds else false()


def headed_units(session: Session, principal: Principal) -> set[str]:
    """The units a Kepala OPD heads (by OrgUnit.head_nip), with their sub-units."""
    if principal.nip is None or not principal.has(Role.KEPALA_OPD):
        return set()
    roots = set(session.exec(select(OrgUnit.code).where(OrgUnit.head_nip == principal.nip)).all())
    if not roots:  # an acting head without head_nip set: their own unit
        me = session.get(Employee, principal.nip)
        roots = {me.unit_code} if me else set()
    return unit_subtree(session, roots)


def read_scope(session: Session, principal: Principal) -> Scope:
    """The people and units the caller may read."""
    if principal.has(*READ_ALL):
        return Scope(True, frozenset(), frozenset())
    nips: set[str] = set()
    if principal.nip is not None:
        nips.add(principal.nip)
        if principal.has(Role.PENILAI):
            q = select(Employee.nip).where(Employee.penilai_nip == principal.nip)
            nips.update(session.exec(q).all())
            assigned = select(Task.subject_nip).where(Task.assignee_nip == principal.nip)
            nips.update(session.exec(assigned.distinct()).all())
    return Scope(False, frozenset(nips), frozenset(headed_units(session, principal)))


def ensure_can_read(session: Session, principal: Principal, nip: str, unit_code: str) -> None:
    """403 when the person's record is outside the caller's scope."""
    if not read_scope(session, principal).allows(nip, unit_code):
        raise forbidden("data pegawai ini di luar wewenang Anda")


def task_read_filter(session: Session, principal: Principal) -> ColumnElement[bool]:
    """SQL condition for the tasks the caller may read."""
    if principal.has(*READ_ALL):
        return true()
    conds: list[ColumnElement[bool]] = [
        col(Task.assignee_role).in_(list(principal.roles)) & col(Task.assignee_nip).is_(None)
    ]
    if principal.nip is not None:
        conds += [col(Task.assignee_nip) == principal.nip, col(Task.subject_nip) == principal.nip]
    units = headed_units(session, principal)
    if units:
        conds.append(col(Task.unit_code).in_(units))
    return or_(*conds)


def can_read_task(session: Session, principal: Principal, task: Task) -> bool:
    """True when the caller may read `task`."""
    if principal.has(*READ_ALL) or can_act_on_task(principal, task):
        return True
    if principal.nip is not None and task.subject_nip == principal.nip:
        return True
    return task.unit_code in headed_units(session, principal)


def can_act_on_task(principal: Principal, task: Task) -> bool:
    """True when the caller may complete `task` (the workflow still checks)."""
    if principal.has(Role.BKPP):
        return True
    if task.assignee_nip is not None and principal.nip == task.assignee_nip:
        return True
    if task.assignee_role is not None and task.assignee_role in principal.roles:
        return True
    # After an escalation the workflow still accepts the original assignee (the employee on
    # their own task, the penilai on theirs), whom the row no longer names: let it decide.
    escalated = task.escalation_level >= 1 and principal.nip is not None
    return escalated and (principal.nip == task.subject_nip or principal.has(Role.PENILAI))

"""Every table of the application; importing this registers them on SQLModel.metadata."""

from db.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent
from db.models.base import utcnow
from db.models.cycle import Cycle, CycleRecord, Task, task_visible
from db.models.org import Employee, EmployeeChange, OrgUnit, UnitPredikat
from db.models.records import TRAINING_STATUSES, CitizenFeedback, Notification, TrainingRecord
from db.models.system import HistoryArchive, IdempotencyRecord, User

__all__ = [
    "GENESIS_HASH",
    "TRAINING_STATUSES",
    "AuditChainHead",
    "AuditEvent",
    "CitizenFeedback",
    "Cycle",
    "CycleRecord",
    "Employee",
    "EmployeeChange",
    "HistoryArchive",
    "IdempotencyRecord",
    "Notification",
    "OrgUnit",
    "Task",
    "task_visible",
    "TrainingRecord",
    "UnitPredikat",
    "User",
    "utcnow",
]

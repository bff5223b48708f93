"""The task inbox of everyone who gets tasks, and task completion as a workflow update."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import QueryableAttribute, defer
from sqlalchemy.orm.interfaces import ORMOption
from sqlmodel import col, select

from activities.storage import StorageActivities
from api import idempotency
from api.actions import send_update
from api.authz import can_act_on_task, can_read_task, task_read_filter
from api.deps import (
    CurrentUser,
    Principal,
    SessionDep,
    StepWriterDep,
    TemporalDep,
    VerifiedToken,
    principal_of,
)
from api.errors import ApiError, forbidden, nested_validation_error, not_found
from api.pagination import PageDep
from api.schemas.common import ERRORS, ErrorPublic
from api.schemas.tasks import (
    TASK_EXAMPLES,
    TaskComplete,
    TaskCompletedPublic,
    TaskDetail,
    TaskPublic,
    TasksPublic,
)
from api.security import TokenClaims
from api.timing import ServerTiming
from db.models import Task, task_visible
from domain.enums import Role, TaskKind, TaskStatus
from domain.payloads import (
    TASK_PAYLOADS,
    StepRecord,
    TaskCompleted,
    TaskCompletion,
    unwritten_steps,
)

router = APIRouter(prefix="/tasks", tags=["tasks"], responses=ERRORS)

SORTS: dict[str, Any] = {
    "due_at": col(Task.due_at).asc(),
    "-due_at": col(Task.due_at).desc(),
    "created_at": col(Task.created_at).asc(),
    "-created_at": col(Task.created_at).desc(),
}


def _inbox(principal: Principal) -> ColumnElement[bool]:
    pool = col(Task.assignee_nip).is_(None) & col(Task.assignee_role).in_(list(principal.roles))
    return (col(Task.assignee_nip) == principal.nip) | pool if principal.nip else pool


@router.get("", summary="My task inbox", response_model=TasksPublic)
def list_tasks(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    scope: Annotated[
        Literal["inbox", "all"], Query(description="inbox: assigned to me; all: all I may read")
    ] = "inbox",
    kind: TaskKind | None = None,
    status: TaskStatus | None = TaskStatus.OPEN,
    due_before: datetime | None = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    subject_nip: Annotated[str | None, Query(max_length=18)] = None,
    sort: Literal["due_at", "-due_at", "created_at", "-created_at"] = "due_at",
    upcoming: Annotated[
        bool, Query(description="also tasks opened ahead of their date (visible_from later)")
    ] = False,
) -> TasksPublic:
    """Tasks assigned to me (or my role pool), filtered, sorted and paginated."""
    # The inbox (assigned to me or my role pool) lies inside what I may read by definition, so it
    # skips the read filter and its unit lookups: one indexed search on ix_task_inbox.
    if scope == "inbox":
        stmt = select(Task).where(_inbox(principal))
    else:
        stmt = select(Task).where(task_read_filter(session, principal))
    if not upcoming:
        stmt = stmt.where(task_visible(datetime.now(UTC)))
    if kind is not None:
        stmt = stmt.where(Task.kind == kind)
    if status is not None:
        stmt = stmt.where(Task.status == status)
    if due_before is not None:
        stmt = stmt.where(col(Task.due_at) < due_before)
    if unit is not None:
        stmt = stmt.where(Task.unit_code == unit)
    if subject_nip is not None:
        stmt = stmt.where(Task.subject_nip == subject_nip)
    rows = list(
        session.exec(stmt.order_by(SORTS[sort], col(Task.id)).offset(page.offset).limit(page.size))
    )
    # A first page that is not full holds every match: no second query to count them.
    if page.offset == 0 and len(rows) < page.size:
        count = len(rows)
    else:
        count = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    return TasksPublic(data=[TaskPublic.model_validate(t) for t in rows], count=count)


def _load(
    session: SessionDep,
    principal: Principal,
    task_id: str,
    options: Sequence[ORMOption] = (),
) -> Task:
    task = session.get(Task, task_id, options=options)
    if task is None:
        raise not_found("tugas")
    if not can_read_task(session, principal, task):
        raise forbidden("tugas ini bukan milik Anda")
    return task


@router.get("/{task_id:path}", summary="One task with its context", response_model=TaskDetail)
def get_task(task_id: str, session: SessionDep, principal: CurrentUser) -> TaskDetail:
    """The task with its context (SKP, realisation, evidence, citizen feedback, step history)."""
    task = _load(session, principal, task_id)
    data = TaskPublic.model_validate(task).model_dump()
    can = can_act_on_task(principal, task) and not principal.has(Role.AUDITOR)
    return TaskDetail(**data, context=task.context, result=task.result, can_complete=can)


@router.post(
    "/{task_id:path}/complete",
    summary="Complete a task (sends the update to the owning workflow)",
    response_model=TaskCompletedPublic,
    responses={
        409: {"description": "Task already completed or cancelled, or cycle closed"},
        503: {
            "model": ErrorPublic,
            "description": "Temporal or the database unreachable, or the update aborted by "
            "Temporal (`workflow_not_ready`): nothing changed; retry after `Retry-After`",
        },
        504: {"model": ErrorPublic, "description": "Temporal did not answer in time; retry"},
    },
)
async def complete_task(
    request: Request,
    task_id: str,
    session: SessionDep,
    claims: VerifiedToken,
    temporal: TemporalDep,
    writer: StepWriterDep,
    body: Annotated[TaskComplete, Body(openapi_examples=TASK_EXAMPLES)],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """200 with the new stage; 403 someone else's task; 409 closed; 422 names the bad field."""
    method_path = f"POST /tasks/{task_id}/complete"
    digest = idempotency.request_hash({"task": task_id, "payload": body.payload})
    timing = ServerTiming(request)
    # The reads in one worker-thread call, the caller's account with them: blocking SQL on the
    # event loop holds up every request, and each thread-pool hop waits for the GIL twice.
    async with timing("read"):
        principal, task, stored = await run_in_threadpool(
            _prepare, session, claims, task_id, idempotency_key, method_path, digest
        )
    if stored is not None:
        return stored
    try:
        async with timing("update"):
            result = await _complete(task, principal, temporal, writer, body, idempotency_key)
        # The step the completion decided, written before the answer (STEPS_RETURNED_BY_UPDATE).
        # If this fails the client's retry with the same key gets the same steps back to write;
        # otherwise the workflow's next step activity writes them.
        async with timing("write"):
            await _write_steps(writer, result.steps)
        status, payload = 200, result.model_dump(mode="json", exclude={"steps"})
    except ApiError as exc:
        if not idempotency_key or exc.status >= 500:
            raise
        status, payload = exc.status, idempotency.error_payload(exc)
    if idempotency_key:
        # In a thread: the session gave its connection back before the update, and waiting for
        # one on the event loop stalls every request while the pool is full (the fault load test
        # saw 10 s stalls and 503s with 50 clients).
        await run_in_threadpool(
            idempotency.remember,
            session,
            actor=principal.username,
            key=idempotency_key,
            method_path=method_path,
            digest=digest,
            status_code=status,
            body=payload,
        )
    return JSONResponse(payload, status_code=status, headers=timing.headers())


# The completion reads neither JSON column, and the context (SKP, evidence) is the largest part.
_WITHOUT_JSON = [defer(cast(QueryableAttribute[Any], c)) for c in (Task.context, Task.result)]


def _prepare(
    session: SessionDep,
    claims: TokenClaims,
    task_id: str,
    key: str | None,
    method_path: str,
    digest: str,
) -> tuple[Principal, Task, JSONResponse | None]:
    """The caller (401 without an active account), the task they may act on, and the stored
    answer when `key` was seen before."""
    principal = principal_of(session, claims)
    task = _load(session, principal, task_id, options=_WITHOUT_JSON)
    if not can_act_on_task(principal, task):
        raise forbidden("tugas ini ditugaskan kepada orang lain")
    stored = None
    if key:
        stored = idempotency.replay(
            session, actor=principal.username, key=key, method_path=method_path, digest=digest
        )
    # End the read transaction before waiting on the workflow: a held connection per in-flight
    # update exhausted the pool under 20 concurrent clients (the bench saw 500s).
    session.commit()
    return principal, task, stored


async def _complete(
    task: Task,
    principal: Principal,
    temporal: TemporalDep,
    writer: StorageActivities,
    body: TaskComplete,
    key: str | None,
) -> TaskCompleted:
    # With an Idempotency-Key the workflow decides: a repeat whose first answer was lost (API
    # died after the update) gets that answer back, as Temporal dedupes the update id; another
    # request on a closed task is refused by the update's validator (409) all the same.
    if task.status is not TaskStatus.OPEN and not key:
        raise ApiError(409, "conflict", f"tugas sudah {task.status.value}")
    if task.visible_from is not None and datetime.now(UTC) < task.visible_from:
        raise ApiError(
            409,
            "not_yet_open",
            f"tugas baru dapat dikerjakan mulai {task.visible_from:%d-%m-%Y %H:%M} UTC",
            field="task_id",
        )
    try:
        TASK_PAYLOADS[task.kind].model_validate(body.payload)
    except ValidationError as exc:
        raise nested_validation_error(exc, "payload") from exc
    completion = TaskCompletion(task_id=task.id, actor=principal.actor, payload=body.payload)
    return await send_update(
        temporal,
        task.workflow_id,
        "complete_task",
        completion,
        TaskCompleted,
        update_id=idempotency.update_id(principal.username, key) if key else None,
        # A task already closed whose step the workflow returned but never saw written: the
        # refusal carries it, and the repeat heals the record before it answers 409.
        on_refusal=lambda err: _write_steps(writer, unwritten_steps(err.details)),
    )


async def _write_steps(writer: StorageActivities, steps: list[StepRecord]) -> None:
    """Write returned steps in a worker thread (SQL must not block the event loop)."""
    if steps:
        await run_in_threadpool(writer.write_steps, steps)

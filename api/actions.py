"""Human actions as Temporal Updates, and the translation of refusals into API errors."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio.api.errordetails.v1 import WorkflowNotReadyFailure
from temporalio.client import (
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError
from api.temporal import TemporalGateway, temporal_unavailable

R = TypeVar("R", bound=BaseModel)

_REFUSALS = {
    "NotFound": (404, "not_found"),
    "Forbidden": (403, "forbidden"),
    "Conflict": (409, "conflict"),
    "InvalidPayload": (422, "validation_failed"),
}
_UNAVAILABLE = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED}


def cycle_closed(message: str = "siklus tidak sedang berjalan") -> ApiError:
    """409 for an action on a workflow that has ended (or was never started)."""
    return ApiError(409, "cycle_closed", message)


def _fields(err: ApplicationError) -> list[dict[str, Any]]:
    if err.details and isinstance(err.details[0], list):
        return [f for f in err.details[0] if isinstance(f, dict)]
    return []


def refusal_to_api(exc: WorkflowUpdateFailedError) -> ApiError:
    """A refused update as 403/404/409/422; anything unexpected as 409 cycle_closed."""
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.type in _REFUSALS:
        status, code = _REFUSALS[cause.type]
        fields = _fields(cause)
        field = str(fields[0]["field"]) if fields and fields[0].get("field") else None
        return ApiError(status, code, cause.message, field=field, errors=fields or None)
    # A workflow that failed or was terminated while the update ran has no refusal type.
    return cycle_closed(str(cause) if cause is not None else "siklus berakhir")


def _not_ready(exc: RPCError) -> bool:
    """Temporal's WorkflowNotReady: the server could not complete the workflow task that carried
    the update (an answer over its payload limit, a completion it refuses), so it aborted the
    update, which was not applied. (A task the worker fails itself, by a bug or its deadlock
    detector, is retried with the update, which waits for the fix.)"""
    try:
        details = exc.grpc_status.details
    except Exception:  # an unparsable status carries no details to go by
        return False
    return any(d.Is(WorkflowNotReadyFailure.DESCRIPTOR) for d in details)


def rpc_to_api(exc: RPCError) -> ApiError:
    """RPC failures: unknown or closed workflow -> 409, server unreachable or the update aborted
    by a failed workflow task (nothing applied: the same request may be sent again) -> 503."""
    if exc.status == RPCStatusCode.NOT_FOUND:
        return cycle_closed()
    if exc.status in _UNAVAILABLE:
        return temporal_unavailable()
    if exc.status == RPCStatusCode.FAILED_PRECONDITION:
        if _not_ready(exc):
            return ApiError(
                503,
                "workflow_not_ready",
                "siklus belum dapat memproses permintaan ini; tidak ada yang berubah, coba lagi",
                headers={"Retry-After": "2"},
            )
        return cycle_closed()
    return ApiError(502, "temporal_error", "Temporal menolak permintaan")


async def send_update(
    gateway: TemporalGateway,
    workflow_id: str,
    update: str,
    arg: BaseModel,
    result_type: type[R],
    *,
    update_id: str | None = None,
    on_refusal: Callable[[ApplicationError], Awaitable[None]] | None = None,
) -> R:
    """Run an update to completion and return its result, or raise the translated ApiError.

    `on_refusal` sees a refusal first (a completion's refusal may carry steps to write).
    """
    client = await gateway.client()
    handle = client.get_workflow_handle(workflow_id)
    try:
        result: R = await handle.execute_update(update, arg, id=update_id, result_type=result_type)
        return result
    except WorkflowUpdateFailedError as exc:
        if on_refusal is not None and isinstance(exc.cause, ApplicationError):
            await on_refusal(exc.cause)
        raise refusal_to_api(exc) from exc
    except WorkflowUpdateRPCTimeoutOrCancelledError as exc:
        raise ApiError(504, "timeout", "Temporal tidak menjawab tepat waktu; coba lagi") from exc
    except RPCError as exc:
        raise rpc_to_api(exc) from exc


async def query_status(
    gateway: TemporalGateway, workflow_id: str, result_type: type[R]
) -> R | None:
    """The workflow's `status` query, or None when it cannot answer (closed long ago, down)."""
    try:
        client = await gateway.client()
        status: R = await client.get_workflow_handle(workflow_id).query(
            "status", result_type=result_type, rpc_timeout=timedelta(seconds=5)
        )
        return status
    except (ApiError, RPCError, WorkflowQueryRejectedError, WorkflowQueryFailedError):
        return None

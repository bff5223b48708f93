"""ArchiveHistoryWorkflow: copy a closed cycle's event history into the audit store for auditors."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.payloads import ArchiveInput


@workflow.defn(name="ArchiveHistoryWorkflow")
class ArchiveHistoryWorkflow:
    """Waits for the cycle to close, then exports its history (the server keeps it 24 h only)."""

    @workflow.run
    async def run(self, inp: ArchiveInput) -> int:
        # The activity fails (and retries) until the parent's close event is in its history.
        count: int = await workflow.execute_activity(
            "archive_history",
            inp,
            result_type=int,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5)
            ),
        )
        return count

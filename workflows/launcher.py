"""LaunchCycleWorkflow: start every employee-year of a scope, durably, page by page.

Idempotent at two levels. The launcher's id is a business key of (year, scope), so a second
launch of the same scope while one runs joins it instead of racing it. Each employee's cycle id
is `appraisal-{year}-{nip}`, so a start that was already made is refused by Temporal and counted
as skipped: a launch repeated after it finished (new hires in the unit) starts only the missing.
The cursor (last NIP handled) lives in workflow state and the page activity heartbeats how far it
got, so a crash of the worker or the API resumes where it stopped: no duplicates, nobody missed.
History stays bounded: one activity (three events) per page and continue-as-new every
`pages_per_run` pages, carrying the cursor and the counters.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.launch import LaunchInput, LaunchProgress, PageRequest, PageResult

LAUNCH_PAGE = "launch_page"
PAGE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)


@workflow.defn(name="LaunchCycleWorkflow")
class LaunchCycleWorkflow:
    """Pages the employees of a scope and starts their AppraisalCycleWorkflows."""

    @workflow.init
    def __init__(self, inp: LaunchInput) -> None:
        self.progress = inp.progress or LaunchProgress(launch_id=inp.scope.key(), year=inp.year)

    @workflow.run
    async def run(self, inp: LaunchInput) -> LaunchProgress:
        now = workflow.now()
        start = inp.calendar_start or now  # one instant for every employee's compressed calendar
        self.progress.started_at = self.progress.started_at or now
        cursor = inp.cursor
        for _ in range(inp.pages_per_run):
            page: PageResult = await workflow.execute_activity(
                LAUNCH_PAGE,
                PageRequest(
                    year=inp.year,
                    scope=inp.scope,
                    task_queue=inp.task_queue,
                    calendar_start=start,
                    after=cursor,
                    limit=inp.page_size,
                    concurrency=inp.concurrency,
                ),
                result_type=PageResult,
                start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=timedelta(seconds=30),
                retry_policy=PAGE_RETRY,
            )
            self.progress.add(page)
            cursor = page.last_nip or cursor
            if page.exhausted:
                self.progress.done = True
                self.progress.finished_at = workflow.now()
                workflow.logger.info("launch finished: %s", self.progress.model_dump_json())
                return self.progress
        carried = self.progress.model_copy(update={"runs": self.progress.runs + 1})
        workflow.continue_as_new(
            inp.model_copy(update={"cursor": cursor, "progress": carried, "calendar_start": start})
        )

    @workflow.query(name="progress")
    def get_progress(self) -> LaunchProgress:
        """Counters so far: selected, started, exempt, skipped, failed with reasons."""
        return self.progress

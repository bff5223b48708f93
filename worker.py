"""Composition root of the worker: Temporal client, database, workflows, activities, outbox."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import structlog
from temporalio.client import Client
from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from activities.archive import ArchiveActivities
from activities.notify import OutboxDispatcher, make_channel
from activities.storage import StorageActivities
from db.engine import make_engine
from infra.temporal import connect, ensure_search_attributes
from settings import Settings, get_settings
from workflows.appraisal import AppraisalCycleWorkflow
from workflows.archive import ArchiveHistoryWorkflow
from workflows.training import TrainingWorkflow

log = structlog.get_logger()
WORKFLOWS = [AppraisalCycleWorkflow, TrainingWorkflow, ArchiveHistoryWorkflow]


def build_worker(client: Client, settings: Settings, executor: ThreadPoolExecutor) -> Worker:
    """A worker for every Kinerja workflow and activity, tuned as measured on a 2-core machine."""
    engine = make_engine(settings.resolved_database_url)
    storage = StorageActivities(engine, settings.notify_channel)
    archive = ArchiveActivities(client, engine)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        activities=[storage.record_step, archive.archive_history],
        activity_executor=executor,
        max_concurrent_activities=executor._max_workers,
        max_concurrent_local_activities=executor._max_workers,
        max_cached_workflows=settings.worker_max_cached_workflows,
        workflow_task_poller_behavior=PollerBehaviorSimpleMaximum(settings.worker_workflow_pollers),
        activity_task_poller_behavior=PollerBehaviorSimpleMaximum(settings.worker_activity_pollers),
        nonsticky_to_sticky_poll_ratio=0.5,
    )


async def run_worker(settings: Settings | None = None) -> None:
    """Connect (retrying until Temporal is up), then run the worker and the outbox dispatcher."""
    settings = settings or get_settings()
    client = await _connect_retrying(settings)
    await ensure_search_attributes(client, settings.temporal_namespace)
    channel = make_channel(
        settings.notify_channel,
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        sender=settings.smtp_sender,
        webhook_url=settings.webhook_url,
    )
    with ThreadPoolExecutor(max_workers=16) as executor:
        worker = build_worker(client, settings, executor)
        dispatcher = OutboxDispatcher(make_engine(settings.resolved_database_url), channel)
        log.info(
            "worker started", task_queue=settings.task_queue, address=settings.temporal_address
        )
        outbox = asyncio.create_task(dispatcher.run_forever())
        try:
            await worker.run()
        finally:
            outbox.cancel()


async def _connect_retrying(settings: Settings, attempts: int = 60) -> Client:
    for n in range(attempts):
        try:
            return await connect(settings.temporal_address, settings.temporal_namespace)
        except RuntimeError as exc:
            log.warning("temporal not reachable yet", attempt=n + 1, error=str(exc))
            await asyncio.sleep(1)
    raise RuntimeError(f"Temporal at {settings.temporal_address} unreachable")


if __name__ == "__main__":
    from infra.logging import configure_logging

    s = get_settings()
    configure_logging(level=s.log_level, json=s.log_json)
    asyncio.run(run_worker(s))

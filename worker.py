"""Composition root of the worker: workflows, activities, outbox delivery, the escalation sweeper
and the history archive."""

import asyncio
import compileall
import gc
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import structlog
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import (
    PollerBehaviorSimpleMaximum,
    UnsandboxedWorkflowRunner,
    Worker,
    WorkflowRunner,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from activities.archive import HistoryArchiver
from activities.escalation import EscalationSweeper
from activities.launch import LaunchActivities
from activities.notify import OutboxDispatcher, make_channel
from activities.storage import StorageActivities
from db.engine import make_engine
from domain.launch import launch_task_queue
from infra.temporal import connect, ensure_search_attributes
from settings import Settings, get_settings
from workflows.appraisal import AppraisalCycleWorkflow
from workflows.launcher import LaunchCycleWorkflow
from workflows.training import TrainingWorkflow

log = structlog.get_logger()
WORKFLOWS = [AppraisalCycleWorkflow, TrainingWorkflow]
EXECUTOR_THREADS = 16  # sync DB activities run here; also caps concurrent (local) activities


def build_worker(
    client: Client,
    settings: Settings,
    executor: ThreadPoolExecutor,
    engine: Engine | None = None,
    storage: StorageActivities | None = None,
) -> Worker:
    """A worker for every Kinerja workflow and activity, tuned as measured on a 2-core machine."""
    engine = engine or make_engine(settings.resolved_database_url)
    storage = storage or StorageActivities(engine, settings.notify_channel)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        activities=[storage.record_step],
        activity_executor=executor,
        max_concurrent_activities=EXECUTOR_THREADS,
        max_concurrent_local_activities=EXECUTOR_THREADS,
        max_cached_workflows=settings.worker_max_cached_workflows,
        workflow_runner=workflow_runner(settings),
        workflow_task_poller_behavior=PollerBehaviorSimpleMaximum(settings.worker_workflow_pollers),
        activity_task_poller_behavior=PollerBehaviorSimpleMaximum(settings.worker_activity_pollers),
        nonsticky_to_sticky_poll_ratio=0.5,
        graceful_shutdown_timeout=timedelta(seconds=10),
    )


def workflow_runner(settings: Settings) -> WorkflowRunner:
    """Temporal's sandbox (development, tests) or none (production: README Performance)."""
    return SandboxedWorkflowRunner() if settings.worker_sandbox else UnsandboxedWorkflowRunner()


def build_launch_worker(
    client: Client, settings: Settings, engine: Engine, storage: StorageActivities | None = None
) -> Worker:
    """The bulk launcher on its own queue, so a launch's backlog of new cycles cannot starve it.

    It writes the first step of each page's cycles itself, with the cycles' writer when both
    queues run in one process (one SQLite write lock per process)."""
    storage = storage or StorageActivities(engine, settings.notify_channel)
    launch = LaunchActivities(client, engine, storage)
    return Worker(
        client,
        task_queue=launch_task_queue(settings.task_queue),
        workflows=[LaunchCycleWorkflow],
        activities=[launch.launch_page],
        max_concurrent_activities=2,
    )


def precompile_workflow_modules() -> None:
    """Write the bytecode of the sandboxed workflow modules (best effort).

    The sandbox imports them afresh for every workflow run; with no cached bytecode (an editable
    install under PYTHONDONTWRITEBYTECODE) each run compiled them from source: measured with
    py-spy, a third of the worker's CPU during a launch of 1,000 cycles. An installed package
    (the Docker image) has its bytecode from pip; a read-only tree is left as it is.
    """
    for package in ("workflows", "domain"):
        compileall.compile_dir(Path(__file__).parent / package, quiet=2)


async def run_worker(settings: Settings | None = None) -> None:
    """Run the worker, the outbox dispatcher, the escalation sweeper and the history archiver
    until SIGTERM or SIGINT."""
    settings = settings or get_settings()
    # Fewer collections: each young one promotes survivors, and a full one walks every object of
    # every cached cycle (250-400 ms with 2,500 cached, in the middle of updates in flight).
    gc.set_threshold(*settings.worker_gc_thresholds)
    precompile_workflow_modules()
    client = await _connect_retrying(settings)
    await ensure_search_attributes(client, settings.temporal_namespace)
    channel = make_channel(
        settings.notify_channel,
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        sender=settings.smtp_sender,
        webhook_url=settings.webhook_url,
    )
    engine = make_engine(settings.resolved_database_url)
    storage = StorageActivities(engine, settings.notify_channel)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    cycles = settings.worker_queues in ("all", "cycles")
    with ThreadPoolExecutor(max_workers=EXECUTOR_THREADS) as executor:
        workers = [build_worker(client, settings, executor, engine, storage)] if cycles else []
        if settings.worker_queues in ("all", "launch"):
            workers.append(build_launch_worker(client, settings, engine, storage))
        background = (
            [
                asyncio.create_task(OutboxDispatcher(engine, channel).run_forever()),
                asyncio.create_task(EscalationSweeper(storage).run_forever()),
                asyncio.create_task(HistoryArchiver(client, engine).run_forever()),
            ]
            if cycles
            else []
        )
        log.info(
            "worker started",
            task_queue=settings.task_queue,
            serves=settings.worker_queues,
            address=settings.temporal_address,
        )
        async with AsyncExitStack() as running:
            for w in workers:
                await running.enter_async_context(w)
            await stop.wait()
            log.info("worker stopping")
            # The shutdown evicts every cached cycle at once. A full collection meanwhile walks
            # them all: with 15,000 cached the worker took about 30 s to exit after SIGTERM, in
            # gc_collect_main (session 13). What is alive now is frozen out of the collector's
            # walks; the process's exit frees it.
            gc.freeze()
        for task in background:
            task.cancel()
    engine.dispose()


async def _connect_retrying(settings: Settings, attempts: int = 60) -> Client:
    for n in range(attempts):
        try:
            return await connect(settings.temporal_address, settings.temporal_namespace)
        except RuntimeError as exc:
            log.warning("temporal not reachable yet", attempt=n + 1, error=str(exc))
            await asyncio.sleep(1)
    raise RuntimeError(f"Temporal at {settings.temporal_address} unreachable")


QUEUE_CHOICES = ("all", "cycles", "launch")


def settings_for(argv: list[str], settings: Settings) -> Settings:
    """`python -m worker [all|cycles|launch]`: the queues this process serves, from the command
    line over KINERJA_WORKER_QUEUES, so services of one image and one environment can split the
    bulk launcher from the cycles (docker-compose.yml)."""
    if not argv:
        return settings
    if argv[0] not in QUEUE_CHOICES or len(argv) > 1:
        raise SystemExit(f"usage: python -m worker [{'|'.join(QUEUE_CHOICES)}]")
    return settings.model_copy(update={"worker_queues": argv[0]})


if __name__ == "__main__":
    from infra.logging import configure_logging

    s = settings_for(sys.argv[1:], get_settings())
    configure_logging(level=s.log_level, json=s.log_json)
    asyncio.run(run_worker(s))

"""The bench's worker process: the real Kinerja worker plus a worker for the raw baselines."""

import asyncio
import os
from pathlib import Path

from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from bench.gcprobe import GcPauses
from bench.raw import RAW_QUEUE, BenchEcho, BenchEmpty
from infra.temporal import connect
from settings import get_settings
from worker import run_worker, workflow_runner


async def main() -> None:
    settings = get_settings()
    pauses = GcPauses(Path(os.environ.get("KINERJA_VAR_DIR", ".")) / "worker-gc.json")
    pauses.write_in_background()
    client = await connect(settings.temporal_address, settings.temporal_namespace)
    raw = Worker(
        client,
        task_queue=RAW_QUEUE,
        workflows=[BenchEmpty, BenchEcho],
        # The same poller tuning as the real worker, so the baseline is like for like.
        workflow_task_poller_behavior=PollerBehaviorSimpleMaximum(settings.worker_workflow_pollers),
        nonsticky_to_sticky_poll_ratio=0.5,
        # And the same workflow runner: the sandbox costs milliseconds per new workflow run.
        workflow_runner=workflow_runner(settings),
    )
    async with raw:
        await run_worker(settings)


if __name__ == "__main__":
    from infra.logging import configure_logging

    configure_logging(level=get_settings().log_level, json=True)
    asyncio.run(main())

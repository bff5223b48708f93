"""The bench's worker process: the real Kinerja worker plus a worker for the raw baselines."""

import asyncio
import gc
import json
import os
import time
from pathlib import Path
from typing import Any

from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from bench.raw import RAW_QUEUE, BenchEcho, BenchEmpty
from infra.temporal import connect
from settings import get_settings
from worker import run_worker


class GcPauses:
    """The worker's garbage-collection pauses of 1 ms or more, as (wall time, generation, ms),
    written to `path` every 2 s for the bench to read for its measured windows."""

    def __init__(self, path: Path) -> None:
        self.path, self.began = path, 0.0
        self.pauses: list[tuple[float, int, float]] = []
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.began = time.perf_counter()
            return
        ms = (time.perf_counter() - self.began) * 1000
        if ms >= 1:
            self.pauses.append((time.time(), info["generation"], round(ms, 2)))

    async def write_forever(self) -> None:
        while True:
            await asyncio.sleep(2)
            self.path.write_text(json.dumps(self.pauses))


async def main() -> None:
    settings = get_settings()
    pauses = GcPauses(Path(os.environ.get("KINERJA_VAR_DIR", ".")) / "worker-gc.json")
    writer = asyncio.create_task(pauses.write_forever())
    client = await connect(settings.temporal_address, settings.temporal_namespace)
    raw = Worker(
        client,
        task_queue=RAW_QUEUE,
        workflows=[BenchEmpty, BenchEcho],
        # The same poller tuning as the real worker, so the baseline is like for like.
        workflow_task_poller_behavior=PollerBehaviorSimpleMaximum(settings.worker_workflow_pollers),
        nonsticky_to_sticky_poll_ratio=0.5,
    )
    async with raw:
        await run_worker(settings)
    writer.cancel()


if __name__ == "__main__":
    from infra.logging import configure_logging

    configure_logging(level=get_settings().log_level, json=True)
    asyncio.run(main())

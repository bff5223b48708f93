"""The worker's background loops (outbox delivery, escalation sweep, history archive)."""

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger()


async def repeat_batches(
    batch: Callable[[], Awaitable[int]], *, full: int, interval: float, what: str
) -> None:
    """Run `batch` forever: again at once after a full batch (`full` items), else after
    `interval` seconds. A failure (the database or Temporal away for a while) is logged and
    tried again after the interval."""
    while True:
        try:
            done = await batch()
        except Exception:
            log.warning(f"{what} failed; retrying", exc_info=True)
            done = 0
        if done < full:
            await asyncio.sleep(interval)

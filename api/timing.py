"""Server-Timing (W3C): how long each phase of a request took, for browsers' devtools and the
bench, which splits a completion's round trip into its database read, workflow update and
step write with it."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ServerTiming:
    """Phases of one request in the order they ran; `headers()` gives the response header."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, float]] = []

    @asynccontextmanager
    async def __call__(self, name: str) -> AsyncIterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.phases.append((name, (time.perf_counter() - began) * 1000))

    def headers(self) -> dict[str, str]:
        if not self.phases:
            return {}
        return {"Server-Timing": ", ".join(f"{n};dur={ms:.1f}" for n, ms in self.phases)}

"""Server-Timing (W3C): how long each phase of a request took, for browsers' devtools and the
bench, which splits a completion's round trip into its database read, workflow update and
step write with it."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send


class RequestClock:
    """ASGI middleware: notes when the request reached the app (request.state.began)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["began"] = time.perf_counter()
        await self.app(scope, receive, send)


class ServerTiming:
    """Phases of one request in the order they ran; `headers()` gives the response header.

    The first phase, `before`, is what ran before the handler: routing, reading and checking
    the body, the caller's token and account (with RequestClock installed)."""

    def __init__(self, request: Request) -> None:
        self.phases: list[tuple[str, float]] = []
        began = getattr(request.state, "began", None)
        if began is not None:
            self.phases.append(("before", (time.perf_counter() - began) * 1000))

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

"""A lazily connecting Temporal client: the API starts, and reports Temporal down, without it."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from api.errors import ApiError

log = structlog.get_logger()

Connector = Callable[[], Awaitable[Client]]
# After a failed connect, requests fail fast for this long instead of each waiting on a timeout.
RETRY_AFTER_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 5.0


def temporal_unavailable(reason: str = "Temporal tidak dapat dihubungi") -> ApiError:
    """503 for any action that needs the workflow engine while it is unreachable."""
    return ApiError(503, "temporal_unavailable", reason, headers={"Retry-After": "5"})


class TemporalGateway:
    """Holds one client; connects on first use and retries later after a failure."""

    def __init__(self, connector: Connector | None = None, client: Client | None = None) -> None:
        self._connector = connector
        self._client = client
        self._lock = asyncio.Lock()
        self._failed_at = 0.0

    @classmethod
    def of(cls, client: Client) -> "TemporalGateway":
        """A gateway around an existing client (tests, embedded use)."""
        return cls(client=client)

    async def client(self) -> Client:
        """The connected client, or ApiError 503."""
        if self._client is not None:
            return self._client
        if self._connector is None:
            raise temporal_unavailable("Temporal tidak dikonfigurasi")
        async with self._lock:
            if self._client is not None:
                return self._client
            if time.monotonic() - self._failed_at < RETRY_AFTER_SECONDS:
                raise temporal_unavailable()
            try:
                self._client = await asyncio.wait_for(self._connector(), CONNECT_TIMEOUT_SECONDS)
            except Exception as exc:  # any connect failure means "unavailable", never a crash
                self._failed_at = time.monotonic()
                log.warning("temporal connect failed", error=str(exc) or type(exc).__name__)
                raise temporal_unavailable() from exc
            return self._client

    async def server_version(self) -> str:
        """The server's version string; ApiError 503 when unreachable."""
        client = await self.client()
        try:
            info = await client.workflow_service.get_system_info(
                GetSystemInfoRequest(), timeout=timedelta(seconds=3)
            )
        except Exception as exc:
            raise temporal_unavailable() from exc
        return info.server_version or "unknown"

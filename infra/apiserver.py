"""How the API is served by uvicorn: one keep-alive for every way it is started."""

import sys

# Longer than any client's or load balancer's idle expiry (httpx 5 s, a typical LB 60 s): with
# uvicorn's default of 5 s, a client reusing an idle connection as the server closed it got a
# transport error (seen as two failed requests under 50 clients). The Dockerfile and
# docker-compose.yml pass the same value on their command lines.
KEEP_ALIVE_S = 75


def api_server_command(*, host: str, port: int) -> list[str]:
    """uvicorn serving `api.main:app` as a subprocess, quiet (warnings only, no access log)."""
    return [
        sys.executable, "-m", "uvicorn", "api.main:app", "--host", host, "--port", str(port),
        "--log-level", "warning", "--no-access-log", "--timeout-keep-alive", str(KEEP_ALIVE_S),
    ]  # fmt: skip

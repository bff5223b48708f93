"""What one request costs the bench's own HTTP client, httpx against aiohttp.

    python -m bench.clients [--requests 4000] [--clients 20]

The bench's clients share the two cores with the stack they measure, so their CPU is in every
latency the bench reports. This times each client's CPU (`time.process_time`) for `--requests`
POSTs of an SKP payload, as the completion probe sends them, with `--clients` concurrent
clients, against a minimal HTTP server in a process of its own that answers each at once (its CPU
is not counted). Each client runs twice, alternating.
"""

import argparse
import asyncio
import multiprocessing
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
import httpx

from bench.bots import http_session, skp

ANSWER = b'{"task_id":"t","stage":"perencanaan","next_task_ids":["u"],"message":"ok"}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
    b"server-timing: read;dur=1.0, update;dur=2.0, write;dur=1.0\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER)
)
PATH = "/tasks/appraisal-2031-196601011988011001/skp1/draft/complete"
HEADERS = {"Authorization": "Bearer " + "x" * 300}  # about the length of the bench's tokens
BODY = {"payload": skp("196601011988011001", 2031, "JPT Pratama")}


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            writer.write(RESPONSE)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


def serve(port: int) -> None:
    async def main() -> None:
        server = await asyncio.start_server(_answer, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def with_httpx(url: str, requests: int, clients: int) -> None:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, limits=limits) as api:

        async def one_client() -> None:
            for _ in range(requests // clients):
                r = await api.post(PATH, json=BODY, headers=HEADERS)
                r.raise_for_status()
                r.headers.get("server-timing", "")

        await asyncio.gather(*(one_client() for _ in range(clients)))


async def with_aiohttp(url: str, requests: int, clients: int) -> None:
    async with http_session(url) as http:

        async def one_client() -> None:
            for _ in range(requests // clients):
                async with http.post(PATH, json=BODY, headers=HEADERS) as r:
                    await r.text()
                    r.raise_for_status()
                    r.headers.get("server-timing", "")

        await asyncio.gather(*(one_client() for _ in range(clients)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--port", type=int, default=18999)
    args = ap.parse_args()
    server = multiprocessing.Process(target=serve, args=(args.port,), daemon=True)
    server.start()
    time.sleep(0.5)
    url = f"http://127.0.0.1:{args.port}"
    runs: list[tuple[str, Callable[[str, int, int], Coroutine[Any, Any, None]]]] = [
        ("httpx", with_httpx),
        ("aiohttp", with_aiohttp),
    ]
    try:
        for name, run in runs * 2:
            cpu, wall = time.process_time(), time.perf_counter()
            asyncio.run(run(url, args.requests, args.clients))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            version = httpx.__version__ if name == "httpx" else aiohttp.__version__
            sys.stdout.write(
                f"{name:8} {version:8} client CPU {cpu * 1000 / args.requests:.3f} ms per "
                f"request, {args.requests / wall:.0f} requests/s\n"
            )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()

"""Clients that work every open task through the API with an Idempotency-Key, and read inboxes."""

import asyncio
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from fault_harness import Outcomes, Tokens, payload_for
from sqlalchemy import Engine, Select, select

from db.models import Task, task_visible
from db.models.base import table_of
from domain.enums import TaskKind, TaskStatus


def open_sql() -> Select[Any]:
    """Open tasks that can be worked now, oldest first."""
    t = table_of(Task)
    return (
        select(t.c.id, t.c.kind, t.c.assignee_nip, t.c.subject_nip, t.c.period_index)
        .where(t.c.status == TaskStatus.OPEN.value, task_visible(datetime.now(UTC)))
        .order_by(t.c.created_at)
        .limit(5000)
    )


# A repeat after a 5xx or a dropped connection is safe: the same key replays or dedupes.
RETRY = {502, 503, 504, 599}


class Bots:
    """`clients` concurrent people completing open tasks; a fraction of calls read an inbox."""

    def __init__(
        self,
        api: httpx.AsyncClient,
        engine: Engine,
        tokens: Tokens,
        jenis: dict[str, str],
        *,
        year: int,
        clients: int,
        inbox_share: float = 0.0,
    ) -> None:
        self.api, self.engine, self.tokens, self.jenis = api, engine, tokens, jenis
        self.year, self.clients, self.inbox_share = year, clients, inbox_share
        self.queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self.seen: set[str] = set()
        self.out = Outcomes()
        self.completed = 0
        self.rng = random.Random(6)
        self.reserved: set[str] = set()  # tasks the test completes itself
        self.attempted: set[str] = set()  # tasks a bot has sent a completion for
        self.crashes: list[str] = []
        self.refused: dict[str, int] = {}  # task id -> 4xx answers: a fresh key after each

    def _open(self) -> list[tuple[Any, ...]]:
        try:
            with self.engine.connect() as c:
                rows = c.execute(open_sql()).all()
        except Exception:  # the direct database read of the feed must not stop the bots
            return []
        return [tuple(r) for r in rows if r[0] not in self.seen]

    async def _feed(self, stop: Callable[[], bool]) -> None:
        while not stop():
            if self.queue.qsize() < self.clients * 4:
                for row in await asyncio.to_thread(self._open):
                    self.seen.add(row[0])
                    self.queue.put_nowait(row)
            await asyncio.sleep(0.3)

    async def call(self, route: str, method: str, url: str, **kw: Any) -> httpx.Response | None:
        began = time.perf_counter()
        try:
            r = await self.api.request(method, url, **kw)
        except httpx.HTTPError:
            self.out.add(route, 599, (time.perf_counter() - began) * 1000)
            return None
        self.out.add(route, r.status_code, (time.perf_counter() - began) * 1000, r.text)
        return r

    async def _inbox(self) -> None:
        nip = self.rng.choice(list(self.jenis))
        await self.call("GET /tasks", "GET", "/tasks", headers=self.tokens(nip))

    async def _work(self, stop: Callable[[], bool]) -> None:
        while not stop():
            if self.inbox_share and self.rng.random() < self.inbox_share:
                await self._inbox()
                continue
            try:
                tid, kind, assignee, subject, period = await asyncio.wait_for(self.queue.get(), 0.5)
            except TimeoutError:
                continue
            if tid in self.reserved:
                continue
            self.attempted.add(tid)  # no await since the check: the probe cannot slip in between
            try:
                await self._complete(tid, kind, assignee, subject, period)
            except Exception as exc:  # a bug in the bot: reported, and the others go on
                self.crashes.append(repr(exc))

    async def _complete(
        self, tid: str, kind: str, assignee: str | None, subject: str, period: int | None
    ) -> None:
        body = {
            "payload": payload_for(TaskKind(kind), period, subject, self.year, self.jenis[subject])
        }
        key = f"bot-{tid}-{self.refused.get(tid, 0)}"
        headers = {**self.tokens(assignee), "Idempotency-Key": key}
        r = await self.call(
            "POST /tasks/{id}/complete", "POST", f"/tasks/{tid}/complete",
            json=body, headers=headers,
        )  # fmt: skip
        code = 599 if r is None else r.status_code
        if code == 200:
            self.completed += 1
        else:  # the feed offers it again (with its current assignee) while it is open
            if code not in RETRY:
                self.refused[tid] = self.refused.get(tid, 0) + 1
            await asyncio.sleep(0.5)
            self.seen.discard(tid)

    async def run(self, stop: Callable[[], bool]) -> Outcomes:
        await asyncio.gather(self._feed(stop), *(self._work(stop) for _ in range(self.clients)))
        return self.out

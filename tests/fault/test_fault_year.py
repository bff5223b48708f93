"""A compressed year on real processes while faults are injected (issue 6, points 1-4).

Worker SIGKILLed at random moments, the Temporal dev server stopped and restarted (on-disk state),
PostgreSQL cut for ~30 s behind a proxy, the API restarted between two identical keyed requests.
Afterwards: every cycle closed, no duplicate or lost task, audit event or notification.
"""

import asyncio
import json
import random
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fault_bots import Bots
from fault_harness import (
    SCALE,
    FaultStack,
    Tokens,
    audit_per_workflow,
    db_counts,
    fresh_pg_database,
    payload_for,
    seed_city,
    start_cycles,
    swept_escalations,
    write_report,
)
from fault_proxy import TcpProxy
from sqlalchemy import Engine, select, text
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from db.audit import verify_chain
from db.engine import make_engine, migrate
from db.models import Task, task_visible
from db.models.base import table_of
from domain.enums import TaskKind, TaskStatus
from infra.temporal import LOCAL_ACTIVITY_MARKER

pytestmark = pytest.mark.fault
YEAR = 2031
DB_OUTAGE_S = 30.0


class Chaos:
    """The faults, injected on a schedule spread over the compressed year; each one logged."""

    def __init__(self, stack: FaultStack, proxy: TcpProxy, year_s: float) -> None:
        self.stack, self.proxy, self.year_s = stack, proxy, year_s
        self.rng = random.Random(int(time.time()))
        self.log: list[dict[str, Any]] = []
        self.t0 = time.monotonic()
        self.db_probe: dict[str, Any] = {}
        self.idempotency: dict[str, Any] = {}

    def note(self, fault: str, **kw: Any) -> None:
        self.log.append({"t": round(time.monotonic() - self.t0, 1), "fault": fault, **kw})

    async def at(self, share: float) -> None:
        await asyncio.sleep(max(0.0, self.t0 + share * self.year_s - time.monotonic()))

    async def kill_worker(self) -> None:
        self.stack.kill_worker()
        down = self.rng.uniform(0.0, 3.0)
        self.note("worker SIGKILL", down_s=round(down, 1))
        await asyncio.sleep(down)
        self.stack.start_worker()

    async def restart_temporal(self) -> None:
        began = time.monotonic()
        self.stack.stop_temporal()
        await asyncio.sleep(2)
        await self.stack.start_temporal()
        self.note("temporal dev server stop+start", down_s=round(time.monotonic() - began, 1))

    async def database_outage(self, probe: "ApiProbe") -> None:
        self.proxy.cut()
        began = time.monotonic()
        self.note("postgresql cut", down_s=DB_OUTAGE_S)
        self.db_probe = await probe.while_down(until=began + DB_OUTAGE_S)
        self.proxy.restore()

    async def run(self, probe: "ApiProbe") -> None:
        kills = sorted(self.rng.uniform(0.05, 0.9) for _ in range(SCALE.worker_kills))
        plan: list[tuple[float, Any]] = [(k, self.kill_worker) for k in kills]
        plan += [(0.3, self.restart_temporal), (0.45, lambda: self.restart_api(probe))]
        plan += [(0.55, lambda: self.database_outage(probe))]
        for share, action in sorted(plan, key=lambda p: p[0]):
            await self.at(share)
            await action()

    async def restart_api(self, probe: "ApiProbe") -> None:
        self.idempotency = await probe.idempotent_repeat(self)


class ApiProbe:
    """Direct calls made by the test itself (not the bots): the 503 checks and keyed repeats."""

    def __init__(self, stack: FaultStack, engine: Engine, tokens: Tokens, bots: Bots) -> None:
        self.stack, self.engine, self.tokens, self.bots = stack, engine, tokens, bots

    async def while_down(self, until: float) -> dict[str, Any]:
        """Until the database returns: the API must answer 503 JSON quickly, never hang or 500."""
        codes: dict[str, int] = {}
        worst = 0.0
        nip = next(iter(self.bots.jenis))
        async with httpx.AsyncClient(base_url=self.stack.api_url, timeout=10) as api:
            while time.monotonic() < until:
                for method, url in (("GET", "/tasks"), ("GET", "/me/cycles")):
                    began = time.monotonic()
                    r = await api.request(method, url, headers=self.tokens(nip))
                    worst = max(worst, time.monotonic() - began)
                    code = r.json().get("code") if r.status_code >= 400 else None
                    key = f"{r.status_code} {code}"
                    codes[key] = codes.get(key, 0) + 1
                await asyncio.sleep(1)
        return {"answers": codes, "slowest_s": round(worst, 2)}

    def _claim_open_task(self, last_resort: bool = False) -> tuple[Any, ...]:
        """An open task the bots have not taken yet (marked as theirs so they leave it alone)."""
        t = table_of(Task)
        with self.engine.connect() as c:  # a task written ahead of its date is refused until then
            rows = c.execute(
                select(t.c.id, t.c.kind, t.c.assignee_nip, t.c.subject_nip, t.c.period_index)
                .where(t.c.status == TaskStatus.OPEN.value, task_visible(datetime.now(UTC)))
                .order_by(t.c.due_at.desc())
            ).all()
        fresh = [r for r in rows if r[0] not in self.bots.seen and r[0] not in self.bots.reserved]
        # Queued for a bot but not sent: the bot skips it once reserved. A task a bot has sent
        # may be done in the workflow before its step reaches the database, and would answer 409.
        taken = [
            r
            for r in rows
            if r[0] not in self.bots.reserved and (last_resort or r[0] not in self.bots.attempted)
        ]
        if not (fresh or taken):
            raise AssertionError("no open task left for the idempotency check")
        row = (fresh or taken)[0]
        self.bots.reserved.add(row[0])
        return tuple(row)

    async def _wait_claim(self) -> tuple[Any, ...]:
        for _ in range(60):
            try:
                return self._claim_open_task()
            except AssertionError:
                await asyncio.sleep(0.5)
        return self._claim_open_task(last_resort=True)

    async def _post(self, row: tuple[Any, ...], key: str) -> httpx.Response:
        tid, kind, assignee, subject, period = row
        jenis = self.bots.jenis[subject]
        body = {"payload": payload_for(TaskKind(kind), period, subject, YEAR, jenis)}
        headers = {**self.tokens(assignee), "Idempotency-Key": key}
        async with httpx.AsyncClient(base_url=self.stack.api_url, timeout=60) as api:
            for _ in range(60):  # through the restart window: 5xx and refused connects repeat
                try:
                    r = await api.post(f"/tasks/{tid}/complete", json=body, headers=headers)
                except httpx.HTTPError:
                    await asyncio.sleep(0.5)
                    continue
                if r.status_code < 500:
                    return r
                await asyncio.sleep(0.5)
        raise AssertionError(f"no answer for {tid}")

    async def idempotent_repeat(self, chaos: Chaos) -> dict[str, Any]:
        """Answer, restart the API, repeat: same answer. Then a request cut off by a kill."""
        # A task the workflow closes meanwhile (its compressed deadline passed) answers 409 both
        # times, correctly; the check wants a completion, so it takes another task then.
        for i in range(8):
            row = await self._wait_claim()
            first = await self._post(row, f"fault-repeat-{i}")
            if first.status_code == 200:
                break
        self.stack.stop_api()
        await self.stack.start_api()
        chaos.note("api restart (SIGTERM) between two keyed requests")
        again = await self._post(row, f"fault-repeat-{i}")
        for i in range(3):
            lost = await self._wait_claim()
            in_flight = asyncio.create_task(self._post(lost, f"fault-lost-answer-{i}"))
            await asyncio.sleep(0.3)
            self.stack._stop("api", signal.SIGKILL)
            chaos.note("api SIGKILL with a keyed request in flight")
            await self.stack.start_api()
            retried = await in_flight
            if retried.status_code == 200 or "ditutup" not in retried.text:
                break
        # Whatever is still open goes back to the bots, including every task claimed and left.
        self.bots.seen.difference_update(self.bots.reserved)
        self.bots.reserved.clear()
        return {
            "task": row[0],
            "first": [first.status_code, first.json()],
            "repeat": [again.status_code, again.json()],
            "replayed_header": again.headers.get("Idempotent-Replayed"),
            "lost_answer_task": lost[0],
            "lost_answer_retry": [retried.status_code, retried.json()],
        }


async def history_steps(client: Client, wf_ids: list[str]) -> dict[str, list[str]]:
    """Steps each workflow's history records: local activity markers, completed activities and
    the steps completions' updates returned (one step returned again counts once)."""
    sem = asyncio.Semaphore(16)

    async def one(wf_id: str) -> tuple[str, list[str]]:
        async with sem:
            history = await client.get_workflow_handle(wf_id).fetch_history()
        steps, returned = [], set()
        for e in history.events:
            if (
                e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
                and e.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER
            ):
                payload = e.marker_recorded_event_attributes.details["result"].payloads[0]
            elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                payload = e.activity_task_completed_event_attributes.result.payloads[0]
            elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
                outcome = e.workflow_execution_update_completed_event_attributes.outcome
                if outcome.HasField("success"):
                    answer = json.loads(outcome.success.payloads[0].data)
                    returned |= {f"{wf_id}/{r['step']}" for r in answer.get("steps", [])}
                continue
            else:
                continue
            steps.append(f"{wf_id}/{json.loads(payload.data)['step']}")
        return wf_id, steps + sorted(returned - set(steps))

    return dict(await asyncio.gather(*(one(w) for w in wf_ids)))


def closes_of(engine: Engine, task_ids: list[str]) -> dict[str, int]:
    """How many audit events closed each task (the action happened once: exactly 1)."""
    found = dict.fromkeys(task_ids, 0)
    with engine.connect() as c:
        for (after,) in c.execute(text("SELECT after FROM audit_event")):
            for closed in (after or {}).get("tasks_closed", []):
                if closed.get("id") in found:
                    found[closed["id"]] += 1
    return found


def closed_count(engine: Engine) -> tuple[int, int]:
    with engine.connect() as c:
        closed = c.execute(
            text("SELECT count(*) FROM cycle_record WHERE year = :y AND closed_at IS NOT NULL"),
            {"y": YEAR},
        ).scalar_one()
        open_tasks = c.execute(text("SELECT count(*) FROM task WHERE status = 'open'")).scalar_one()
    return int(closed), int(open_tasks)


async def test_a_year_survives_kills_restarts_and_a_database_outage(tmp_path: Path) -> None:
    n, year_s = SCALE.employees, SCALE.year_minutes * 60
    began = time.monotonic()
    with fresh_pg_database() as dbname:
        direct = f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}"
        proxy = TcpProxy("127.0.0.1", 5432).start()
        proxied = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{dbname}"
        migrate(direct)
        engine = make_engine(direct)
        jenis = seed_city(engine, n, YEAR, SCALE.year_minutes)
        queue = f"fault-{tmp_path.name}"[:60]
        stack = FaultStack(tmp_path, proxied, queue)
        tokens = Tokens()
        try:
            client = await stack.start_temporal()
            stack.start_worker()
            await stack.start_api()
            wf_ids = await start_cycles(client, engine, YEAR, queue)
            limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
            async with httpx.AsyncClient(base_url=stack.api_url, timeout=30, limits=limits) as api:
                bots = Bots(api, engine, tokens, jenis, year=YEAR, clients=24)
                done = asyncio.Event()
                bot_run = asyncio.create_task(bots.run(done.is_set))
                chaos = Chaos(stack, proxy, year_s)
                await chaos.run(ApiProbe(stack, engine, tokens, bots))
                deadline = time.monotonic() + year_s + 240
                while time.monotonic() < deadline:
                    closed, open_tasks = await asyncio.to_thread(closed_count, engine)
                    if closed == n and open_tasks == 0:
                        break
                    if not stack.alive("worker"):
                        stack.start_worker()
                    await asyncio.sleep(1)
                done.set()
                outcomes = await bot_run
            client = await stack.start_temporal() if not stack.alive("temporal") else client
            results = await asyncio.wait_for(
                asyncio.gather(*(client.get_workflow_handle(w).result() for w in wf_ids)), 60
            )
            for _ in range(120):  # the outbox dispatcher runs every second in the worker
                counts = db_counts(engine, YEAR)
                if counts["notifications_undelivered"] == 0:
                    break
                await asyncio.sleep(1)
            audits = audit_per_workflow(engine)
            swept = swept_escalations(engine)
            in_history = await history_steps(client, list(audits))
            with Session(engine) as s:
                chain = verify_chain(s)
            closes = closes_of(
                engine, [chaos.idempotency["task"], chaos.idempotency["lost_answer_task"]]
            )
        finally:
            stack.stop_all()
            proxy.stop()
            engine.dispose()

    # Every audit event is a step the history records, once, and the other way round.
    mismatched = {
        w: {
            "audit_only": sorted(set(audits[w]) - set(in_history[w])),
            "history_only": sorted(set(in_history[w]) - set(audits[w])),
            "history_repeats": len(in_history[w]) - len(set(in_history[w])),
        }
        for w in audits
        if sorted(audits[w]) != sorted(in_history[w])
    }
    idem = chaos.idempotency
    server_errors = [e for e in outcomes.server_errors if e[2] == 500]
    figures = {
        "employees": n,
        "year_compressed_minutes": SCALE.year_minutes,
        "wall_s": round(time.monotonic() - began, 1),
        "faults_injected": len(chaos.log),
        "faults": chaos.log,
        "cycles_completed": sum(1 for r in results if r["stage"] == "selesai"),
        "db": counts,
        "duplicates_found": counts["duplicate_task_steps"]
        + counts["duplicate_completed_tasks"]
        + counts["duplicate_audit_keys"]
        + counts["duplicate_notification_keys"]
        + len(mismatched),
        "audit_vs_history_mismatches": len(mismatched),
        "audit_chain_ok": chain.ok,
        "escalations_swept": swept,
        "tasks_completed_by_bots": bots.completed,
        "bot_crashes": len(bots.crashes),
        "requests_tried": outcomes.requests,
        "codes": {k: dict(v) for k, v in outcomes.codes.items()},
        "http_500_seen": len(server_errors),
        "http_5xx_during_outages": len(outcomes.server_errors) - len(server_errors),
        "database_outage_api": chaos.db_probe,
        "idempotency": idem,
        "p99_ms": {r: outcomes.p(r, 99) for r in outcomes.ms},
    }
    write_report("year_under_faults", figures)

    assert figures["cycles_completed"] == n, [r["stage"] for r in results][:10]
    assert counts["cycles"] == counts["cycles_closed"] == n
    assert counts["tasks_not_finished"] == 0
    assert figures["duplicates_found"] == 0, (counts, list(mismatched.items())[:5])
    assert counts["notifications"] > 0
    assert counts["notifications_undelivered"] == counts["notifications_attempts_not_1"] == 0
    assert counts["dropped_not_reminders"] == 0  # only a reminder is ever dropped, never tried
    assert chain.ok, chain
    assert not server_errors, server_errors[:5]
    assert not bots.crashes, bots.crashes[:5]
    # While PostgreSQL was away the API said so, quickly, as JSON.
    assert set(chaos.db_probe["answers"]) == {"503 database_unavailable"}, chaos.db_probe
    assert chaos.db_probe["slowest_s"] < 10
    # The repeat after an API restart got the first answer, replayed; the action happened once.
    assert idem["repeat"] == idem["first"], idem
    assert idem["replayed_header"] == "true", idem
    assert idem["first"][0] == 200, idem
    assert idem["lost_answer_retry"][0] == 200, idem
    assert closes == {idem["task"]: 1, idem["lost_answer_task"]: 1}, closes

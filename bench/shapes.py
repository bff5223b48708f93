"""What one human action costs in each workflow shape: the experiment behind "what would move it".

    python -m bench.shapes                       # 3 rounds x 3 shapes x 20 clients x 30 actions
    python -m bench.shapes --rounds 1 --actions 5   # a quick look

Every Kinerja task completion is an Update whose handler records one step and moves the task's
reminder timer. Three shapes of that handler are run on one fresh dev server (the same SQLite
pragmas as the product), in rounds that alternate the shapes so that a host whose speed drifts
favours none of them:

- `activity`: the handler runs the step as a regular activity (what Kinerja ships since the
  `all-steps-as-activities` patch). The decision is in the history before the row is written.
- `local`: the handler runs the step as a local activity (what Kinerja did before that patch):
  one workflow task fewer, but the row is committed before the workflow task that decided it.
- `return`: the handler only decides and returns the step; the caller (the API process) writes
  it. The decision is in the history (the Update's outcome) before the row is written, with no
  activity at all.

Each action writes the same row (a step keyed by workflow and number, ~3 KB of JSON, and a
chain-head row bumped in the same transaction, like the audit append) into a SQLite database in
WAL mode, and restarts a one-day timer as the reminder does. Per shape it reports the Update
round trip p50/p99 with 20 concurrent clients (each its own workflow, like the bench's raw
update), actions per second, the CPU seconds of the dev server, the worker and the caller per
action, and the history events per action. It writes bench/results/shapes.json and shapes.md.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    update,
)
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from bench.run import _die_with_parent, cpu_seconds, free_port, machine, pct
from bench.shape_workflow import SHAPE_QUEUE, SHAPES, Action, LaunchShapeWorkflow, ShapeWorkflow
from infra.devserver import dev_server_command
from infra.temporal import connect

ROOT = Path(__file__).resolve().parent.parent
meta = MetaData()
steps = Table(
    "step",
    meta,
    Column("id", Integer, primary_key=True),
    Column("key", String, unique=True, nullable=False),
    Column("body", Text, nullable=False),
)
head = Table("head", meta, Column("id", Integer, primary_key=True), Column("n", Integer))


def step_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _: Any) -> None:  # the product's SQLite pragmas (db.engine)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")

    meta.create_all(engine)
    with engine.begin() as c:
        if c.execute(select(head.c.id)).first() is None:
            c.execute(insert(head).values(id=1, n=0))
    return engine


def write_step(engine: Engine, key: str, body: dict[str, Any]) -> bool:
    """One step in one transaction, idempotent by key: False when it was already written."""
    with engine.begin() as c:
        c.execute(update(head).where(head.c.id == 1).values(n=head.c.n + 1))  # the chain lock
        if c.execute(select(steps.c.id).where(steps.c.key == key)).first() is not None:
            return False
        c.execute(insert(steps).values(key=key, body=json.dumps(body)))
    return True


class StepActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="shape_write_step")
    def write(self, key: str, body: dict[str, Any]) -> bool:
        return write_step(self.engine, key, body)


def body(n: int) -> dict[str, Any]:
    """About the size of a Kinerja step record (~3 KB of JSON)."""
    return {
        "step": n,
        "actor": "198609262015051001",
        "cycle": {"stage": "penilaian", "rows": [{"rhk": "x" * 120, "iki": "y" * 120}] * 8},
        "tasks": [{"id": str(uuid.UUID(int=n)), "kind": "period_rating", "due": "2030-04-14"}],
    }


async def run_worker(address: str, db: Path) -> None:
    client = await connect(address)
    acts = StepActivities(step_engine(db))
    async with Worker(
        client,
        task_queue=SHAPE_QUEUE,
        workflows=[ShapeWorkflow, LaunchShapeWorkflow],
        activities=[acts.write],
        activity_executor=ThreadPoolExecutor(50),
    ):
        await asyncio.Event().wait()


async def one_shape(
    client: Client, engine: Engine, shape: str, clients: int, actions: int
) -> tuple[list[float], float, list[str]]:
    handles = [
        await client.start_workflow(
            ShapeWorkflow.run,
            shape,
            id=f"shape-{shape}-{uuid.uuid4().hex[:8]}",
            task_queue=SHAPE_QUEUE,
        )
        for _ in range(clients)
    ]
    lat: list[float] = []

    async def desk(h: Any) -> None:
        for n in range(actions):
            t0 = time.perf_counter()
            out = await h.execute_update(ShapeWorkflow.act, Action(n=n, body=body(n)))
            if shape == "return":  # the caller writes what the workflow decided
                await asyncio.to_thread(write_step, engine, out["key"], out["body"])
            lat.append((time.perf_counter() - t0) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(desk(h) for h in handles))
    elapsed = time.perf_counter() - began
    for h in handles:
        await h.signal(ShapeWorkflow.finish)
    return lat, elapsed, [h.id for h in handles]


async def events_per_action(client: Client, ids: list[str], actions: int) -> float:
    total = 0
    for wf_id in ids[:3]:
        h = client.get_workflow_handle(wf_id)
        await h.result()
        total += len((await h.fetch_history()).events)
    return total / min(3, len(ids)) / actions


Procs = dict[str, "subprocess.Popen[bytes]"]


@asynccontextmanager
async def shape_stack(work: Path) -> AsyncIterator[tuple[Client, Engine, Procs]]:
    """A fresh dev server and this module's worker process (both shape workflows, the step
    activity) in `work`, with the steps database; both processes stop on the way out."""
    port = free_port()
    address = f"127.0.0.1:{port}"
    procs: Procs = {}
    log = (work / "temporal.log").open("wb")
    cmd = dev_server_command(
        db_file=work / "temporal.db", host="127.0.0.1", port=port, ui_port=None
    )
    procs["temporal"] = subprocess.Popen(cmd, stdout=log, stderr=log, preexec_fn=_die_with_parent)
    try:
        client = None
        for _ in range(300):
            try:
                client = await connect(address)
                break
            except Exception:
                await asyncio.sleep(0.1)
        assert client is not None, "dev server did not start"
        wlog = (work / "worker.log").open("wb")
        procs["worker"] = subprocess.Popen(
            [sys.executable, "-m", "bench.shapes", "--worker", address, str(work / "steps.db")],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=wlog,
            stderr=wlog,
            preexec_fn=_die_with_parent,
        )
        yield client, step_engine(work / "steps.db"), procs
    finally:
        for p in reversed(list(procs.values())):
            p.terminate()
        for p in procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def run_experiment(
    prefix: str, measure: Callable[[Path], Awaitable[dict[str, Any]]], timeout: float
) -> dict[str, Any]:
    """Run `measure` in a fresh temporary directory; on failure, print the logs' tails first."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work = Path(tmp)
        try:
            return asyncio.run(asyncio.wait_for(measure(work), timeout))
        except BaseException:
            for name in ("temporal.log", "worker.log"):  # what went wrong, before tmp goes
                if (work / name).exists():
                    tail = (work / name).read_text(errors="replace")[-3000:]
                    sys.stderr.write(f"--- {name}\n{tail}\n")
            raise


def save_results(out: Path, stem: str, result: dict[str, Any], md: str) -> None:
    """Write `{stem}.json` and `{stem}.md` into `out` and print the table."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / f"{stem}.md").write_text(md)
    sys.stdout.write(md)


async def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    async with shape_stack(work) as (client, engine, procs):
        await one_shape(client, engine, "activity", 2, 2)  # warm up every part once
        per: dict[str, dict[str, list[float]]] = {
            s: {"lat": [], "rate": [], "server": [], "worker": [], "caller": [], "events": []}
            for s in SHAPES
        }
        for r in range(args.rounds):
            for shape in SHAPES:
                cpu0 = {k: cpu_seconds(p.pid) for k, p in procs.items()}
                me0 = time.process_time()
                lat, elapsed, ids = await one_shape(
                    client, engine, shape, args.clients, args.actions
                )
                n = args.clients * args.actions
                cpu1 = {k: cpu_seconds(p.pid) for k, p in procs.items()}
                d = per[shape]
                d["lat"] += lat
                d["rate"].append(n / elapsed)
                d["server"].append((cpu1["temporal"] - cpu0["temporal"]) / n * 1000)
                d["worker"].append((cpu1["worker"] - cpu0["worker"]) / n * 1000)
                d["caller"].append((time.process_time() - me0) / n * 1000)
                d["events"].append(await events_per_action(client, ids, args.actions))
                sys.stderr.write(
                    f"round {r + 1} {shape:8} p99 {pct(lat, 99):6.1f} ms, {n / elapsed:5.1f}/s, "
                    f"CPU ms/action server {d['server'][-1]:.1f} worker {d['worker'][-1]:.1f} "
                    f"caller {d['caller'][-1]:.1f}, events/action {d['events'][-1]:.1f}\n"
                )
        with engine.connect() as c:
            written = len(c.execute(select(steps.c.key)).all())
        expected = (2 * 2) + args.rounds * len(SHAPES) * args.clients * args.actions
        out: dict[str, Any] = {
            "machine": machine(),
            "clients": args.clients,
            "actions_per_client": args.actions,
            "rounds": args.rounds,
            "steps_written": written,
            "steps_expected": expected,
        }
        for shape, d in per.items():
            out[shape] = {
                "p50_ms": round(pct(d["lat"], 50), 1),
                "p99_ms": round(pct(d["lat"], 99), 1),
                "actions_per_s": round(sorted(d["rate"])[len(d["rate"]) // 2], 1),
                "server_cpu_ms": round(sorted(d["server"])[len(d["server"]) // 2], 1),
                "worker_cpu_ms": round(sorted(d["worker"])[len(d["worker"]) // 2], 1),
                "caller_cpu_ms": round(sorted(d["caller"])[len(d["caller"]) // 2], 1),
                "events_per_action": round(sorted(d["events"])[len(d["events"]) // 2], 2),
            }
        return out


def table(r: dict[str, Any]) -> str:
    lines = [
        f"Update round trip per workflow shape, {r['clients']} clients x "
        f"{r['actions_per_client']} actions x {r['rounds']} rounds; {r['machine']['nproc']} cores "
        f"{r['machine']['cpu']}; steps written {r['steps_written']} of {r['steps_expected']}",
        "",
        "| shape | p50 ms | p99 ms | actions/s | CPU ms/action: server | worker | caller | "
        "events/action |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in SHAPES:
        d = r[s]
        lines.append(
            f"| {s} | {d['p50_ms']} | {d['p99_ms']} | {d['actions_per_s']} | {d['server_cpu_ms']} "
            f"| {d['worker_cpu_ms']} | {d['caller_cpu_ms']} | {d['events_per_action']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        asyncio.run(run_worker(sys.argv[2], Path(sys.argv[3])))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--actions", type=int, default=30, help="actions per client and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=1800, help="give up after (s)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    r = run_experiment("kinerja-shapes-", lambda work: measure(args, work), args.timeout)
    save_results(args.out, "shapes", r, table(r))


if __name__ == "__main__":
    main()

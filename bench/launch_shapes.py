"""What starting one cycle costs in two shapes: the experiment behind the launch's next step.

    python -m bench.launch_shapes                    # 3 rounds x 2 shapes x 1,000 starts
    python -m bench.launch_shapes --rounds 1 --starts 200   # a quick look

A cycle's start writes its first step (the SKP draft task, the read model, the notice). Two
shapes, on one fresh dev server, 50 starts in flight, rounds alternating the shapes:

- `activity`: `start_workflow`; the first workflow task schedules the step as a regular activity,
  and a second workflow task sets the deadline's timer (what Kinerja's cycles do today);
- `update`: `execute_update_with_start_workflow`; the Update sent with the start waits for the
  first step to be decided and returns it, the starter (the launcher) writes it, and one workflow
  task does it all (the returned-steps design of task completions, applied to the start).

Per shape: starts per second counted until every first step is written, CPU ms per start of the
dev server, the worker and the starter, and history events per cycle so far. Writes
bench/results/launch_shapes.json and .md.
"""

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from bench.run import cpu_seconds, machine
from bench.shape_workflow import LAUNCH_SHAPES, SHAPE_QUEUE, LaunchShapeWorkflow
from bench.shapes import run_experiment, save_results, shape_stack, steps, write_step

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 20  # starts per shape before the rounds


def written(engine: Engine, prefix: str) -> int:
    with engine.connect() as c:
        q = select(func.count()).select_from(steps).where(steps.c.key.like(f"{prefix}%"))
        return int(c.execute(q).scalar_one())


async def one_round(
    client: Client, engine: Engine, shape: str, starts: int, inflight: int
) -> tuple[float, list[str]]:
    prefix = f"ls-{shape}-{uuid.uuid4().hex[:8]}-"
    gate = asyncio.Semaphore(inflight)
    ids = [f"{prefix}{i}" for i in range(starts)]

    async def start(wf_id: str) -> None:
        async with gate:
            if shape == "activity":
                await client.start_workflow(
                    LaunchShapeWorkflow.run, shape, id=wf_id, task_queue=SHAPE_QUEUE
                )
                return
            op = WithStartWorkflowOperation(
                LaunchShapeWorkflow.run,
                shape,
                id=wf_id,
                task_queue=SHAPE_QUEUE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
            out: dict[str, Any] = await client.execute_update_with_start_workflow(
                "opened", start_workflow_operation=op, result_type=dict
            )
            await asyncio.to_thread(write_step, engine, out["key"], out["body"])

    began = time.perf_counter()
    await asyncio.gather(*(start(i) for i in ids))
    while written(engine, prefix) < starts:  # until every first step is in the database
        await asyncio.sleep(0.05)
    return time.perf_counter() - began, ids


async def events_per_cycle(client: Client, ids: list[str]) -> float:
    total = 0
    for wf_id in ids[:5]:
        total += len((await client.get_workflow_handle(wf_id).fetch_history()).events)
    return total / min(5, len(ids))


async def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    async with shape_stack(work) as (client, engine, procs):
        for shape in LAUNCH_SHAPES:  # warm up every part once
            await one_round(client, engine, shape, WARM_UP, args.inflight)
        per: dict[str, dict[str, list[float]]] = {
            s: {"rate": [], "server": [], "worker": [], "starter": [], "events": []}
            for s in LAUNCH_SHAPES
        }
        for r in range(args.rounds):
            for shape in LAUNCH_SHAPES:
                cpu0 = {k: cpu_seconds(p.pid) for k, p in procs.items()}
                me0 = time.process_time()
                elapsed, ids = await one_round(client, engine, shape, args.starts, args.inflight)
                cpu1 = {k: cpu_seconds(p.pid) for k, p in procs.items()}
                n = args.starts
                d = per[shape]
                d["rate"].append(n / elapsed)
                d["server"].append((cpu1["temporal"] - cpu0["temporal"]) / n * 1000)
                d["worker"].append((cpu1["worker"] - cpu0["worker"]) / n * 1000)
                d["starter"].append((time.process_time() - me0) / n * 1000)
                d["events"].append(await events_per_cycle(client, ids))
                sys.stderr.write(
                    f"round {r + 1} {shape:8} {d['rate'][-1]:6.1f} starts/s with first steps "
                    f"written; CPU ms/start server {d['server'][-1]:.1f} worker "
                    f"{d['worker'][-1]:.1f} starter {d['starter'][-1]:.1f}; events/cycle "
                    f"{d['events'][-1]:.0f}\n"
                )
        out: dict[str, Any] = {
            "machine": machine(),
            # each first step once: keys are unique per cycle, and every round's start with "ls-"
            "steps_written": written(engine, "ls-"),
            "steps_expected": len(LAUNCH_SHAPES) * (WARM_UP + args.rounds * args.starts),
            "starts_per_round": args.starts,
            "inflight": args.inflight,
            "rounds": args.rounds,
        }
        for shape, d in per.items():
            out[shape] = {k: round(sorted(v)[len(v) // 2], 1) for k, v in d.items()}
        return out


def table(r: dict[str, Any]) -> str:
    lines = [
        f"Cycle start per shape, {r['starts_per_round']} starts x {r['rounds']} rounds, "
        f"{r['inflight']} in flight; {r['machine']['nproc']} cores {r['machine']['cpu']} "
        "(medians of the rounds)",
        "",
        "| shape | starts/s, first steps written | CPU ms/start: dev server | worker | starter "
        "| history events per cycle |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in LAUNCH_SHAPES:
        d = r[s]
        lines.append(
            f"| {s} | {d['rate']} | {d['server']} | {d['worker']} | {d['starter']} "
            f"| {d['events']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--starts", type=int, default=1000, help="starts per shape and round")
    ap.add_argument("--inflight", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=1800, help="give up after (s)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    r = run_experiment("kinerja-launch-shapes-", lambda work: measure(args, work), args.timeout)
    save_results(args.out, "launch_shapes", r, table(r))


if __name__ == "__main__":
    main()

"""The Kinerja benchmark: one command, one fresh stack, every figure next to its raw baseline.

    python -m bench.run --n 15000            # or: make bench N=15000
    python -m bench.run --n 50 --minutes 2   # what CI runs

Starts its own Temporal dev server (SQLite with the WAL pragmas), the worker and the API as
subprocesses on free ports, against a fresh database holding a synthetic Semarang of N employees,
then measures (see bench/README.md) and writes bench/results/latest.json and latest.md.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, func, text
from sqlmodel import Session, SQLModel, col, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from api.security import mint_token
from bench.bots import Bots, Latencies, http_session, workable
from bench.raw import RAW_QUEUE
from bench.synth import build_people, org_csv
from db.engine import make_engine, migrate, session_scope
from db.models import CycleRecord, Employee, Task, User
from db.org_import import import_org_csv
from infra.apiserver import api_server_command
from infra.devserver import dev_server_command
from infra.temporal import LOCAL_ACTIVITY_MARKER, connect
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2030
PROBE_YEAR = YEAR + 1  # the completion probe's cycles, apart from the measured year
UNHURRIED = 500_000.0  # minutes: a year of ~347 days from now, nothing fires while measured
SECRET = "bench-secret-bench-secret-bench-secret!"
console = Console(stderr=True)
COLUMNS = (
    TextColumn("[progress.description]{task.description}"),
    BarColumn(),
    MofNCompleteColumn(),
    TimeElapsedColumn(),
)


def phase(msg: str) -> None:
    console.log(msg)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def peak_rss_mib(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with suppress(OSError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return {
        "nproc": os.cpu_count(),
        "memory_mib": mem,
        "cpu": cpu,
        "python": platform.python_version(),
    }


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when the bench process dies (a killed run leaks nothing)."""
    with suppress(Exception):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Stack:
    """Dev server, worker and API as subprocesses; stopped in reverse order."""

    def __init__(
        self, work: Path, db_url: str, cache: int, sandbox: bool = True, launcher: bool = False
    ) -> None:
        self.launcher = launcher  # the bulk launcher in a process of its own
        self.work, self.db_url = work, db_url
        self.tport, self.aport = free_port(), free_port()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": db_url,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{self.tport}",
            "KINERJA_VAR_DIR": str(work),
            "KINERJA_JWT_SECRET": SECRET,
            "KINERJA_LOG_LEVEL": "WARNING",
            "KINERJA_LOG_JSON": "true",
            "KINERJA_SEED_DEMO": "false",
            "KINERJA_WORKER_MAX_CACHED_WORKFLOWS": str(cache),
            "KINERJA_WORKER_SANDBOX": str(sandbox).lower(),
        }

    def _spawn(self, name: str, cmd: list[str], **env: str) -> None:
        log = (self.work / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            cmd,
            env={**self.env, **env},
            stdout=log,
            stderr=log,
            cwd=ROOT,
            preexec_fn=_die_with_parent,
        )

    async def start(self) -> Client:
        db = self.work / "temporal.db"
        self._spawn(
            "temporal",
            dev_server_command(db_file=db, host="127.0.0.1", port=self.tport, ui_port=None),
        )
        client = await self._connect()
        self.start_cycles_worker()
        if self.launcher:
            self._spawn("launcher", [sys.executable, "worker.py"], KINERJA_WORKER_QUEUES="launch")
        # The real API under bench.api, which records its GC pauses (api-gc.json).
        serve = api_server_command(host="127.0.0.1", port=self.aport)
        self._spawn(
            "api", [sys.executable, "-m", "bench.api", *serve[serve.index("uvicorn") + 1 :]]
        )
        async with httpx.AsyncClient(base_url=self.api_url) as api:
            for _ in range(600):
                with suppress(httpx.HTTPError):
                    if (await api.get("/health")).status_code == 200:
                        return client
                self._check()
                await asyncio.sleep(0.1)
        raise RuntimeError("API did not become healthy")

    async def _connect(self) -> Client:
        for _ in range(300):
            with suppress(Exception):
                return await connect(f"127.0.0.1:{self.tport}")
            self._check()
            await asyncio.sleep(0.1)
        raise RuntimeError("Temporal dev server did not start")

    def _check(self) -> None:
        for name, p in self.procs.items():
            if p.poll() is not None:
                tail = (self.work / f"{name}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{name} exited with {p.returncode}:\n{tail}")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.aport}"

    def rss(self) -> dict[str, float]:
        return {name: peak_rss_mib(p.pid) for name, p in self.procs.items()}

    def cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(p.pid) for name, p in self.procs.items()}

    def stop_cycles_worker(self) -> None:
        """Stop the cycles' worker cleanly (SIGTERM: its polls end, nothing is left dispatched to
        a frozen process), so that a launch measures the launcher and the server's starts alone."""
        p = self.procs.pop("worker")
        p.terminate()
        p.wait(60)

    def start_cycles_worker(self) -> None:
        """The cycles' worker (with the raw baselines); only the cycles' queue when the launcher
        has a process of its own."""
        queues = {"KINERJA_WORKER_QUEUES": "cycles"} if self.launcher else {}
        self._spawn("worker", [sys.executable, "-m", "bench.worker"], **queues)

    def stop(self) -> dict[str, float | None]:
        """SIGTERM each process in turn; the seconds each took to exit (None: killed at 15 s)."""
        took: dict[str, float | None] = {}
        for name in ("api", "launcher", "worker", "temporal"):
            p = self.procs.get(name)
            if p is not None and p.poll() is None:
                began = time.perf_counter()
                p.terminate()
                try:
                    p.wait(15)
                    took[name] = round(time.perf_counter() - began, 2)
                except subprocess.TimeoutExpired:
                    p.kill()
                    took[name] = None
        return took


# ---- database ------------------------------------------------------------------------------


@contextmanager
def database(work: Path, pg: bool) -> Iterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if not pg:
        yield f"sqlite:///{work / 'kinerja.db'}"
        return
    import psycopg

    name = f"kinerja_bench_{uuid.uuid4().hex[:8]}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(engine: Engine, n: int) -> tuple[dict[str, str], dict[str, int]]:
    """Import the synthetic city and one login per employee; jabatan by NIP, staff per penilai."""
    people = build_people(n)
    with session_scope(engine) as s:
        report = import_org_csv(s, org_csv(people).encode(), source="bench")
        if not report.ok:
            raise RuntimeError(f"import failed: {report.errors[:5]}")
    staff: dict[str, int] = {}
    for p in people:
        if p.penilai:
            staff[p.penilai] = staff.get(p.penilai, 0) + 1
    users = [
        {"username": p.nip, "nip": p.nip, "password_hash": "!", "active": True,
         "roles": ["pegawai", "penilai"] if p.nip in staff else ["pegawai"],
         "created_at": datetime.now(UTC)}
        for p in people
    ]  # fmt: skip
    users.append({"username": "bkpp", "nip": None, "password_hash": "!", "active": True,
                  "roles": ["bkpp", "admin"], "created_at": datetime.now(UTC)})  # fmt: skip
    with session_scope(engine) as s:
        s.execute(User.__table__.insert(), users)  # type: ignore[attr-defined]
    return {p.nip: p.jenis for p in people}, staff


def table_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return {
            t.name: int(c.execute(text(f"SELECT count(*) FROM {t.name}")).scalar_one())
            for t in SQLModel.metadata.sorted_tables
        }


def db_bytes(engine: Engine) -> int:
    if engine.dialect.name == "postgresql":
        with engine.connect() as c:
            return int(c.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    with engine.connect() as c:
        c.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        pages = int(c.execute(text("PRAGMA page_count")).scalar_one())
        free = int(c.execute(text("PRAGMA freelist_count")).scalar_one())
        size = int(c.execute(text("PRAGMA page_size")).scalar_one())
    return (pages - free) * size


# ---- measurements --------------------------------------------------------------------------


async def timed_gather(
    n: int, concurrency: int, one: Callable[[int], Awaitable[Any]], label: str
) -> float:
    """Run `one(i)` for i < n with bounded concurrency; seconds taken."""
    gate = asyncio.Semaphore(concurrency)
    with Progress(*COLUMNS, console=console, transient=True) as bar:
        task = bar.add_task(label, total=n)

        async def run(i: int) -> None:
            async with gate:
                await one(i)
            bar.advance(task)

        began = time.perf_counter()
        await asyncio.gather(*(run(i) for i in range(n)))
        return time.perf_counter() - began


async def raw_start_rate(client: Client, n: int, concurrency: int) -> float:
    run = uuid.uuid4().hex[:6]

    async def one(i: int) -> None:
        await client.start_workflow("BenchEmpty", id=f"raw-{run}-{i}", task_queue=RAW_QUEUE)

    return n / await timed_gather(n, concurrency, one, "raw start_workflow")


async def raw_update_latency(client: Client, clients: int, per_client: int) -> list[float]:
    run = uuid.uuid4().hex[:6]
    handles = [
        await client.start_workflow(
            "BenchEcho", id=f"echo-{run}-{i}", task_queue=RAW_QUEUE, result_type=int
        )
        for i in range(clients)
    ]
    for h in handles:  # the first task of each run is not a round trip: warm them
        await h.execute_update("echo", 0, result_type=int)
    ms: list[float] = []

    async def one(i: int) -> None:
        h = handles[i % clients]
        began = time.perf_counter()
        await h.execute_update("echo", i, result_type=int)
        ms.append((time.perf_counter() - began) * 1000)

    await timed_gather(clients * per_client, clients, one, "raw update round trip")
    for h in handles:
        await h.signal("stop")
    return ms


async def inbox_latency(api_url: str, headers: dict[str, str], n: int) -> list[float]:
    """`n` sequential GET /tasks, each timed, after one untimed (the connection's opening)."""
    ms: list[float] = []
    async with http_session(api_url) as http:
        for i in range(n + 1):
            began = time.perf_counter()
            async with http.get("/tasks", headers=headers) as r:
                await r.read()
                r.raise_for_status()
            if i:
                ms.append((time.perf_counter() - began) * 1000)
    return ms


async def open_year(
    api: httpx.AsyncClient, bkpp: dict[str, str], year: int, minutes: float
) -> None:
    r = await api.post("/cycles", json={"year": year, "compressed_minutes": minutes}, headers=bkpp)
    r.raise_for_status()


async def follow_launch(
    api: httpx.AsyncClient, bkpp: dict[str, str], year: int, body: dict[str, Any], label: str
) -> tuple[dict[str, Any], float]:
    """POST the launch and follow the durable launcher with a progress bar; (result, seconds)."""
    began = time.perf_counter()
    r = await api.post(f"/cycles/{year}/launch", json=body, headers=bkpp)
    r.raise_for_status()
    launch_id, res = r.json()["launch_id"], r.json()
    with Progress(*COLUMNS, console=console) as bar:
        task = bar.add_task(label, total=res.get("total") or None)
        while not res.get("done"):
            await asyncio.sleep(0.5)
            got = await api.get(f"/cycles/{year}/launches/{launch_id}", headers=bkpp)
            if got.status_code == 200:
                res = got.json()
                handled = (
                    res["started"] + res["skipped"] + res["skipped_ended"] + res["failed_count"]
                )
                bar.update(task, completed=handled, total=res.get("total") or None)
    return res, time.perf_counter() - began


def open_tasks(engine: Engine, year: int) -> int:
    """Open tasks of the cycles of `year` that can be worked now."""
    with Session(engine) as s:
        stmt = select(func.count()).select_from(Task).where(*workable(year))
        return int(s.exec(stmt).one())


async def completion_at_rest(
    args: argparse.Namespace,
    stack: "Stack",
    api: httpx.AsyncClient,
    engine: Engine,
    token: Callable[[str | None], str],
    jabatan: dict[str, str],
    bkpp: dict[str, str],
) -> dict[str, Any]:
    """POST /tasks/{id}/complete with `--clients` concurrent clients while nothing else runs,
    like the raw update it is compared with: `--probe` active employees of an unhurried year
    (no timer fires meanwhile) submit their SKP and their penilai approve it."""
    with Session(engine) as s:
        stmt = (
            select(Employee.nip)
            .where(col(Employee.status) == "Aktif")
            .order_by(col(Employee.nip))
            .limit(args.probe)
        )
        nips = list(s.exec(stmt))
    await open_year(api, bkpp, PROBE_YEAR, UNHURRIED)
    res, _ = await follow_launch(api, bkpp, PROBE_YEAR, {"nips": nips}, "completion probe")
    started = res["started"]
    phase(
        f"completion probe: {started} cycles of {PROBE_YEAR} started, "
        f"{res['failed_count']} failed {res.get('failed', [])[:1]}"
    )
    deadline = time.perf_counter() + 300
    while time.perf_counter() < deadline:  # every probe cycle's SKP draft task is written
        if await asyncio.to_thread(open_tasks, engine, PROBE_YEAR) >= started:
            break
        await asyncio.sleep(0.5)
    # At rest like the raw update: the launch's own work (first-step notifications, the
    # launcher's last pages) done before the clock starts.
    settled_s = await quiet(stack, 60)
    bots = Bots(
        stack.api_url, engine, token, year=PROBE_YEAR, jabatan=jabatan, clients=args.clients
    )
    target, deadline = 2 * started, time.perf_counter() + 300  # submit, then approve, each SKP
    api_log = stack.work / "api.log"
    log_from = api_log.stat().st_size if api_log.exists() else 0
    cpu0, began, wall0, mine0 = stack.cpu(), time.perf_counter(), time.time(), time.process_time()
    lat = await bots.run(lambda: bots.completed >= target or time.perf_counter() > deadline)
    cpu1, wall, mine = stack.cpu(), time.perf_counter() - began, time.process_time() - mine0
    await asyncio.sleep(2.5)  # the worker writes its GC pauses every 2 s
    done = max(len(lat.ms), 1)
    return {
        "complete_probe_per_s": round(len(lat.ms) / wall, 1),
        # CPU of each process per completion, and cores busy: what bounds 20 closed-loop clients
        "complete_probe_cpu_ms": {k: round((cpu1[k] - cpu0[k]) * 1000 / done, 1) for k in cpu1},
        "complete_probe_cores_busy": round(sum(cpu1[k] - cpu0[k] for k in cpu1) / wall, 2),
        # the bench's own clients (aiohttp) run on the same two cores
        "complete_probe_client_cpu_ms": round(mine * 1000 / done, 1),
        "complete_p50_ms": round(pct(lat.ms, 50), 1),
        "complete_p99_ms": round(pct(lat.ms, 99), 1),
        "complete_probe_requests": len(lat.ms),
        "complete_probe_settled_s": settled_s,
        "complete_probe_status_codes": {str(k): v for k, v in sorted(lat.codes.items())},
        # where the round trip goes: the API's Server-Timing phases, [p50, p99] ms each
        "complete_phase_ms": {
            k: [round(pct(v, 50), 1), round(pct(v, 99), 1)] for k, v in lat.phases.items()
        },
        "complete_probe_worker_gc": gc_pauses(stack.work / "worker-gc.json", wall0, wall0 + wall),
        "complete_probe_api_gc": gc_pauses(stack.work / "api-gc.json", wall0, wall0 + wall),
        "complete_probe_slow_writes": slow_writes(api_log, log_from),
    }


def slow_writes(api_log: Path, offset: int) -> list[dict[str, Any]]:
    """The API's "slow step write" warnings logged after `offset` (where their time went)."""
    if not api_log.exists():
        return []
    with api_log.open("rb") as fh:
        fh.seek(offset)
        lines = fh.read().decode(errors="replace").splitlines()
    out = []
    for line in lines:
        with suppress(ValueError):
            event = json.loads(line)
            if isinstance(event, dict) and event.get("event") == "slow step write":
                keys = ("steps", "lock_wait_ms", "rows_ms", "commit_ms")
                out.append({k: event.get(k) for k in keys})
    return out


def gc_pauses(path: Path, start: float, end: float) -> dict[str, Any] | None:
    """A bench process's GC pauses of 1 ms or more (written to `path` by bench.gcprobe) between
    `start` and `end` (wall time): how many, their sum and the longest, in ms, per generation,
    with the collecting thread's CPU ms and the objects collected; None when the process wrote
    none."""
    if not path.exists():
        return None
    pauses = json.loads(path.read_text())
    out: dict[str, Any] = {}
    for gen in (0, 1, 2):
        mine = [p for p in pauses if p[1] == gen and start <= p[0] <= end]
        out[f"gen{gen}"] = {
            "count": len(mine),
            "sum_ms": round(sum(p[2] for p in mine)),
            "max_ms": max((p[2] for p in mine), default=0),
            "cpu_sum_ms": round(sum(p[3] for p in mine)),
            "collected": sum(p[4] for p in mine),
        }
    return out


async def quiet(stack: "Stack", limit_s: float) -> float:
    """Wait until the worker(s) and the dev server use under a tenth of a core for 3 s running
    (timers, outbox and archive done); seconds waited, `limit_s` at most."""
    began, calm, last = time.perf_counter(), 0, stack.cpu()
    while calm < 3 and time.perf_counter() - began < limit_s:
        await asyncio.sleep(1)
        now = stack.cpu()
        busy = sum(now[k] - last[k] for k in now if k != "api")
        calm, last = (calm + 1 if busy < 0.1 else 0), now
    return round(time.perf_counter() - began, 1)


async def inbox_at_rest(stack: "Stack", who: dict[str, str]) -> dict[str, Any]:
    waited = await quiet(stack, 300)
    ms = await inbox_latency(stack.api_url, who, 200)
    return {
        "inbox_rest_wait_s": waited,
        "inbox_p50_ms": round(pct(ms, 50), 1),
        "inbox_p99_ms": round(pct(ms, 99), 1),
    }


async def history_figures(client: Client, wf_ids: list[str]) -> tuple[float, float]:
    """Mean history events and activity executions (local-activity markers + activity tasks;
    patch markers are not activities)."""
    events, acts = [], []
    for wf in wf_ids:
        e = a = 0
        async for ev in client.get_workflow_handle(wf).fetch_history_events():
            e += 1
            local = (
                ev.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
                and ev.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER
            )
            if local or ev.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                a += 1
        events.append(e)
        acts.append(a)
    return statistics.mean(events), statistics.mean(acts)


def cycle_count(engine: Engine, *, closed: bool) -> int:
    """Cycles of the bench year with a read-model row (first step written), or closed ones."""
    with Session(engine) as s:
        stmt = select(func.count()).select_from(CycleRecord).where(col(CycleRecord.year) == YEAR)
        if closed:
            stmt = stmt.where(col(CycleRecord.closed_at).is_not(None))
        return int(s.exec(stmt).one())


# ---- the run -------------------------------------------------------------------------------


async def bench(args: argparse.Namespace, work: Path, db_url: str) -> dict[str, Any]:
    n: int = args.n
    migrate(db_url)
    engine = make_engine(db_url)
    console.print(f"[bold]synthetic Semarang of {n} employees[/bold] -> {engine.dialect.name}")
    jabatan, staff = seed(engine, n)
    baseline: dict[str, Any] = {"rows": table_rows(engine), "bytes": db_bytes(engine)}
    stack = Stack(
        work,
        db_url,
        args.cache or max(2000, n + 500),
        sandbox=args.sandbox,
        launcher=args.launch_process,
    )
    settings = Settings(jwt_secret=SECRET)
    tokens: dict[str | None, str] = {}

    def token(nip: str | None) -> str:
        if nip not in tokens:
            roles = ["bkpp", "admin"] if nip is None else ["pegawai", "penilai"]
            tokens[nip] = mint_token(settings, username=nip or "bkpp", nip=nip, roles=roles)
        return tokens[nip]

    out: dict[str, Any] = {
        "n": n,
        "database": engine.dialect.name,
        "sandbox": args.sandbox,
        "launch_process": args.launch_process,
        "cycles_deferred": args.defer_cycles,
        "machine": machine(),
    }
    try:
        client = await stack.start()
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=60, limits=limits) as api:
            out.update(
                await measure(args, stack, client, api, engine, token, jabatan, staff, baseline)
            )
        rows0, bytes0 = baseline["rows"], baseline["bytes"]
        rows1, bytes1 = table_rows(engine), db_bytes(engine)
        years = max(out["started"], 1)
        out["db_rows_per_employee_year"] = round(
            (sum(rows1.values()) - sum(rows0.values())) / years, 1
        )
        out["db_rows_by_table"] = {
            k: rows1[k] - rows0.get(k, 0) for k in rows1 if rows1[k] != rows0.get(k, 0)
        }
        out["db_bytes_per_employee_year"] = round((bytes1 - bytes0) / years)
        tdb = work / "temporal.db"
        tbytes = sum(p.stat().st_size for p in work.glob("temporal.db*") if p.exists())
        out["temporal_db_bytes_per_employee_year"] = round(tbytes / years) if tdb.exists() else None
        rss = stack.rss()
        out["worker_rss_mib"], out["api_rss_mib"] = rss.get("worker"), rss.get("api")
        out["temporal_rss_mib"] = rss.get("temporal")
    finally:
        # how long each process took to exit after SIGTERM, the worker with every cycle cached
        out["stop_seconds"] = stack.stop()
        engine.dispose()
    return out


async def measure(
    args: argparse.Namespace,
    stack: Stack,
    client: Client,
    api: httpx.AsyncClient,
    engine: Engine,
    token: Callable[[str | None], str],
    jabatan: dict[str, str],
    staff: dict[str, int],
    baseline: dict[str, Any],
) -> dict[str, Any]:
    n: int = args.n
    out: dict[str, Any] = {}
    # 1. raw baselines, on the same server and worker process, before anything else runs
    raw_n = min(max(n * 4, 100), 3000)
    phase(f"raw baselines: {raw_n} empty starts, {args.clients} update clients")
    out["raw_start_per_s"] = round(await raw_start_rate(client, raw_n, args.concurrency), 1)
    raw = await raw_update_latency(client, args.clients, max(5, min(100, n // 20)))
    out["raw_update_p50_ms"], out["raw_update_p99_ms"] = (
        round(pct(raw, 50), 1),
        round(pct(raw, 99), 1),
    )
    out["complete_target_ms"] = round(2 * out["raw_update_p99_ms"] + 30, 1)
    phase(f"raw start {out['raw_start_per_s']}/s, update p99 {out['raw_update_p99_ms']} ms")
    bkpp = {"Authorization": f"Bearer {token(None)}"}
    # 2. task completion at rest, the like-for-like partner of the raw update round trip
    out.update(await completion_at_rest(args, stack, api, engine, token, jabatan, bkpp))
    phase(f"completion at rest p99 {out['complete_p99_ms']} ms (raw {out['raw_update_p99_ms']})")
    baseline.update(rows=table_rows(engine), bytes=db_bytes(engine))  # growth from here on
    # 3. open the year and launch everyone through the API and the durable launcher. Without a
    # year to run, the year is unhurried, so that nothing fires while the inbox is timed.
    minutes = UNHURRIED if args.skip_year else args.minutes or max(4.0, n / 250)
    await open_year(api, bkpp, YEAR, minutes)
    if args.defer_cycles:  # the launcher alone: the cycles' first workflow tasks wait
        await asyncio.to_thread(stack.stop_cycles_worker)
    cpu0 = stack.cpu()
    lead = 0.0 if args.skip_year else args.lead
    res, launch_s = await follow_launch(
        api,
        bkpp,
        YEAR,
        {"everyone": True, "calendar_lead_minutes": lead},
        "launch (API -> LaunchCycleWorkflow)",
    )
    if args.defer_cycles:
        stack.start_cycles_worker()
    began = time.perf_counter() - launch_s
    phase(f"launched {res['started']} in {launch_s:.1f} s")
    out["launch_seconds"] = round(launch_s, 1)
    out["started"] = res["started"]
    out["launch_failed"] = res["failed_count"]
    out["launch_per_s"] = round(res["started"] / launch_s, 1)
    out["launch_ratio"] = round(out["launch_per_s"] / out["raw_start_per_s"], 2)
    out["compressed_minutes"] = None if args.skip_year else minutes
    out["calendar_lead_minutes"] = lead
    # 4. inbox of the busiest penilai: right after the launch, while the worker writes N first
    # steps, and (below) at rest with the task table at its largest
    penilai = max(staff, key=lambda k: staff[k])
    who = {"Authorization": f"Bearer {token(penilai)}"}
    out["inbox_penilai_staff"] = staff[penilai]
    await inbox_latency(stack.api_url, who, 20)  # warm up
    inbox1 = await inbox_latency(stack.api_url, who, 200)
    out["inbox_under_launch_p50_ms"] = round(pct(inbox1, 50), 1)
    out["inbox_under_launch_p99_ms"] = round(pct(inbox1, 99), 1)
    phase(f"inbox p99 {pct(inbox1, 99):.1f} ms right after the launch")
    if args.skip_year:
        out["year_completed"] = None
        began_wait, settle_deadline = time.perf_counter(), time.perf_counter() + 1800
        written = 0
        while time.perf_counter() < settle_deadline:
            written = await asyncio.to_thread(cycle_count, engine, closed=False)
            if written >= res["started"]:
                break
            await asyncio.sleep(2)
        out["first_steps_written"] = written
        out["first_steps_settled_s"] = round(time.perf_counter() - began_wait, 1)
        # what BKPP waits for: from the launch until every employee has their SKP task
        out["launch_to_first_steps_s"] = round(launch_s + out["first_steps_settled_s"], 1)
        out.update(await inbox_at_rest(stack, who))
        phase(
            f"first steps of all cycles written {out['first_steps_settled_s']} s after the launch; "
            f"inbox p99 at rest {out['inbox_p99_ms']} ms"
        )
        return out
    # 5. the compressed year: bots work every task through the API until every cycle closes
    bots = Bots(stack.api_url, engine, token, year=YEAR, jabatan=jabatan, clients=args.clients)
    done = asyncio.Event()
    lat = Latencies()
    worker = asyncio.create_task(bots.run(done.is_set, lat))
    deadline = time.perf_counter() + (args.max_wait or (minutes * 3 + lead) * 60 + 600)
    ticks = 0
    with Progress(*COLUMNS, console=console) as bar:
        task = bar.add_task("compressed year: cycles closed", total=res["started"])
        while True:
            closed = await asyncio.to_thread(cycle_count, engine, closed=True)
            bar.update(task, completed=closed, description=f"year: {bots.completed} tasks done")
            if closed >= res["started"] or time.perf_counter() > deadline or worker.done():
                break
            ticks += 1
            if ticks % 15 == 0:
                phase(f"year: {closed} closed, {bots.completed} tasks done, codes {lat.codes}")
            await asyncio.sleep(1)
    year_s = time.perf_counter() - began
    phase(f"year: {closed}/{res['started']} closed in {year_s / 60:.1f} min")
    done.set()
    await worker
    cpu1 = stack.cpu()
    out["year_completed"] = closed >= res["started"]
    for name in cpu1:  # launch + year, per closed cycle
        out[f"{name}_cpu_s_per_employee_year"] = round(
            (cpu1[name] - cpu0[name]) / max(closed, 1), 2
        )
    out["cycles_closed"] = closed
    out["full_year_minutes"] = round(year_s / 60, 2)
    out["employee_years_per_minute"] = round(closed / (year_s / 60), 1)
    out["tasks_completed"] = bots.completed
    out["complete_errors"] = bots.errors[:10]
    out["complete_status_codes"] = {str(k): v for k, v in sorted(lat.codes.items())}
    out["year_complete_p50_ms"] = round(pct(lat.ms, 50), 1)
    out["year_complete_p99_ms"] = round(pct(lat.ms, 99), 1)
    out.update(await inbox_at_rest(stack, who))
    deadlines = await asyncio.to_thread(deadline_figures, engine)
    out.update(deadlines)
    out["reminders_ahead_sent_dropped"] = " / ".join(
        str(deadlines[k])
        for k in ("reminders_written_ahead", "reminders_sent", "reminders_dropped")
    )
    # 6. per employee-year, from a sample of active employees' closed histories
    with Session(engine) as s:
        stmt = (
            select(CycleRecord.workflow_id)
            .join(Employee, col(Employee.nip) == col(CycleRecord.nip))
            .where(col(CycleRecord.closed_at).is_not(None), col(Employee.status) == "Aktif")
            .limit(args.sample)
        )
        sample = list(s.exec(stmt))
    if sample:
        ev, ac = await history_figures(client, sample)
        out["events_per_employee_year"], out["activities_per_employee_year"] = (
            round(ev, 1),
            round(ac, 1),
        )
    else:
        out["events_per_employee_year"] = out["activities_per_employee_year"] = None
    out["history_sample"] = len(sample)
    return out


def deadline_figures(engine: Engine) -> dict[str, int]:
    """What missed deadlines cost in the bench year: escalation steps, reminders as steps (cycles
    begun before patch reminders-ahead), and reminders written ahead, sent and dropped."""
    like = f"%-{YEAR}-%"  # appraisal-YEAR-nip and training-YEAR-nip-k, not the probe's year
    q = {
        "escalations": "SELECT count(*) FROM audit_event"
        " WHERE action = 'task_escalated' AND workflow_id LIKE :y",
        "reminder_steps": "SELECT count(*) FROM audit_event"
        " WHERE action = 'reminder_sent' AND workflow_id LIKE :y",
        "reminders_written_ahead": "SELECT count(*) FROM notification WHERE task_id LIKE :y",
        "reminders_sent": "SELECT count(*) FROM notification"
        " WHERE task_id LIKE :y AND delivered_at IS NOT NULL",
        "reminders_dropped": "SELECT count(*) FROM notification"
        " WHERE task_id LIKE :y AND dropped_at IS NOT NULL",
    }
    with engine.connect() as c:
        return {k: int(c.execute(text(sql), {"y": like}).scalar_one()) for k, sql in q.items()}


TABLE = [
    ("n", "employees", ""),
    ("launch_per_s", "launch (cycles started/s)", "raw_start_per_s"),
    ("launch_ratio", "launch / raw start", ""),
    (
        "complete_p50_ms",
        "POST /tasks/{id}/complete p50, 20 clients, at rest (ms)",
        "raw_update_p50_ms",
    ),
    (
        "complete_p99_ms",
        "POST /tasks/{id}/complete p99, 20 clients, at rest (ms)",
        "raw_update_p99_ms",
    ),
    ("complete_target_ms", "completion p99 target: 2 x raw p99 + 30 (ms)", ""),
    ("complete_phase_ms", "completion phases in the API, [p50, p99] (ms)", ""),
    ("year_complete_p50_ms", "POST /tasks/{id}/complete p50 during the year (ms)", ""),
    ("year_complete_p99_ms", "POST /tasks/{id}/complete p99 during the year (ms)", ""),
    ("inbox_p50_ms", "GET /tasks p50 at N, at rest (ms)", ""),
    ("inbox_p99_ms", "GET /tasks p99 at N, at rest (ms)", ""),
    ("inbox_under_launch_p99_ms", "GET /tasks p99 right after the launch (ms)", ""),
    ("launch_to_first_steps_s", "launch until every cycle's first task is written (s)", ""),
    ("full_year_minutes", "compressed full year, wall (min)", ""),
    ("employee_years_per_minute", "employee-years per minute", ""),
    ("escalations", "escalations (steps) in the year", ""),
    ("reminder_steps", "reminders as steps in the year", ""),
    ("reminders_ahead_sent_dropped", "reminders written ahead / sent / dropped", ""),
    ("events_per_employee_year", "history events per employee-year", ""),
    ("activities_per_employee_year", "activity executions per employee-year", ""),
    ("db_rows_per_employee_year", "database rows per employee-year", ""),
    ("db_bytes_per_employee_year", "database bytes per employee-year", ""),
    ("temporal_db_bytes_per_employee_year", "Temporal SQLite bytes per employee-year", ""),
    ("worker_cpu_s_per_employee_year", "worker CPU s per employee-year", ""),
    ("api_cpu_s_per_employee_year", "API CPU s per employee-year", ""),
    ("temporal_cpu_s_per_employee_year", "dev server CPU s per employee-year", ""),
    ("worker_rss_mib", "worker peak RSS (MiB)", ""),
    ("api_rss_mib", "API peak RSS (MiB)", ""),
    ("temporal_rss_mib", "dev server peak RSS (MiB)", ""),
    ("stop_seconds", "seconds each process took to exit after SIGTERM", ""),
]


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        f"Kinerja bench, {r['finished_at']}: N={r['n']}, {r['database']}, "
        + (
            f"year compressed to {r['compressed_minutes']} min"
            + (
                f", beginning {r['calendar_lead_minutes']} min after the launch"
                if r.get("calendar_lead_minutes")
                else ""
            )
            if r.get("compressed_minutes")
            else "launch and inbox only (no year run)"
        )
        + f"; {m['nproc']} CPU ({m['cpu']}), {m['memory_mib']} MiB RAM.",
        "",
        "| figure | value | raw Temporal |",
        "|---|---:|---:|",
    ]
    for key, label, raw in TABLE:
        lines.append(f"| {label} | {r.get(key)} | {r.get(raw, '') if raw else ''} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=200, help="employees (default 200)")
    ap.add_argument(
        "--minutes", type=float, default=0, help="compressed year length (default N/250, min 4)"
    )
    ap.add_argument(
        "--lead",
        type=float,
        default=0,
        help="the compressed year begins this many minutes after the launch (default 0); at "
        "large N the launch and its first steps otherwise use up the planning window",
    )
    ap.add_argument("--clients", type=int, default=20, help="concurrent API clients")
    ap.add_argument("--concurrency", type=int, default=50, help="concurrent raw starts")
    ap.add_argument("--cache", type=int, default=0, help="worker workflow cache (default N+500)")
    ap.add_argument(
        "--probe", type=int, default=500, help="employees of the completion probe (default 500)"
    )
    ap.add_argument("--sample", type=int, default=30, help="histories sampled per employee-year")
    ap.add_argument(
        "--pg", action="store_true", help="PostgreSQL at 127.0.0.1:5432 instead of SQLite"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--max-wait", type=float, default=0, help="cap on the year's wait (s)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, dbs)")
    ap.add_argument(
        "--launch-process",
        action="store_true",
        help="run the bulk launcher in a worker process of its own (KINERJA_WORKER_QUEUES)",
    )
    ap.add_argument(
        "--sandbox",
        action="store_true",
        help="the worker in Temporal's workflow sandbox, as in development and tests (production, "
        "docker-compose.yml, runs without it; before 2026-12-07 the bench ran with it by default)",
    )
    ap.add_argument(
        "--skip-year", action="store_true", help="launch and inbox only, no compressed year"
    )
    ap.add_argument(
        "--defer-cycles",
        action="store_true",
        help="stop the cycles' worker during the launch, to measure the launcher alone "
        "(needs --launch-process and --skip-year)",
    )
    args = ap.parse_args(argv)
    if args.defer_cycles and not (args.launch_process and args.skip_year):
        ap.error("--defer-cycles needs --launch-process and --skip-year")
    work = Path(tempfile.mkdtemp(prefix="kinerja-bench-"))
    try:
        with database(work, args.pg) as url:
            result = asyncio.run(bench(args, work, url))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            console.print(f"work directory kept: {work}")
    result["finished_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    args.out.mkdir(parents=True, exist_ok=True)
    name = (
        f"n{args.n}"
        + ("-launch" if args.skip_year else "")
        + ("-sandbox" if args.sandbox else "")
        + ("-launchproc" if args.launch_process else "")
        + ("-deferred" if args.defer_cycles else "")
    )
    for stem in ("latest", name):  # latest, and one file per size so runs can be compared
        (args.out / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
        (args.out / f"{stem}.md").write_text(markdown(result))
    console.print(markdown(result))
    return 0 if result.get("year_completed") or args.skip_year else 1


if __name__ == "__main__":
    raise SystemExit(main())

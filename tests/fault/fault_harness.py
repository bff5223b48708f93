"""The fault suite's stack: dev server, worker and API as killable processes, a cuttable database.

Everything runs on free loopback ports in a tmp dir; the application reaches PostgreSQL only
through a TcpProxy, so cutting the proxy makes the database vanish for the app and worker alone.
"""

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import Engine, text
from sqlmodel import Session, select
from temporalio.client import Client

from api.security import mint_token
from bench.synth import build_people, org_csv
from db.directory import build_cycle_input
from db.engine import session_scope
from db.models import Cycle, Employee, User
from db.org_import import import_org_csv
from domain.enums import CalendarKind, JenisJabatan, TaskKind
from domain.payloads import appraisal_workflow_id
from infra.apiserver import api_server_command
from infra.devserver import dev_server_command
from infra.temporal import connect
from settings import Settings
from tests.workflows.people import DEFAULTS, realisation, skp

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
REPORT = ARTIFACTS / "fault-report.json"
SECRET = "fault-secret-fault-secret-fault-secret!"
LARGE = os.environ.get("KINERJA_FAULT_SCALE", "").lower() == "large"


@dataclass(frozen=True)
class Scale:
    """Sizes of a run: CI keeps the suite within ~5 minutes on 2 cores; large is the issue's."""

    employees: int
    year_minutes: float
    worker_kills: int
    load_seconds: float
    load_clients: int
    csv_rows: int


# Measured on the 2-core machine: 200 employees with 6 kills, a dev server restart and a 30 s
# outage took ~9 minutes (every SIGKILL makes the new worker replay every open history).
LARGE_SCALE = Scale(
    employees=200, year_minutes=2.5, worker_kills=6, load_seconds=120, load_clients=50,
    csv_rows=100_000,
)  # fmt: skip
CI_SCALE = Scale(
    employees=60, year_minutes=1.5, worker_kills=3, load_seconds=20, load_clients=50,
    csv_rows=100_000,
)  # fmt: skip
SCALE = LARGE_SCALE if LARGE else CI_SCALE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """Linux: children get SIGTERM when pytest dies, so a crashed run leaks no processes."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class FaultStack:
    """Dev server (on-disk), worker and API processes; each can be killed and started again."""

    def __init__(self, work: Path, db_url: str, queue: str) -> None:
        self.work = work
        self.tport, self.aport = free_port(), free_port()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.starts: dict[str, int] = {}
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": db_url,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{self.tport}",
            "KINERJA_TASK_QUEUE": queue,
            "KINERJA_VAR_DIR": str(work),
            "KINERJA_JWT_SECRET": SECRET,
            "KINERJA_LOG_LEVEL": "WARNING",
            "KINERJA_LOG_JSON": "true",
            "KINERJA_SEED_DEMO": "false",
        }

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.aport}"

    def _spawn(self, name: str, cmd: list[str]) -> None:
        n = self.starts[name] = self.starts.get(name, 0) + 1
        out = (self.work / f"{name}.{n}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            cmd, env=self.env, stdout=out, stderr=out, cwd=ROOT, preexec_fn=_die_with_parent
        )

    def alive(self, name: str) -> bool:
        p = self.procs.get(name)
        return p is not None and p.poll() is None

    def log_tail(self, name: str, chars: int = 3000) -> str:
        n = self.starts.get(name, 0)
        path = self.work / f"{name}.{n}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    # ---- Temporal ----------------------------------------------------------------------

    async def start_temporal(self) -> Client:
        db = self.work / "temporal.db"
        self._spawn(
            "temporal",
            dev_server_command(db_file=db, host="127.0.0.1", port=self.tport, ui_port=None),
        )
        for _ in range(600):
            with contextlib.suppress(Exception):
                return await connect(f"127.0.0.1:{self.tport}")
            if not self.alive("temporal"):
                raise RuntimeError(f"dev server exited:\n{self.log_tail('temporal')}")
            await asyncio.sleep(0.1)
        raise RuntimeError("Temporal dev server did not start")

    def stop_temporal(self) -> None:
        """A clean stop (SIGTERM): the on-disk state is what the restart continues from."""
        self._stop("temporal", signal.SIGTERM)

    # ---- worker and API ----------------------------------------------------------------

    def start_worker(self) -> None:
        self._spawn("worker", [sys.executable, str(ROOT / "worker.py")])

    def kill_worker(self) -> None:
        self._stop("worker", signal.SIGKILL)

    async def start_api(self) -> None:
        self._spawn("api", api_server_command(host="127.0.0.1", port=self.aport))
        async with httpx.AsyncClient(base_url=self.api_url, timeout=5) as api:
            for _ in range(600):
                with contextlib.suppress(httpx.HTTPError):
                    if (await api.get("/health")).status_code in (200, 503):
                        return
                if not self.alive("api"):
                    raise RuntimeError(f"API exited:\n{self.log_tail('api')}")
                await asyncio.sleep(0.1)
        raise RuntimeError("API did not answer")

    def stop_api(self) -> None:
        self._stop("api", signal.SIGTERM)

    def _stop(self, name: str, sig: int) -> None:
        p = self.procs.get(name)
        if p is None or p.poll() is not None:
            return
        p.send_signal(sig)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)

    def stop_all(self) -> None:
        for name in ("api", "worker", "temporal"):
            self._stop(name, signal.SIGTERM)


# ---- data ------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_pg_database(prefix: str = "kinerja_fault") -> Any:
    """A fresh PostgreSQL database on the shared server, dropped afterwards."""
    import uuid

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=5"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_city(engine: Engine, n: int, year: int, minutes: float) -> dict[str, str]:
    """A synthetic city of n employees with logins, and the year opened compressed."""
    people = build_people(n)
    with session_scope(engine) as s:
        report = import_org_csv(s, org_csv(people).encode(), source="fault")
        assert report.ok, report.errors[:5]
    now = datetime.now(UTC)
    raters = {p.penilai for p in people if p.penilai}
    users = [
        {"username": p.nip, "nip": p.nip, "password_hash": "!", "active": True,
         "roles": ["pegawai", "penilai"] if p.nip in raters else ["pegawai"], "created_at": now}
        for p in people
    ]  # fmt: skip
    users.append({"username": "bkpp", "nip": None, "password_hash": "!", "active": True,
                  "roles": ["bkpp", "admin", "auditor"], "created_at": now})  # fmt: skip
    with session_scope(engine) as s:
        s.execute(User.__table__.insert(), users)  # type: ignore[attr-defined]
        open_year(s, year, minutes)
    return {p.nip: p.jenis for p in people}


def open_year(s: Session, year: int, minutes: float) -> None:
    s.add(
        Cycle(
            year=year,
            calendar_kind=CalendarKind.QUARTERLY,
            compressed_minutes=minutes,
            opened_by="fault",
        )
    )


async def start_cycles(client: Client, engine: Engine, year: int, queue: str) -> list[str]:
    """Start every employee's cycle (business-key ids, so a repeat is refused by Temporal)."""
    now = datetime.now(UTC)
    with Session(engine) as s:
        nips = list(s.exec(select(Employee.nip)))
        inputs = [build_cycle_input(s, year=year, nip=n, now=now) for n in nips]
    sem = asyncio.Semaphore(32)

    async def one(inp: Any) -> str:
        wf_id = appraisal_workflow_id(year, inp.nip)
        async with sem:
            await client.start_workflow("AppraisalCycleWorkflow", inp, id=wf_id, task_queue=queue)
        return wf_id

    return list(await asyncio.gather(*(one(i) for i in inputs)))


def payload_for(kind: TaskKind, period: int | None, nip: str, year: int, jenis: str) -> Any:
    """What a diligent person submits for this task."""
    if kind is TaskKind.SKP_DRAFT:
        body = skp(nip, year, JenisJabatan(jenis))
        if JenisJabatan(jenis).is_jpt:
            for row in body["skp"]["hasil_kerja"]:
                row["perspektif"] = "Penerima Layanan"
        return body
    if kind is TaskKind.REALISATION:
        return realisation(period or 1, nip, year)
    return dict(DEFAULTS[kind])


class Tokens:
    """Bearer tokens minted with the stack's secret, one per username."""

    def __init__(self) -> None:
        self.settings = Settings(jwt_secret=SECRET)
        self._cache: dict[str, str] = {}

    def __call__(self, nip: str | None) -> dict[str, str]:
        user = nip or "bkpp"
        if user not in self._cache:
            roles = ["bkpp", "admin", "auditor"] if nip is None else ["pegawai", "penilai"]
            self._cache[user] = mint_token(self.settings, username=user, nip=nip, roles=roles)
        return {"Authorization": f"Bearer {self._cache[user]}"}


@dataclass
class Outcomes:
    """Status codes and latencies per route, and 5xx with when they happened."""

    started: float = field(default_factory=time.monotonic)
    codes: dict[str, dict[int, int]] = field(default_factory=dict)
    ms: dict[str, list[float]] = field(default_factory=dict)
    server_errors: list[tuple[float, str, int, str]] = field(default_factory=list)

    def add(self, route: str, code: int, ms: float, body: str = "") -> None:
        per = self.codes.setdefault(route, {})
        per[code] = per.get(code, 0) + 1
        if code < 500:
            self.ms.setdefault(route, []).append(ms)
        else:
            self.server_errors.append((time.monotonic() - self.started, route, code, body[:300]))

    @property
    def requests(self) -> int:
        return sum(sum(c.values()) for c in self.codes.values())

    def p(self, route: str, q: float) -> float | None:
        vals = sorted(self.ms.get(route, []))
        if not vals:
            return None
        return round(vals[min(len(vals) - 1, int(round(q / 100 * (len(vals) - 1))))], 1)


def db_counts(engine: Engine, year: int) -> dict[str, Any]:
    """The integrity figures: duplicates, orphans and outbox state after a run."""
    q = {
        "cycles": "SELECT count(*) FROM cycle_record WHERE year = :y",
        "cycles_closed": "SELECT count(*) FROM cycle_record WHERE year = :y"
        " AND closed_at IS NOT NULL",
        "tasks": "SELECT count(*) FROM task",
        "tasks_not_finished": "SELECT count(*) FROM task WHERE status NOT IN"
        " ('completed', 'cancelled')",
        "duplicate_task_steps": "SELECT count(*) FROM (SELECT workflow_id, step FROM task"
        " GROUP BY workflow_id, step HAVING count(*) > 1) d",
        "duplicate_completed_tasks": "SELECT count(*) FROM (SELECT workflow_id, kind,"
        " period_index FROM task WHERE status = 'completed'"
        " GROUP BY workflow_id, kind, period_index HAVING count(*) > 1) d",
        "audit_events": "SELECT count(*) FROM audit_event",
        "duplicate_audit_keys": "SELECT count(*) FROM (SELECT key FROM audit_event"
        " GROUP BY key HAVING count(*) > 1) d",
        "notifications": "SELECT count(*) FROM notification",
        "duplicate_notification_keys": "SELECT count(*) FROM (SELECT key FROM notification"
        " GROUP BY key HAVING count(*) > 1) d",
        # Pending: neither delivered nor dropped (a reminder written ahead that no longer applied).
        "notifications_undelivered": "SELECT count(*) FROM notification"
        " WHERE delivered_at IS NULL AND dropped_at IS NULL",
        "notifications_attempts_not_1": "SELECT count(*) FROM notification"
        " WHERE attempts <> 1 AND dropped_at IS NULL",
        "notifications_dropped": "SELECT count(*) FROM notification WHERE dropped_at IS NOT NULL",
        "dropped_not_reminders": "SELECT count(*) FROM notification"
        " WHERE dropped_at IS NOT NULL AND (task_id IS NULL OR attempts <> 0)",
    }
    with engine.connect() as c:
        return {k: int(c.execute(text(sql), {"y": year}).scalar_one()) for k, sql in q.items()}


def audit_per_workflow(engine: Engine) -> dict[str, list[str]]:
    """The audit keys ("{workflow_id}/{step}") each workflow wrote; not the escalations the
    worker's sweeper wrote for it (`swept_escalations`), which no history records."""
    found: dict[str, list[str]] = {}
    with engine.connect() as c:
        rows = c.execute(
            text("SELECT workflow_id, key FROM audit_event WHERE workflow_id IS NOT NULL")
        ).all()
    for w, key in rows:
        if not is_swept(str(key)):
            found.setdefault(str(w), []).append(str(key))
    return found


def is_swept(key: str) -> bool:
    """An escalation step the sweeper wrote (domain.escalation.swept_step_key)."""
    return "/escalate/" in key and "@" in key.rsplit("/", 1)[-1]


def swept_escalations(engine: Engine) -> int:
    with engine.connect() as c:
        keys = c.execute(text("SELECT key FROM audit_event WHERE action = 'task_escalated'"))
        return sum(1 for (k,) in keys if is_swept(str(k)))


def write_report(section: str, figures: dict[str, Any]) -> None:
    """Merge one test's figures into test-artifacts/fault-report.json."""
    ARTIFACTS.mkdir(exist_ok=True)
    report: dict[str, Any] = {}
    if REPORT.exists():
        with contextlib.suppress(ValueError):
            report = json.loads(REPORT.read_text())
    report["scale"] = "large" if LARGE else "ci"
    report[section] = {**figures, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    REPORT.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")

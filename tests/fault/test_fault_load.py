"""Load: 50 concurrent clients complete tasks and read inboxes while a launch runs (issue 6, 7)."""

import time
from pathlib import Path

import httpx
import pytest
from fault_bots import Bots
from fault_harness import SCALE, FaultStack, Tokens, fresh_pg_database, seed_city, write_report

from db.engine import make_engine, migrate

pytestmark = pytest.mark.fault
YEAR = 2033


async def test_fifty_clients_while_a_launch_runs(tmp_path: Path) -> None:
    n = SCALE.employees
    with fresh_pg_database() as dbname:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}"
        migrate(url)
        engine = make_engine(url)
        # A year long enough that the window sees SKP drafts, approvals and no year end.
        jenis = seed_city(engine, n, YEAR, 30.0)
        stack = FaultStack(tmp_path, url, f"load-{tmp_path.name}"[:60])
        tokens = Tokens()
        try:
            await stack.start_temporal()
            stack.start_worker()
            await stack.start_api()
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
            async with httpx.AsyncClient(base_url=stack.api_url, timeout=60, limits=limits) as api:
                r = await api.post(
                    f"/cycles/{YEAR}/launch", json={"everyone": True}, headers=tokens(None)
                )
                assert r.status_code in (200, 202), r.text
                launch = r.json()
                bots = Bots(
                    api, engine, tokens, jenis, year=YEAR,
                    clients=SCALE.load_clients, inbox_share=0.5,
                )  # fmt: skip
                began = time.monotonic()
                out = await bots.run(lambda: time.monotonic() - began > SCALE.load_seconds)
                progress = await api.get(
                    f"/cycles/{YEAR}/launches/{launch.get('launch_id')}", headers=tokens(None)
                )
        finally:
            stack.stop_all()
            engine.dispose()
    failures = list(out.server_errors)
    figures = {
        "employees": n,
        "clients": SCALE.load_clients,
        "seconds": SCALE.load_seconds,
        "requests_tried": out.requests,
        "codes": {k: dict(v) for k, v in out.codes.items()},
        "http_5xx_seen": sum(1 for e in failures if e[2] != 599),
        "transport_errors": sum(1 for e in failures if e[2] == 599),
        "tasks_completed": bots.completed,
        "p50_ms": {r: out.p(r, 50) for r in out.ms},
        "p99_ms": {r: out.p(r, 99) for r in out.ms},
        "launch_progress": progress.json() if progress.status_code == 200 else progress.text,
    }
    write_report("load", figures)
    assert not failures, failures[:10]
    assert not bots.crashes, bots.crashes[:5]
    assert bots.completed > 0
    assert out.codes.get("GET /tasks", {}).get(200, 0) > 0

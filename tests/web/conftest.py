"""Browser tests: the real app (uvicorn), the real worker and a local Temporal dev server, driven by
Playwright through Debian's Chromium; the database is a migrated SQLite with the demo organisation.
"""

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from web_helpers import AGUS, BAYU, SKP_YEAR, Api

import worker
from api.main import create_app
from api.temporal import TemporalGateway
from db.engine import make_engine, migrate, session_scope
from db.seed import seed_demo
from infra.temporal import SEARCH_ATTRIBUTES
from settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TEMPORAL = ROOT / ".venv" / "bin" / "temporal"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _ensure_chromium() -> None:
    """Install Debian's chromium when missing and we may (root); skip otherwise. Never downloads
    a Playwright browser."""
    if CHROMIUM.exists():
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        cmd = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
        if subprocess.run(cmd, env=env, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
            subprocess.run(cmd, env=env, capture_output=True, check=False)
    if not CHROMIUM.exists():
        if os.environ.get("KINERJA_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (KINERJA_REQUIRE_BROWSER) but not installed")
        pytest.skip("/usr/bin/chromium missing (install the Debian package chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Stack(threading.Thread):
    """Temporal dev server + worker + uvicorn serving the app, on one event loop in a thread."""

    def __init__(self, settings: Settings, engine: Engine, port: int) -> None:
        super().__init__(daemon=True, name="kinerja-web-stack")
        self.settings, self.engine, self.port = settings, engine, port
        self.server: uvicorn.Server | None = None
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the fixture, which fails the session
            self.error = exc
            self.ready.set()

    async def _main(self) -> None:
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(TEMPORAL),
            data_converter=pydantic_data_converter,
            search_attributes=SEARCH_ATTRIBUTES,
        )
        try:
            gateway = TemporalGateway.of(env.client)
            app = create_app(self.settings, engine=self.engine, temporal=gateway)
            config = uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_config=None, lifespan="on"
            )
            self.server = uvicorn.Server(config)
            with ThreadPoolExecutor(8) as pool:
                async with contextlib.AsyncExitStack() as workers:
                    await workers.enter_async_context(
                        worker.build_worker(env.client, self.settings, pool, self.engine)
                    )
                    # The durable bulk launcher runs on its own queue (when this tree has it).
                    launch_worker = getattr(worker, "build_launch_worker", None)
                    if launch_worker is not None:
                        await workers.enter_async_context(
                            launch_worker(env.client, self.settings, self.engine)
                        )
                    task = asyncio.create_task(self.server.serve())
                    while not self.server.started and not task.done():
                        await asyncio.sleep(0.05)
                    self.ready.set()
                    await task
        finally:
            await env.shutdown()

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.join(timeout=30)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the running stack (demo organisation, password kinerja-demo)."""
    _ensure_chromium()
    var = tmp_path_factory.mktemp("web")
    settings = Settings(
        var_dir=var, jwt_secret="web-test-secret-web-test-secret-0123", task_queue="kinerja-web"
    )
    migrate(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as session:
        seed_demo(session)
    stack = Stack(settings, engine, _free_port())
    stack.start()
    if not stack.ready.wait(60) or stack.error is not None:
        raise RuntimeError(f"stack did not start: {stack.error!r}")
    try:
        yield f"http://127.0.0.1:{stack.port}"
    finally:
        stack.stop()
        engine.dispose()


@pytest.fixture(scope="module")
def browser(live: str) -> Iterator[Any]:
    """Chromium per test module: sync Playwright holds an event loop while it runs, which would
    break the asyncio tests of other directories if it stayed open for the whole session."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: Any, live: str) -> Iterator[Any]:
    """`new_page(width=...)` -> a page in a fresh browser context (its own cookies)."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 900) -> Any:
        ctx = browser.new_context(
            base_url=live, viewport={"width": width, "height": height}, locale="id-ID"
        )
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def api(live: str) -> Iterator[Api]:
    client = Api(live)
    yield client
    client.http.close()


@pytest.fixture(scope="session")
def skp_year(api: Api) -> int:
    """A year compressed into two hours (a policy day is ~20 s) with Agus and Bayu launched."""
    api.launch(SKP_YEAR, [AGUS, BAYU], compressed_minutes=120)
    api.task(AGUS, "skp_draft")
    return SKP_YEAR

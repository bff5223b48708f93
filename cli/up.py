"""`kinerja up`: the embedded stack (Temporal dev server, worker, API), supervised as one."""

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import structlog

from infra.devserver import dev_server_command
from settings import Settings

log = structlog.get_logger()


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _wait_port(
    host: str, port: int, proc: subprocess.Popen[bytes], what: str, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}; see {what} log above")
        if _port_open(host, port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not open {host}:{port} within {timeout:.0f} s")


def _spawn(cmd: list[str], log_file: Path | None = None) -> subprocess.Popen[bytes]:
    out = open(log_file, "ab") if log_file else None  # noqa: SIM115 - owned by the child for its life
    # A new session per child, so Ctrl-C reaches only us and we stop children in order.
    return subprocess.Popen(
        cmd, stdout=out, stderr=subprocess.STDOUT if out else None, start_new_session=True
    )


def _stop(procs: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    for name, proc in reversed(procs):
        if proc.poll() is None:
            log.info("stopping", process=name)
            proc.send_signal(signal.SIGTERM)
    for name, proc in reversed(procs):
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            log.warning("killing", process=name)
            proc.kill()
            proc.wait()


def run_stack(settings: Settings) -> int:
    """Start everything, print the URLs, and stop every process cleanly on Ctrl-C or SIGTERM."""
    var = settings.var_dir
    var.mkdir(parents=True, exist_ok=True)
    host, _, port_s = settings.temporal_address.rpartition(":")
    temporal_port = int(port_s)
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    stop_requested = False

    def _request_stop(*_: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    me = [sys.executable, "-m", "cli.main"]
    try:
        if settings.embedded_temporal:
            if _port_open(host, temporal_port):
                raise RuntimeError(f"port {temporal_port} is taken: stop the other Temporal first")
            cmd = dev_server_command(
                db_file=var / "temporal.db",
                host=host,
                port=temporal_port,
                ui_port=settings.temporal_ui_port,
            )
            procs.append(("temporal", _spawn(cmd, var / "temporal.log")))
            _wait_port(host, temporal_port, procs[-1][1], "temporal", 60)
        procs.append(("worker", _spawn([*me, "worker"])))
        procs.append(("api", _spawn([*me, "api"])))
        _wait_port(settings.api_host, settings.api_port, procs[-1][1], "api", 60)
        _print_urls(settings)
        while not stop_requested:
            for name, proc in procs:
                if proc.poll() is not None:
                    log.error("process exited", process=name, code=proc.returncode)
                    return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as exc:
        log.error("start failed", reason=str(exc))
        return 1
    finally:
        _stop(procs)
        log.info("stopped", data_kept_in=str(var))


def _print_urls(settings: Settings) -> None:
    api = f"http://{settings.api_host}:{settings.api_port}"
    lines = [
        "",
        "Kinerja is running. Press Ctrl-C to stop (data stays in var/).",
        f"  Web pages and API  {api}/",
        f"  API docs (OpenAPI) {api}/docs",
        f"  Health             {api}/health",
        f"  Temporal (gRPC)    {settings.temporal_address}",
    ]
    if settings.embedded_temporal:
        lines.append(f"  Temporal Web UI    http://127.0.0.1:{settings.temporal_ui_port}/")
    lines.append("  Demo logins: see README.md (password kinerja-demo)")
    sys.stdout.write("\n".join(lines) + "\n\n")
    sys.stdout.flush()

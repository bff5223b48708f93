"""The benchmark harness works end to end at a tiny N (a benchmark is not a test: no timings)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "n", "launch_per_s", "raw_start_per_s", "launch_ratio", "complete_p50_ms", "complete_p99_ms",
    "raw_update_p99_ms", "inbox_p99_ms", "full_year_minutes", "events_per_employee_year",
    "activities_per_employee_year", "worker_rss_mib", "api_rss_mib",
}  # fmt: skip


@pytest.mark.e2e
def test_launcher_bench_harness_writes_every_key(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "bench.run", "--n", "12", "--minutes", "0.3", "--sample", "3",
           "--clients", "4", "--max-wait", "25", "--lead", "0.05", "--probe", "12",
           "--out", str(tmp_path)]  # fmt: skip
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode in (0, 1), run.stderr[-3000:]  # 1: the year outran --max-wait
    result = json.loads((tmp_path / "latest.json").read_text())
    assert set(result) >= KEYS
    assert result["n"] == 12
    assert result["sandbox"] is False  # production's worker (docker-compose.yml)
    assert result["started"] > 0
    assert result["calendar_lead_minutes"] == 0.05  # the year began 3 s after the launch
    # the completion probe (a year apart, at rest) submitted and approved SKPs through the API
    assert result["complete_probe_requests"] > 0
    assert result["complete_probe_status_codes"].get("200") == result["complete_probe_requests"]
    # and split each round trip by the API's Server-Timing phases
    assert set(result["complete_phase_ms"]) == {"before", "read", "update", "write"}
    # and the worker's and the API's GC pauses in the window (bench.gcprobe in both processes)
    for process in ("worker", "api"):
        assert set(result[f"complete_probe_{process}_gc"]) == {"gen0", "gen1", "gen2"}
    assert "| figure |" in (tmp_path / "latest.md").read_text()
    # every process of the stack exited on SIGTERM, none had to be killed
    stopped = result["stop_seconds"]
    assert set(stopped) == {"api", "worker", "temporal"}
    assert None not in stopped.values(), stopped
    # reminders are written ahead with their tasks, each then sent or dropped (or still held)
    assert result["reminder_steps"] == 0
    assert result["reminders_written_ahead"] > 0
    handled = result["reminders_sent"] + result["reminders_dropped"]
    assert handled <= result["reminders_written_ahead"]


@pytest.mark.e2e
def test_bench_launch_with_cycles_deferred(tmp_path: Path) -> None:
    """--defer-cycles stops the cycles' worker for the launch and restarts it: every cycle the
    launcher started still gets its first step written afterwards (here with the worker in the
    sandbox, as development runs it)."""
    cmd = [sys.executable, "-m", "bench.run", "--n", "12", "--skip-year", "--launch-process",
           "--defer-cycles", "--probe", "4", "--clients", "4", "--sandbox",
           "--out", str(tmp_path)]  # fmt: skip
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "latest.json").read_text())
    assert result["cycles_deferred"] is True
    assert result["sandbox"] is True
    assert result["started"] > 0
    assert result["first_steps_written"] == result["started"]
    assert (tmp_path / "n12-launch-sandbox-launchproc-deferred.json").exists()


def test_bench_refuses_deferral_without_a_launcher_process() -> None:
    from bench.run import main

    with pytest.raises(SystemExit) as exc:
        main(["--n", "12", "--skip-year", "--defer-cycles"])
    assert exc.value.code == 2


@pytest.mark.e2e
def test_bench_shapes_writes_every_step_once_in_each_shape(tmp_path: Path) -> None:
    """bench.shapes runs its three ways of recording an action's step on a real dev server: every
    step is written exactly once, and the shape without an activity has fewer history events."""
    cmd = [sys.executable, "-m", "bench.shapes", "--rounds", "1", "--actions", "2",
           "--clients", "2", "--out", str(tmp_path)]  # fmt: skip
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "shapes.json").read_text())
    assert result["steps_written"] == result["steps_expected"] == 4 + 3 * 2 * 2
    for shape in ("activity", "local", "return"):
        assert set(result[shape]) >= {"p99_ms", "server_cpu_ms", "events_per_action"}
    assert result["activity"]["events_per_action"] > result["return"]["events_per_action"]
    assert "| return |" in (tmp_path / "shapes.md").read_text()


@pytest.mark.e2e
def test_bench_launch_shapes_write_every_first_step_once(tmp_path: Path) -> None:
    """bench.launch_shapes starts cycles with the first step as an activity and returned by an
    Update sent with the start: every first step is written once, and the second shape has fewer
    history events."""
    cmd = [sys.executable, "-m", "bench.launch_shapes", "--rounds", "1", "--starts", "6",
           "--inflight", "3", "--out", str(tmp_path)]  # fmt: skip
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "launch_shapes.json").read_text())
    assert result["steps_written"] == result["steps_expected"] == 2 * (20 + 6)
    for shape in ("activity", "update"):
        assert set(result[shape]) >= {"rate", "server", "worker", "starter", "events"}
    assert result["activity"]["events"] > result["update"]["events"]
    assert "| update |" in (tmp_path / "launch_shapes.md").read_text()


def test_server_timing_is_read_as_phases_in_ms() -> None:
    from bench.bots import parse_server_timing

    header = 'read;dur=3.1, update;desc="workflow";dur=80.25, write, cache;dur=0'
    assert parse_server_timing(header) == [("read", 3.1), ("update", 80.25), ("cache", 0.0)]
    assert parse_server_timing("") == []

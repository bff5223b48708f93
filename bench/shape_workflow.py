"""The desk of bench/shapes.py: one workflow, three ways of recording a human action's step."""

from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow

SHAPE_QUEUE = "bench-shapes"
SHAPES = ("activity", "local", "return")


@dataclass
class Action:
    n: int
    body: dict[str, Any]


@workflow.defn(name="ShapeWorkflow")
class ShapeWorkflow:
    """Every action records a step (how depends on `shape`) and restarts the reminder timer."""

    @workflow.init
    def __init__(self, shape: str) -> None:
        self.shape = shape
        self.version = self.seen = 0
        self.stop = False

    @workflow.run
    async def run(self, shape: str) -> int:  # noqa: ARG002 (the same arguments as __init__)
        while not self.stop:
            self.seen = self.version
            with suppress(TimeoutError):  # the reminder: the next action cancels and restarts it
                await workflow.wait_condition(self.moved, timeout=timedelta(days=1))
        return self.version

    def moved(self) -> bool:
        return self.version != self.seen or self.stop

    @workflow.update(name="act")
    async def act(self, a: Action) -> dict[str, Any]:
        key = f"{workflow.info().workflow_id}/{a.n}"
        if self.shape == "activity":
            await workflow.execute_activity(
                "shape_write_step", args=[key, a.body], start_to_close_timeout=timedelta(seconds=30)
            )
        elif self.shape == "local":
            await workflow.execute_local_activity(
                "shape_write_step", args=[key, a.body], start_to_close_timeout=timedelta(seconds=30)
            )
        self.version += 1
        # `return`: the decided step goes back to the caller, which writes it
        return {"key": key, "body": a.body} if self.shape == "return" else {"key": key}

    @workflow.signal(name="stop")
    def finish(self) -> None:
        self.stop = True


LAUNCH_SHAPES = ("activity", "update")
# A first step of about the size of Kinerja's (the SKP draft task, the read model, the notice).
FIRST_STEP = {
    "action": "cycle_started",
    "cycle": {"stage": "perencanaan", "rows": [{"rhk": "x" * 120, "iki": "y" * 120}] * 8},
    "tasks": [{"kind": "skp_draft", "due": "2030-01-31", "assignee": "198609262015051001"}],
}


@workflow.defn(name="LaunchShapeWorkflow")
class LaunchShapeWorkflow:
    """A cycle's start: its first step written by an activity, or returned to the starter by an
    Update sent with the start (update-with-start), then the SKP deadline's timer."""

    @workflow.init
    def __init__(self, shape: str) -> None:  # noqa: ARG002 (the same arguments as run)
        self.first: dict[str, Any] | None = None
        self.stop = False

    @workflow.run
    async def run(self, shape: str) -> int:
        key = f"{workflow.info().workflow_id}/open"
        if shape == "activity":
            await workflow.execute_activity(
                "shape_write_step",
                args=[key, FIRST_STEP],
                start_to_close_timeout=timedelta(seconds=30),
            )
        self.first = {"key": key, "body": FIRST_STEP}
        with suppress(TimeoutError):  # the SKP deadline
            await workflow.wait_condition(lambda: self.stop, timeout=timedelta(days=30))
        return 0

    @workflow.update(name="opened")
    async def opened(self) -> dict[str, Any]:
        await workflow.wait_condition(lambda: self.first is not None)
        assert self.first is not None
        return self.first

"""Raw Temporal baselines: an empty workflow (start rate) and an echo update (round trip)."""

from temporalio import workflow

RAW_QUEUE = "bench-raw"


@workflow.defn(name="BenchEmpty")
class BenchEmpty:
    """Does nothing: what a bare start_workflow costs the server and one worker."""

    @workflow.run
    async def run(self) -> None:
        return None


@workflow.defn(name="BenchEcho")
class BenchEcho:
    """Answers an update with no work: one workflow-task round trip."""

    def __init__(self) -> None:
        self.stop = False
        self.n = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.stop)
        return self.n

    @workflow.update(name="echo")
    async def echo(self, x: int) -> int:
        self.n += 1
        return x

    @workflow.signal(name="stop")
    def finish(self) -> None:
        self.stop = True

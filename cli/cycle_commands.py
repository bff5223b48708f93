"""`kinerja cycle launch`: start a year's cycles through the durable launcher, with progress."""

import asyncio
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from temporalio.client import WorkflowHandle

from domain.launch import LaunchProgress
from settings import Settings, get_settings

POLL_SECONDS = 0.5


def register_cycle_commands(app: typer.Typer) -> None:
    """Add the `cycle` command group to the main app."""
    cycle = typer.Typer(help="Performance years: launch the employees' cycles.")

    @cycle.command("launch")
    def launch(
        year: Annotated[int, typer.Option("--year", min=2000, max=2200, help="the year")],
        unit: Annotated[str | None, typer.Option("--unit", help="a unit and its sub-units")] = None,
        everyone: Annotated[bool, typer.Option("--all", help="every employee")] = False,
        detach: Annotated[bool, typer.Option("--detach", help="start and return")] = False,
        lead: Annotated[
            float,
            typer.Option(
                "--lead-minutes",
                min=0,
                max=1440,
                help="compressed years only: the year begins this many minutes after the launch",
            ),
        ] = 0,
    ) -> None:
        """Start every cycle of the scope once (repeatable: running ones are skipped)."""
        if (unit is None) == (not everyone):
            raise typer.BadParameter("give exactly one of --unit CODE or --all")
        code = asyncio.run(_launch(get_settings(), year, unit, detach, lead))
        raise typer.Exit(code)

    app.add_typer(cycle, name="cycle")


async def _launch(
    settings: Settings, year: int, unit: str | None, detach: bool, lead: float = 0
) -> int:
    """The launch of `kinerja cycle launch`; the exit code (2: the year cannot be launched so)."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from api.launch import start_launcher
    from db.engine import make_engine
    from db.models import Cycle
    from domain.launch import LaunchScope
    from infra.temporal import connect

    console = Console(stderr=True)
    engine = make_engine(settings.resolved_database_url)
    try:
        with Session(engine) as s:
            cycle = s.get(Cycle, year)
            if cycle is None:
                console.print(f"[red]siklus {year} belum dibuka[/red] (POST /cycles)")
                return 2
            if lead and cycle.compressed_minutes is None:
                console.print("[red]--lead-minutes hanya untuk tahun yang dipadatkan[/red]")
                return 2
    finally:
        engine.dispose()
    client = await connect(settings.temporal_address, settings.temporal_namespace)
    scope = LaunchScope(unit_code=unit)
    start = datetime.now(UTC) + timedelta(minutes=lead) if lead else None
    handle = await start_launcher(client, year, scope, settings.task_queue, calendar_start=start)
    console.print(f"launch [bold]{scope.key()}[/bold] of {year}: workflow {handle.id}")
    if detach:
        return 0
    p = await _follow(handle, console)
    console.print(
        f"started {p.started} (exempt {p.exempt}), already running {p.skipped_running}, "
        f"ended {p.skipped_ended}, failed {p.failed} in {p.runs} run(s)"
    )
    for f in p.failures:
        console.print(f"  [red]{f.nip}[/red]: {f.reason}")
    return 1 if p.failed else 0


async def _follow(handle: WorkflowHandle[Any, LaunchProgress], console: Console) -> LaunchProgress:
    """Poll the launcher's `progress` query into a progress bar until it returns."""
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    result = asyncio.ensure_future(handle.result())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("launching", total=None)
        while not result.done():
            p: LaunchProgress | None = None
            try:
                p = await handle.query("progress", result_type=LaunchProgress)
            except Exception:  # not picked up by a worker yet: keep polling
                p = None
            if p is not None:
                label = f"started {p.started}, skipped {p.skipped_running}"
                bar.update(task, total=p.total, completed=p.handled, description=label)
            await asyncio.wait([result], timeout=POLL_SECONDS)
        final = result.result()
        bar.update(task, total=final.total, completed=final.handled)
    return final

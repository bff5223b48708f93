"""Entry point of the `kinerja` command: operator tasks of a deployment."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from infra.logging import configure_logging
from settings import get_settings

app = typer.Typer(help="Kinerja: ASN performance cycles of Kota Semarang.", no_args_is_help=True)


@app.callback()
def _setup() -> None:
    settings = get_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)


@app.command()
def up() -> None:
    """Run the embedded stack: Temporal dev server, worker and API, with demo data."""
    from cli.up import run_stack

    prepare_database(seed=get_settings().seed_demo)
    raise typer.Exit(run_stack(get_settings()))


@app.command()
def migrate() -> None:
    """Apply the database migrations (alembic upgrade head)."""
    prepare_database(seed=False)
    typer.echo("database is at the latest migration")


@app.command()
def seed() -> None:
    """Seed the demo organisation and users when the database has no employees."""
    prepare_database(seed=True)


@app.command()
def api() -> None:
    """Serve the API (and web pages) with uvicorn."""
    import uvicorn

    from infra.apiserver import KEEP_ALIVE_S

    settings = get_settings()
    uvicorn.run(
        "api.main:app",
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        proxy_headers=True,
        timeout_keep_alive=KEEP_ALIVE_S,
    )


@app.command()
def worker() -> None:
    """Run a Temporal worker for the appraisal workflows and activities."""
    from worker import run_worker

    asyncio.run(run_worker(get_settings()))


@app.command("import-org")
def import_org(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import or update the organisation from an SIASN / e-Kinerja CSV export (all or nothing)."""
    from db.engine import make_engine, session_scope
    from db.org_import import import_org_csv

    prepare_database(seed=False)
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        report = import_org_csv(session, file, source=f"import:{file.name}")
    if not report.ok:
        for err in report.errors:
            typer.echo(f"line {err.line}, column {err.column}: {err.reason}", err=True)
        typer.echo(f"{len(report.errors)} error(s); nothing was imported", err=True)
        raise typer.Exit(2)
    typer.echo(
        f"imported: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.units_created} units created"
    )


def prepare_database(*, seed: bool) -> None:
    """Migrate the configured database, and seed the demo organisation when asked and empty."""
    from db.engine import make_engine, migrate, session_scope
    from db.seed import seed_demo

    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.resolved_database_url)
    if seed:
        engine = make_engine(settings.resolved_database_url)
        with session_scope(engine) as session:
            if seed_demo(session):
                typer.echo("seeded the demo organisation of Kota Semarang")
        engine.dispose()


from cli.auth_commands import register_auth_commands  # noqa: E402
from cli.cycle_commands import register_cycle_commands  # noqa: E402

register_auth_commands(app)
register_cycle_commands(app)

if __name__ == "__main__":
    app()

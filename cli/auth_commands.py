"""Operator commands for accounts: `kinerja user create` and `kinerja token`."""

from datetime import timedelta
from typing import Annotated

import typer

from domain.enums import Role

user_app = typer.Typer(help="Manage login accounts.", no_args_is_help=True)


@user_app.command("create")
def create_user(
    username: Annotated[str, typer.Argument(help="login name, e.g. the NIP or bkpp.admin")],
    role: Annotated[list[Role], typer.Option("--role", "-r", help="repeat for several roles")],
    nip: Annotated[str | None, typer.Option(help="the employee's NIP, if any")] = None,
    password: Annotated[str | None, typer.Option(help="prompted when omitted")] = None,
) -> None:
    """Create an account with an argon2-hashed password (audited)."""
    from datetime import UTC, datetime

    from api.security import hash_password
    from cli.main import prepare_database
    from db.audit import append_audit
    from db.engine import make_engine, session_scope
    from db.models import User
    from settings import get_settings

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        typer.echo("password must have at least 8 characters", err=True)
        raise typer.Exit(2)
    prepare_database(seed=False)
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        if session.get(User, username) is not None:
            typer.echo(f"user {username} already exists", err=True)
            raise typer.Exit(1)
        roles = sorted({r.value for r in role})
        session.add(
            User(username=username, nip=nip, password_hash=hash_password(password), roles=roles)
        )
        append_audit(
            session,
            key=f"cli/user_created/{username}/{datetime.now(UTC).isoformat()}",
            actor="cli",
            action="user_created",
            nip=nip,
            after={"username": username, "roles": roles},
            at=datetime.now(UTC),
        )
    engine.dispose()
    typer.echo(f"created {username} with roles {', '.join(roles)}")


def mint(
    nip: Annotated[str | None, typer.Option(help="the account's NIP")] = None,
    username: Annotated[str | None, typer.Option(help="or the account's username")] = None,
    minutes: Annotated[int | None, typer.Option(help="lifetime; default from settings")] = None,
) -> None:
    """Print a bearer token for an existing, active account."""
    from sqlmodel import select

    from api.security import mint_token
    from db.engine import make_engine, session_scope
    from db.models import User
    from settings import get_settings

    if (nip is None) == (username is None):
        typer.echo("give exactly one of --nip or --username", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as session:
        stmt = select(User).where(User.active == True)  # noqa: E712 - SQL expression
        stmt = stmt.where(User.nip == nip) if nip else stmt.where(User.username == username)
        user = session.exec(stmt.order_by(User.username)).first()
        if user is None:
            typer.echo("no active account found", err=True)
            raise typer.Exit(1)
        ttl = timedelta(minutes=minutes) if minutes else None
        token = mint_token(
            settings, username=user.username, nip=user.nip, roles=user.roles, ttl=ttl
        )
    engine.dispose()
    typer.echo(token)


def register_auth_commands(app: typer.Typer) -> None:
    """Attach `user ...` and `token` to the main CLI."""
    app.add_typer(user_app, name="user")
    app.command("token")(mint)

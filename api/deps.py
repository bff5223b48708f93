"""Annotated dependencies: settings, database session, Temporal, the authenticated principal.

The ones that only read app.state are `async def`: FastAPI runs a plain `def` dependency in its
thread pool, a hop per dependency per request that the completion's profile showed."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlmodel import Session

from activities.storage import StorageActivities
from api.errors import unauthorized
from api.security import OidcVerifier, TokenClaims, TokenError, decode_local
from api.temporal import TemporalGateway
from db.models import User
from domain.enums import Role
from domain.payloads import Actor
from settings import Settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: who they are and which roles they hold."""

    username: str
    nip: str | None
    roles: frozenset[Role]

    def has(self, *roles: Role) -> bool:
        """True when the caller holds any of `roles`."""
        return any(r in self.roles for r in roles)

    @property
    def actor(self) -> Actor:
        """The caller as sent to workflows (which check, not trust, the claim)."""
        return Actor(nip=self.nip, roles=sorted(self.roles), username=self.username)


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    """The database engine built in the lifespan."""
    engine: Engine = request.app.state.engine
    return engine


async def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> AsyncIterator[Session]:
    """One session per request; handlers commit what they change.

    Made on the event loop (a session connects only when first used) and closed there when it
    holds no transaction; a sync generator cost two thread-pool hops per request, which under
    20 concurrent completions were a good part of the time before the handler ran (the
    completion's Server-Timing "before" phase). Closing an open transaction is I/O: in a thread.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def get_temporal(request: Request) -> TemporalGateway:
    """The lazily connecting Temporal gateway."""
    gateway: TemporalGateway = request.app.state.temporal
    return gateway


async def get_step_writer(request: Request) -> StorageActivities:
    """Writes the steps a completion's update returns, with the worker's code."""
    writer: StorageActivities = request.app.state.step_writer
    return writer


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[TemporalGateway, Depends(get_temporal)]
StepWriterDep = Annotated[StorageActivities, Depends(get_step_writer)]


def _claims(request: Request, settings: Settings, token: str) -> TokenClaims:
    if settings.oidc_jwks_url:
        try:
            alg = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from exc
        if alg != "HS256":
            verifier: OidcVerifier | None = getattr(request.app.state, "oidc", None)
            if verifier is None:
                verifier = request.app.state.oidc = OidcVerifier(settings)
            return verifier.decode(token)
    return decode_local(settings, token)


def _verified(request: Request, settings: Settings, token: str | None) -> TokenClaims:
    if not token:
        raise unauthorized("login diperlukan")
    try:
        return _claims(request, settings, token)
    except TokenError as exc:
        raise unauthorized() from exc


def principal_of(session: Session, claims: TokenClaims) -> Principal:
    """The caller of verified `claims` whose account still exists and is active; 401 otherwise."""
    user = session.get(User, claims.username)
    if claims.external:
        # The provider vouches for the person; a local account can still switch them off.
        if user is not None and not user.active:
            raise unauthorized("akun tidak aktif")
        return Principal(claims.username, claims.nip, claims.roles)
    if user is None or not user.active:
        raise unauthorized("akun tidak ada atau tidak aktif")
    roles = frozenset(Role(r) for r in user.roles if r in {x.value for x in Role})
    return Principal(user.username, user.nip, roles)


def get_principal(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """The caller of a valid token whose account still exists and is active; 401 otherwise."""
    return principal_of(session, _verified(request, settings, token))


async def get_claims(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> TokenClaims:
    """A valid token's claims, the account not checked yet: for a handler that checks it with
    `principal_of` in the same worker-thread call as its own reads (one thread-pool hop fewer).
    A local token is checked on the event loop (CPU only); an OIDC one may fetch the provider's
    keys, so in a thread."""
    if settings.oidc_jwks_url:
        return await run_in_threadpool(_verified, request, settings, token)
    return _verified(request, settings, token)


CurrentUser = Annotated[Principal, Depends(get_principal)]
VerifiedToken = Annotated[TokenClaims, Depends(get_claims)]

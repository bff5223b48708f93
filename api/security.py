"""Passwords (argon2 via pwdlib), local JWTs (HS256) and external OIDC tokens (JWKS)."""

import functools
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

from domain.enums import Role
from settings import Settings

ALGORITHM = "HS256"
_hasher = PasswordHash.recommended()
# A fixed hash to verify against when the user is unknown, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("kinerja-dummy-password")
_ROLE_NAMES = frozenset(r.value for r in Role)


class TokenError(Exception):
    """The token is missing, expired, forged or otherwise unusable."""


@dataclass(frozen=True)
class TokenClaims:
    """What a verified token says about its bearer."""

    username: str
    nip: str | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    external: bool = False


def hash_password(password: str) -> str:
    """An argon2 hash of the password."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when the password matches; constant work when the user does not exist."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed login, not a crash
        return False


def parse_roles(values: Any) -> frozenset[Role]:
    """Known roles among `values`; unknown names are ignored."""
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    if not isinstance(values, list | tuple | set | frozenset):
        return frozenset()
    return frozenset(Role(v) for v in values if isinstance(v, str) and v in _ROLE_NAMES)


def mint_token(
    settings: Settings,
    *,
    username: str,
    nip: str | None,
    roles: list[str] | frozenset[Role],
    now: datetime | None = None,
    ttl: timedelta | None = None,
) -> str:
    """A signed local access token with sub, nip, roles, iat, exp and jti."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": username,
        "nip": nip,
        "roles": sorted(str(r) for r in roles),
        "iat": issued,
        "exp": issued + (ttl or timedelta(minutes=settings.jwt_ttl_minutes)),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


# Tokens verified before, with their expiry: the HS256 check was 7 % of the API's CPU per task
# completion (py-spy --gil, N=2,000 probe), paid again on every request of the same session.
# Keyed by the whole token and the secret, so any other token, or a token under a changed secret,
# is verified afresh; a refused token is never remembered. The account behind it is still read on
# every request (principal_of).
VERIFIED_TOKENS_MAX = 20_000


@functools.lru_cache(maxsize=VERIFIED_TOKENS_MAX)
def _verify(secret: str, token: str) -> tuple[TokenClaims, float]:
    """The claims of a token PyJWT accepts (signature, expiry, required claims) and its expiry."""
    try:
        data = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "iat", "jti"]}
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    claims = TokenClaims(
        username=str(data["sub"]),
        nip=data.get("nip") if isinstance(data.get("nip"), str) else None,
        roles=parse_roles(data.get("roles")),
    )
    return claims, float(data["exp"])


def decode_local(settings: Settings, token: str, now: float | None = None) -> TokenClaims:
    """Verify a locally issued token; TokenError when expired or forged."""
    claims, exp = _verify(settings.jwt_secret, token)
    if (time.time() if now is None else now) >= exp:  # PyJWT's rule: expired once exp <= now
        raise TokenError("Signature has expired")
    return claims


class OidcVerifier:
    """Validates tokens of an external provider against its JWKS and maps claims to roles."""

    def __init__(self, settings: Settings, jwks_client: jwt.PyJWKClient | None = None) -> None:
        self.issuer = settings.oidc_issuer or None
        self.audience = settings.oidc_audience or None
        self.jwks = jwks_client or jwt.PyJWKClient(settings.oidc_jwks_url, cache_keys=True)

    def decode(self, token: str) -> TokenClaims:
        """Verify signature, expiry, issuer and audience; TokenError otherwise."""
        try:
            key = self.jwks.get_signing_key_from_jwt(token)
            data = jwt.decode(
                token,
                key.key,
                algorithms=["RS256", "ES256", "PS256"],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["sub", "exp"], "verify_aud": self.audience is not None},
            )
        except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
            raise TokenError(str(exc)) from exc
        return claims_from_oidc(data)


def claims_from_oidc(data: dict[str, Any]) -> TokenClaims:
    """Map provider claims: roles from `roles`, `groups` or Keycloak's realm_access.roles."""
    raw: list[Any] = []
    for key in ("roles", "groups"):
        value = data.get(key)
        if isinstance(value, list):
            raw += value
    realm = data.get("realm_access")
    if isinstance(realm, dict) and isinstance(realm.get("roles"), list):
        raw += realm["roles"]
    names = [str(r).removeprefix("kinerja-").removeprefix("/") for r in raw]
    nip = data.get("nip")
    username = data.get("preferred_username") or data["sub"]
    return TokenClaims(
        username=str(username),
        nip=str(nip) if isinstance(nip, str) else None,
        roles=parse_roles(names),
        external=True,
    )

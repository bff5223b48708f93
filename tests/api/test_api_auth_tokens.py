"""Tokens: expired, forged, deleted or inactive users refused; OIDC tokens validated by JWKS."""

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from api_orgdata import ORG
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.main import create_app
from api.security import OidcVerifier, TokenError, decode_local, mint_token
from db.models import User


def _get_me(client, token):
    return client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_expired_token(client, settings):
    token = mint_token(
        settings,
        username="bkpp",
        nip=None,
        roles=["bkpp"],
        now=datetime.now(UTC) - timedelta(hours=2),
        ttl=timedelta(minutes=5),
    )
    r = _get_me(client, token)
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_forged_token(client, settings):
    forged = settings.model_copy(update={"jwt_secret": "another-secret-another-secret-xx"})
    assert (
        _get_me(client, mint_token(forged, username="bkpp", nip=None, roles=["bkpp"])).status_code
        == 401
    )
    claims = {
        "sub": "bkpp",
        "roles": ["bkpp"],
        "exp": datetime.now(UTC) + timedelta(hours=1),
        "iat": datetime.now(UTC),
        "jti": "x",
    }
    unsigned = jwt.encode(claims, key="", algorithm="none")
    assert _get_me(client, unsigned).status_code == 401
    assert _get_me(client, "not-a-jwt").status_code == 401


def _delete_and_switch_off(engine, deleted: str, switched_off: str) -> None:
    """Delete one account and deactivate another, as an administrator would."""
    with Session(engine) as s:
        s.delete(s.get(User, deleted))
        user = s.get(User, switched_off)
        user.active = False
        s.add(user)
        s.commit()


def test_deleted_and_inactive_user(client, engine, tokens):
    _delete_and_switch_off(engine, "pegawai_a2", "pegawai_b1")
    assert _get_me(client, tokens["pegawai_a2"]).status_code == 401
    assert _get_me(client, tokens["pegawai_b1"]).status_code == 401
    assert _get_me(client, tokens["pegawai_a1"]).status_code == 200


def test_roles_come_from_the_account_not_the_token(client, settings):
    token = mint_token(settings, username="pegawai_a1", nip=ORG.pegawai_a1, roles=["bkpp"])
    assert _get_me(client, token).json()["roles"] == ["pegawai"]


class _StaticJwks(jwt.PyJWKClient):
    """A JWKS client that serves a fixed key set instead of fetching it."""

    def __init__(self, jwks: dict) -> None:
        super().__init__("http://jwks.invalid/keys")
        self._jwks = jwks

    def fetch_data(self):
        return self._jwks


@pytest.fixture
def oidc(settings, engine):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", use="sig", alg="RS256")
    cfg = settings.model_copy(
        update={
            "oidc_jwks_url": "http://jwks.invalid/keys",
            "oidc_issuer": "https://sso.semarangkota.go.id",
            "oidc_audience": "kinerja",
        }
    )
    app = create_app(cfg, engine=engine)
    with TestClient(app) as client:
        app.state.oidc = OidcVerifier(cfg, jwks_client=_StaticJwks({"keys": [jwk]}))

        def sign(**over):
            now = datetime.now(UTC)
            claims = {
                "sub": "u-1",
                "preferred_username": "sso.penilai",
                "nip": ORG.penilai_a,
                "realm_access": {"roles": ["penilai", "offline_access"]},
                "iss": cfg.oidc_issuer,
                "aud": "kinerja",
                "iat": now,
                "exp": now + timedelta(minutes=5),
                **over,
            }
            return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})

        yield client, sign


def test_oidc_token_accepted_and_mapped(oidc):
    client, sign = oidc
    r = _get_me(client, sign())
    assert r.status_code == 200, r.text
    assert r.json() == {"username": "sso.penilai", "nip": ORG.penilai_a, "roles": ["penilai"]}
    emps = client.get("/employees", headers={"Authorization": f"Bearer {sign()}"}).json()
    assert {e["nip"] for e in emps["data"]} == {ORG.penilai_a, ORG.pegawai_a1, ORG.pegawai_a2}


@pytest.mark.parametrize(
    "override",
    [{"aud": "other"}, {"iss": "https://evil"}, {"exp": datetime.now(UTC) - timedelta(minutes=1)}],
)
def test_oidc_token_refused(oidc, override):
    client, sign = oidc
    assert _get_me(client, sign(**override)).status_code == 401


def test_completion_checks_the_account_with_its_reads(client, engine, tokens):
    """The completion verifies the account in the same worker-thread call as its task read: a
    deleted or switched-off account gets 401 there too, before any task is looked at."""
    _delete_and_switch_off(engine, "pegawai_a2", "penilai_a")
    body = {"payload": {"approve": True}}
    for who in ("pegawai_a2", "penilai_a"):
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        r = client.post("/tasks/no-such-task/complete", json=body, headers=headers)
        assert r.status_code == 401, (who, r.text)
    r = client.post(
        "/tasks/no-such-task/complete",
        json=body,
        headers={"Authorization": f"Bearer {tokens['pegawai_a1']}"},
    )
    assert r.status_code == 404
    assert client.post("/tasks/no-such-task/complete", json=body).status_code == 401


def test_a_token_verified_before_is_remembered_until_it_expires(settings, monkeypatch):
    token = mint_token(
        settings, username="bkpp", nip=None, roles=["bkpp"], ttl=timedelta(minutes=5)
    )
    first = decode_local(settings, token)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]

    def no_second_check(*args, **kwargs):
        raise AssertionError("the signature was checked again")

    monkeypatch.setattr(jwt, "decode", no_second_check)
    assert decode_local(settings, token, now=exp - 1) == first
    with pytest.raises(TokenError, match="expired"):
        decode_local(settings, token, now=exp)  # PyJWT's rule: expired once exp <= now
    monkeypatch.undo()
    # The refusal was by the clock given, not a forgotten verification: on the real clock the
    # token is still good.
    assert decode_local(settings, token) == first


def test_a_remembered_token_does_not_vouch_for_another(client, settings):
    token = mint_token(settings, username="bkpp", nip=None, roles=["bkpp"])
    assert _get_me(client, token).status_code == 200  # verified and remembered
    head, payload, signature = token.split(".")
    flipped = "B" if signature[0] == "A" else "A"  # the first character: six real bits
    tampered = f"{head}.{payload}.{flipped}{signature[1:]}"
    assert _get_me(client, tampered).status_code == 401
    other = settings.model_copy(update={"jwt_secret": "another-secret-another-secret-xx"})
    with pytest.raises(TokenError):
        decode_local(other, token)  # the same token under another secret is checked afresh

"""TokenVerifier: Cognito's own tokens from moto, and every way a token is refused.

Real tokens come from the local Cognito (moto serves the pool's JWKS at
``<endpoint>/<pool>/.well-known/jwks.json``, see moto/cognitoidp/urls.py).
Forged and crafted tokens are signed here with RSA keys made by
``cryptography``, and served by a small JWKS server in the test that counts
its requests.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import logging
import math
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestServer
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import cognito_flow.tokens
from cognito_flow import (
    AuthenticationResult,
    ConfigurationError,
    ExpiredTokenError,
    InvalidTokenError,
    TransportError,
    UnexpectedResponseError,
)
from cognito_flow.testing import LocalCognito
from cognito_flow.tokens import TokenVerifier

PASSWORD = "Verify-Passw0rd!"
POOL = "us-east-1_TestPool42"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
CLIENT = "3example4client5id6"
KID = "test-key-1"


# -- keys, tokens --------------------------------------------------------------


@functools.cache
def rsa_key(name: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """One RSA key per name for the whole run (key generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segment(value: object) -> str:
    return b64(json.dumps(value).encode())


def jwk_of(key: rsa.RSAPrivateKey, kid: str, **members: Any) -> dict[str, Any]:
    """The public half of ``key`` as a JWKS entry, as Cognito publishes it."""
    numbers = key.public_key().public_numbers()

    def encode(n: int) -> str:
        return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))

    entry = {"alg": "RS256", "e": encode(numbers.e), "kid": kid, "kty": "RSA"}
    entry.update(n=encode(numbers.n), use="sig")
    entry.update(members)
    return entry


def sign(
    claims: object,
    key: rsa.RSAPrivateKey,
    *,
    kid: object = KID,
    digest: hashes.HashAlgorithm | None = None,
    **header: Any,
) -> str:
    """A compact JWS over ``claims`` signed with RSASSA-PKCS1-v1_5 (RS256 unless told)."""
    head: dict[str, Any] = {"kid": kid, "alg": "RS256", **header}
    if kid is None:
        del head["kid"]
    body = claims if isinstance(claims, bytes) else json.dumps(claims).encode()
    signing_input = f"{segment(head)}.{b64(body)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), digest or hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def access_claims(**overrides: Any) -> dict[str, Any]:
    """Claims shaped like a Cognito access token of POOL and CLIENT."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "0b7e1f0e-0000-4000-8000-000000000001",
        "iss": ISSUER,
        "client_id": CLIENT,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "jti": "5f0c1e2d-0000-4000-8000-000000000002",
        "username": "alice",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def id_claims(**overrides: Any) -> dict[str, Any]:
    """Claims shaped like a Cognito ID token of POOL and CLIENT."""
    claims = access_claims(token_use="id", aud=CLIENT, client_id=None, scope=None, username=None)
    claims["cognito:username"] = "alice"
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def payload_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(unb64(token.split(".")[1]))
    return decoded


# -- a JWKS server that counts ---------------------------------------------------


class JwksServer:
    """Serves a JWKS over HTTP on 127.0.0.1 and counts the requests."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = [jwk_of(rsa_key("pool"), KID)]
        self.fetches = 0
        self.status = 200
        self.body: bytes | None = None  # served instead of the JWKS when set
        self.redirect_to: str | None = None
        self.gate: asyncio.Event | None = None  # answers wait for it when set
        self.requested = asyncio.Event()
        self.server: BaseTestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/{POOL}/.well-known/jwks.json"))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.fetches += 1
        self.requested.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.redirect_to is not None:
            raise web.HTTPFound(self.redirect_to)
        body = self.body if self.body is not None else json.dumps({"keys": self.keys}).encode()
        return web.Response(body=body, status=self.status, content_type="application/json")

    def verifier(self, **options: Any) -> TokenVerifier:
        options.setdefault("client_ids", [CLIENT])
        return TokenVerifier(POOL, jwks_url=self.url, **options)


@pytest.fixture
async def jwks() -> AsyncIterator[JwksServer]:
    """A JWKS server holding the key ``KID`` of ``rsa_key("pool")``."""
    served = JwksServer()
    app = web.Application()
    app.router.add_get("/{pool}/.well-known/jwks.json", served.handle)
    served.server = TestServer(app, host="127.0.0.1")
    await served.server.start_server()
    try:
        yield served
    finally:
        if served.gate is not None:
            served.gate.set()  # let a held answer finish, so the server closes at once
        await served.server.close()


def good_token(**overrides: Any) -> str:
    return sign(access_claims(**overrides), rsa_key("pool"))


# -- tokens of the local Cognito ---------------------------------------------------


def moto_jwks_url(cognito: LocalCognito) -> str:
    return f"{cognito.endpoint_url}/{cognito.user_pool_id}/.well-known/jwks.json"


def moto_verifier(cognito: LocalCognito, **options: Any) -> TokenVerifier:
    options.setdefault("client_ids", [cognito.client_id])
    return TokenVerifier(cognito.user_pool_id, jwks_url=moto_jwks_url(cognito), **options)


async def sign_in(cognito: LocalCognito, *, with_secret: bool = False) -> AuthenticationResult:
    await cognito.create_user("alice", PASSWORD)
    result = await cognito.auth_client(with_secret=with_secret).authenticate("alice", PASSWORD)
    assert isinstance(result, AuthenticationResult)
    return result


async def test_access_token_of_the_local_cognito_verifies(local_cognito: LocalCognito) -> None:
    """An access token from a sign-in verifies and its claims come back."""
    result = await sign_in(local_cognito)
    claims = await moto_verifier(local_cognito).verify(result.access_token, token_use="access")
    assert claims["username"] == "alice"
    assert claims["client_id"] == local_cognito.client_id
    assert claims["token_use"] == "access"


async def test_id_token_of_the_local_cognito_verifies(local_cognito: LocalCognito) -> None:
    """An ID token verifies with token_use="id", its aud being the client."""
    result = await sign_in(local_cognito)
    assert result.id_token is not None
    claims = await moto_verifier(local_cognito).verify(result.id_token, token_use="id")
    assert claims["cognito:username"] == "alice"
    assert claims["aud"] == local_cognito.client_id


async def test_moto_issues_the_pools_default_issuer(local_cognito: LocalCognito) -> None:
    """moto's iss is Cognito's (https://cognito-idp.<region>.amazonaws.com/<pool>): no issuer= needed."""
    result = await sign_in(local_cognito)
    region = local_cognito.user_pool_id.split("_")[0]
    iss = f"https://cognito-idp.{region}.amazonaws.com/{local_cognito.user_pool_id}"
    assert payload_of(result.access_token)["iss"] == iss


async def test_any_of_the_client_ids_is_accepted(local_cognito: LocalCognito) -> None:
    """A token of any client in client_ids verifies (here the client with a secret)."""
    result = await sign_in(local_cognito, with_secret=True)
    verifier = moto_verifier(
        local_cognito, client_ids=[local_cognito.client_id, local_cognito.secret_client_id]
    )
    claims = await verifier.verify(result.access_token, token_use="access")
    assert claims["client_id"] == local_cognito.secret_client_id


async def test_one_jwks_fetch_serves_many_verifications(local_cognito: LocalCognito) -> None:
    """The JWKS is fetched once, then every token of known kid is checked from the cache."""
    fetches: list[str] = []

    async def count(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
        fetches.append(str(params.url))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(count)
    result = await sign_in(local_cognito)
    assert result.id_token is not None
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        verifier = moto_verifier(local_cognito, session=session)
        for _ in range(20):
            await verifier.verify(result.access_token, token_use="access")
            await verifier.verify(result.id_token, token_use="id")
        assert not session.closed  # the caller's session: the caller closes it
    assert fetches == [moto_jwks_url(local_cognito)]


async def test_moto_token_refused_when_expired(local_cognito: LocalCognito) -> None:
    """An access token past exp + leeway raises ExpiredTokenError (check "expiry")."""
    result = await sign_in(local_cognito)
    expires = payload_of(result.access_token)["exp"]
    verifier = moto_verifier(local_cognito, leeway=5, clock=lambda: expires + 6)
    with pytest.raises(ExpiredTokenError) as caught:
        await verifier.verify(result.access_token, token_use="access")
    assert caught.value.check == "expiry"
    assert isinstance(caught.value, InvalidTokenError)


async def test_moto_token_within_the_leeway_verifies(local_cognito: LocalCognito) -> None:
    """A token a few seconds past exp, within the leeway, still verifies."""
    result = await sign_in(local_cognito)
    expires = payload_of(result.access_token)["exp"]
    verifier = moto_verifier(local_cognito, leeway=5, clock=lambda: expires + 4)
    await verifier.verify(result.access_token, token_use="access")


async def test_moto_token_refused_for_another_client(local_cognito: LocalCognito) -> None:
    """Access and ID tokens of a client not in client_ids fail the "audience" check."""
    result = await sign_in(local_cognito)
    assert result.id_token is not None
    verifier = moto_verifier(local_cognito, client_ids=[local_cognito.secret_client_id])
    for token, use in ((result.access_token, "access"), (result.id_token, "id")):
        with pytest.raises(InvalidTokenError) as caught:
            await verifier.verify(token, token_use=use)  # type: ignore[arg-type]
        assert caught.value.check == "audience"


async def test_moto_token_refused_for_the_other_token_use(local_cognito: LocalCognito) -> None:
    """An ID token offered as an access token, and the other way round, fail "token_use"."""
    result = await sign_in(local_cognito)
    assert result.id_token is not None
    verifier = moto_verifier(local_cognito)
    for token, use in ((result.id_token, "access"), (result.access_token, "id")):
        with pytest.raises(InvalidTokenError) as caught:
            await verifier.verify(token, token_use=use)  # type: ignore[arg-type]
        assert caught.value.check == "token_use"


async def test_forged_token_with_the_real_kid_is_refused(local_cognito: LocalCognito) -> None:
    """The real claims and kid, signed with another RSA key, fail "signature"."""
    result = await sign_in(local_cognito)
    header = json.loads(unb64(result.access_token.split(".")[0]))
    forged = sign(payload_of(result.access_token), rsa_key("attacker"), kid=header["kid"])
    with pytest.raises(InvalidTokenError) as caught:
        await moto_verifier(local_cognito).verify(forged, token_use="access")
    assert caught.value.check == "signature"


async def test_tampered_payload_is_refused(local_cognito: LocalCognito) -> None:
    """A real token whose payload was changed (another user) fails "signature"."""
    result = await sign_in(local_cognito)
    head, _, signature = result.access_token.split(".")
    claims = payload_of(result.access_token) | {"username": "mallory"}
    tampered = f"{head}.{segment(claims)}.{signature}"
    with pytest.raises(InvalidTokenError) as caught:
        await moto_verifier(local_cognito).verify(tampered, token_use="access")
    assert caught.value.check == "signature"


async def test_hs256_keyed_with_the_public_key_is_refused(local_cognito: LocalCognito) -> None:
    """HS256 over the real claims, keyed with the pool's public key (PEM, DER, JWK), fails "algorithm"."""
    result = await sign_in(local_cognito)
    async with (
        aiohttp.ClientSession() as session,
        session.get(moto_jwks_url(local_cognito)) as response,
    ):
        jwk = (await response.json())["keys"][0]
    public = rsa.RSAPublicNumbers(
        int.from_bytes(unb64(jwk["e"]), "big"), int.from_bytes(unb64(jwk["n"]), "big")
    ).public_key()
    secrets = [
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        json.dumps(jwk).encode(),
    ]
    verifier = moto_verifier(local_cognito)
    for secret in secrets:
        signing_input = (
            f"{segment({'kid': jwk['kid'], 'alg': 'HS256'})}.{result.access_token.split('.')[1]}"
        )
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        with pytest.raises(InvalidTokenError) as caught:
            await verifier.verify(f"{signing_input}.{b64(mac)}", token_use="access")
        assert caught.value.check == "algorithm"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
async def test_unsigned_token_is_refused(local_cognito: LocalCognito, alg: str) -> None:
    """A token saying alg "none" (any spelling), with no signature, fails "algorithm"."""
    result = await sign_in(local_cognito)
    unsigned = f"{segment({'kid': 'dummy', 'alg': alg})}.{result.access_token.split('.')[1]}."
    with pytest.raises(InvalidTokenError) as caught:
        await moto_verifier(local_cognito).verify(unsigned, token_use="access")
    assert caught.value.check == "algorithm"


# -- crafted tokens against the counting JWKS server --------------------------------


async def test_crafted_access_and_id_tokens_verify(jwks: JwksServer) -> None:
    """The helpers' tokens are good ones: both kinds verify against the test JWKS."""
    verifier = jwks.verifier()
    assert (await verifier.verify(good_token(), token_use="access"))["username"] == "alice"
    id_token = sign(id_claims(), rsa_key("pool"))
    assert (await verifier.verify(id_token, token_use="id"))["aud"] == CLIENT


async def test_claims_are_a_fresh_dict_each_time(jwks: JwksServer) -> None:
    """verify() returns a new dict: changing it does not change the next answer."""
    verifier = jwks.verifier()
    first = await verifier.verify(good_token(), token_use="access")
    first["username"] = "mallory"
    assert (await verifier.verify(good_token(), token_use="access"))["username"] == "alice"


async def test_unknown_kid_refetches_once_then_is_rate_limited(jwks: JwksServer) -> None:
    """An unknown kid refetches the JWKS once; more unknown kids within the interval fetch nothing."""
    verifier = jwks.verifier(refetch_interval=60)
    await verifier.verify(good_token(), token_use="access")
    assert jwks.fetches == 1
    stranger = sign(access_claims(), rsa_key("attacker"), kid="unknown-1")
    with pytest.raises(InvalidTokenError) as caught:
        await verifier.verify(stranger, token_use="access")
    assert caught.value.check == "kid"
    assert jwks.fetches == 2
    for n in range(50):
        forged = sign(access_claims(), rsa_key("attacker"), kid=f"unknown-flood-{n}")
        with pytest.raises(InvalidTokenError) as caught:
            await verifier.verify(forged, token_use="access")
        assert caught.value.check == "kid"
    await verifier.verify(good_token(), token_use="access")
    assert jwks.fetches == 2


async def test_concurrent_unknown_kids_share_one_fetch(jwks: JwksServer) -> None:
    """Many callers that meet an unknown kid at once wait for one and the same fetch."""
    verifier = jwks.verifier(refetch_interval=0)
    await verifier.verify(good_token(), token_use="access")
    jwks.gate, jwks.requested = asyncio.Event(), asyncio.Event()
    forged = sign(access_claims(), rsa_key("attacker"), kid="unknown")
    calls = [asyncio.create_task(verifier.verify(forged, token_use="access")) for _ in range(30)]
    await jwks.requested.wait()
    jwks.gate.set()
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(o, InvalidTokenError) and o.check == "kid" for o in outcomes)
    assert jwks.fetches == 2


async def test_concurrent_first_calls_share_one_fetch(jwks: JwksServer) -> None:
    """Callers that all arrive before the JWKS is known share its first fetch."""
    verifier = jwks.verifier()
    jwks.gate = asyncio.Event()
    calls = [
        asyncio.create_task(verifier.verify(good_token(), token_use="access")) for _ in range(30)
    ]
    await jwks.requested.wait()
    jwks.gate.set()
    for claims in await asyncio.gather(*calls):
        assert claims["username"] == "alice"
    assert jwks.fetches == 1


async def test_rotated_in_key_is_found_by_the_refetch(jwks: JwksServer) -> None:
    """A key the pool adds after the first fetch is picked up by the unknown-kid refetch."""
    verifier = jwks.verifier()
    await verifier.verify(good_token(), token_use="access")
    jwks.keys.append(jwk_of(rsa_key("rotated"), "rotated-key"))
    rotated = sign(access_claims(), rsa_key("rotated"), kid="rotated-key")
    assert (await verifier.verify(rotated, token_use="access"))["username"] == "alice"
    assert jwks.fetches == 2


async def test_withdrawn_key_stops_verifying_after_a_refetch(jwks: JwksServer) -> None:
    """A refetch replaces the cached keys: a key the pool withdrew is gone."""
    verifier = jwks.verifier(refetch_interval=0)
    await verifier.verify(good_token(), token_use="access")
    jwks.keys = [jwk_of(rsa_key("rotated"), "rotated-key")]
    await verifier.verify(
        sign(access_claims(), rsa_key("rotated"), kid="rotated-key"), token_use="access"
    )
    with pytest.raises(InvalidTokenError) as caught:
        await verifier.verify(good_token(), token_use="access")
    assert caught.value.check == "kid"


async def test_wrong_issuer_is_refused(jwks: JwksServer) -> None:
    """A token of another pool (or any other iss, or none) fails "issuer"."""
    verifier = jwks.verifier()
    for iss in (
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool",
        f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}/",
        f"http://cognito-idp.us-east-1.amazonaws.com/{POOL}",
        None,
    ):
        with pytest.raises(InvalidTokenError) as caught:
            await verifier.verify(good_token(iss=iss), token_use="access")
        assert caught.value.check == "issuer"


async def test_updated_issuer_form_is_accepted(jwks: JwksServer) -> None:
    """The pool's "updated" issuer, https://issuer-cognito-idp.<region>.amazonaws.com/<pool>, verifies."""
    iss = f"https://issuer-cognito-idp.us-east-1.amazonaws.com/{POOL}"
    await jwks.verifier().verify(good_token(iss=iss), token_use="access")


async def test_issuer_can_be_overridden(jwks: JwksServer) -> None:
    """issuer= replaces the pool's issuers: that one verifies, the default one no longer."""
    verifier = jwks.verifier(issuer="http://localhost:9229/us-east-1_TestPool42")
    await verifier.verify(
        good_token(iss="http://localhost:9229/us-east-1_TestPool42"), token_use="access"
    )
    with pytest.raises(InvalidTokenError) as caught:
        await verifier.verify(good_token(), token_use="access")
    assert caught.value.check == "issuer"


@pytest.mark.parametrize(
    ("aud", "accepted"),
    [
        (CLIENT, True),
        ([CLIENT], True),
        (["other", CLIENT], True),
        (["other"], False),
        ("other", False),
        ([], False),
        (None, False),
        (7, False),
        ({"c": CLIENT}, False),
    ],
)
async def test_id_token_audience(jwks: JwksServer, aud: object, accepted: bool) -> None:
    """An ID token's aud (string or list) must name a client of client_ids."""
    token = sign(id_claims(aud=aud), rsa_key("pool"))
    verify = jwks.verifier().verify(token, token_use="id")
    if accepted:
        await verify
    else:
        with pytest.raises(InvalidTokenError) as caught:
            await verify
        assert caught.value.check == "audience"


@pytest.mark.parametrize("client_id", ["other", None, [CLIENT], 7])
async def test_access_token_client_id(jwks: JwksServer, client_id: object) -> None:
    """An access token's client_id must be one string of client_ids."""
    with pytest.raises(InvalidTokenError) as caught:
        await jwks.verifier().verify(good_token(client_id=client_id), token_use="access")
    assert caught.value.check == "audience"


async def test_not_before_in_the_future_is_refused(jwks: JwksServer) -> None:
    """nbf beyond now + leeway fails "not_before"; within the leeway it passes."""
    now = time.time()
    verifier = jwks.verifier(leeway=5, clock=lambda: now)
    with pytest.raises(InvalidTokenError) as caught:
        await verifier.verify(good_token(nbf=int(now) + 60), token_use="access")
    assert caught.value.check == "not_before"
    await verifier.verify(good_token(nbf=int(now) + 4), token_use="access")


async def test_issued_in_the_future_or_never_is_refused(jwks: JwksServer) -> None:
    """iat beyond now + leeway, missing or not a number fails "issued_at"."""
    now = time.time()
    verifier = jwks.verifier(leeway=5, clock=lambda: now)
    for iat in (int(now) + 60, None, "yesterday", True, math.inf):
        claims = access_claims()
        claims["iat"] = iat
        if iat is None:
            del claims["iat"]
        with pytest.raises(InvalidTokenError) as caught:
            await verifier.verify(sign(claims, rsa_key("pool")), token_use="access")
        assert caught.value.check == "issued_at", iat


async def test_missing_expiry_is_invalid_not_expired(jwks: JwksServer) -> None:
    """A token without a numeric exp fails "expiry" as InvalidTokenError, not ExpiredTokenError."""
    verifier = jwks.verifier()
    for exp in ("never", None, False):
        claims = access_claims()
        claims["exp"] = exp
        if exp is None:
            del claims["exp"]
        with pytest.raises(InvalidTokenError) as caught:
            await verifier.verify(sign(claims, rsa_key("pool")), token_use="access")
        assert caught.value.check == "expiry"
        assert not isinstance(caught.value, ExpiredTokenError)


async def test_expired_crafted_token_says_expired(jwks: JwksServer) -> None:
    """A token an hour past exp raises ExpiredTokenError with check "expiry"."""
    token = good_token(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    with pytest.raises(ExpiredTokenError) as caught:
        await jwks.verifier().verify(token, token_use="access")
    assert caught.value.check == "expiry"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a token",
        "a.b",
        "a.b.c.d",
        "...",
        "é.é.é",
        "eyJhbGciOiJSUzI1NiJ9.e30",
        f"{b64(b'not json')}.{segment({})}.{b64(b'sig')}",
        f"{segment(['alg', 'RS256'])}.{segment({})}.{b64(b'sig')}",
        f"{segment({'alg': 'RS256', 'kid': KID})}.!!!.{b64(b'sig')}",
        f"{segment({'alg': 'RS256', 'kid': KID})}.{segment({})}.{'A' * 70_000}",
    ],
    ids=lambda t: repr(t[:24]),
)
async def test_malformed_strings_are_refused(jwks: JwksServer, token: str) -> None:
    """Strings that are not a JWT fail "format" (or "algorithm" / "kid" for a bare header) without a fetch."""
    with pytest.raises(InvalidTokenError) as caught:
        await jwks.verifier().verify(token, token_use="access")
    assert caught.value.check in {"format", "algorithm", "kid"}
    assert jwks.fetches == 0


@pytest.mark.parametrize("token", [None, b"a.b.c", 42, ["a", "b", "c"]])
async def test_a_token_that_is_not_a_string_is_refused(jwks: JwksServer, token: object) -> None:
    """None, bytes and other non-strings fail "format"."""
    with pytest.raises(InvalidTokenError) as caught:
        await jwks.verifier().verify(token, token_use="access")  # type: ignore[arg-type]
    assert caught.value.check == "format"


async def test_bearer_prefix_gets_a_hint(jwks: JwksServer) -> None:
    """A good token still wearing its "Bearer " prefix fails "format" with a hint."""
    with pytest.raises(InvalidTokenError, match="Bearer") as caught:
        await jwks.verifier().verify(f"Bearer {good_token()}", token_use="access")
    assert caught.value.check == "format"


async def test_signed_payload_that_is_not_an_object_is_refused(jwks: JwksServer) -> None:
    """A well-signed payload that is a JSON list, or not JSON, fails "format"."""
    verifier = jwks.verifier()
    for payload in (b"[1, 2, 3]", b"not json", b"\xff\xfe"):
        with pytest.raises(InvalidTokenError) as caught:
            await verifier.verify(sign(payload, rsa_key("pool")), token_use="access")
        assert caught.value.check == "format"


@pytest.mark.parametrize(
    ("header", "check"),
    [
        ({"kid": None}, "kid"),
        ({"kid": ""}, "kid"),
        ({"kid": 7}, "kid"),
        ({"kid": ["test-key-1"]}, "kid"),
        ({"alg": None}, "algorithm"),
        ({"alg": "RS512"}, "algorithm"),
        ({"alg": "PS256"}, "algorithm"),
        ({"alg": "ES256"}, "algorithm"),
        ({"crit": ["exp"], "exp": 1}, "format"),
        ({"b64": False, "crit": ["b64"]}, "format"),
    ],
)
async def test_bad_headers_are_refused(
    jwks: JwksServer, header: dict[str, Any], check: str
) -> None:
    """Headers without a usable kid, with another algorithm or critical members are refused."""
    head: dict[str, Any] = {"kid": KID, "alg": "RS256", **header}
    if head["alg"] is None:
        del head["alg"]
    signing_input = f"{segment(head)}.{segment(access_claims())}"
    signature = rsa_key("pool").sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidTokenError) as caught:
        await jwks.verifier().verify(f"{signing_input}.{b64(signature)}", token_use="access")
    assert caught.value.check == check


async def test_rs512_signature_with_the_pool_key_is_refused(jwks: JwksServer) -> None:
    """Even a true signature by the pool's key is refused when the token says RS512."""
    token = sign(access_claims(), rsa_key("pool"), alg="RS512", digest=hashes.SHA512())
    with pytest.raises(InvalidTokenError) as caught:
        await jwks.verifier().verify(token, token_use="access")
    assert caught.value.check == "algorithm"


async def test_key_carried_in_the_token_is_never_used(jwks: JwksServer) -> None:
    """A token bringing its own key (jwk) or key URL (jku) is checked against the pool's keys only."""
    attacker = rsa_key("attacker")
    second = JwksServer()
    second.keys = [jwk_of(attacker, KID)]
    app = web.Application()
    app.router.add_get("/{pool}/.well-known/jwks.json", second.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        second.server = server
        # An embedded 2048-bit JWK makes the header longer than joserfc's
        # 512-byte limit: refused as "format" before any key is looked at.
        for header, check in (
            ({"jwk": jwk_of(attacker, KID)}, "format"),
            ({"jku": second.url}, "signature"),
            ({"x5u": second.url}, "signature"),
        ):
            token = sign(access_claims(), attacker, **header)
            with pytest.raises(InvalidTokenError) as caught:
                await jwks.verifier().verify(token, token_use="access")
            assert caught.value.check == check
    assert second.fetches == 0


@pytest.mark.parametrize(
    "members",
    [{"alg": "RS384"}, {"use": "enc"}, {"key_ops": ["encrypt"]}, {"kty": "EC"}],
    ids=str,
)
async def test_jwks_keys_for_other_uses_are_skipped(
    jwks: JwksServer, members: dict[str, Any]
) -> None:
    """A JWKS key declaring another alg, use, key_ops or type signs nothing here."""
    jwks.keys.append(jwk_of(rsa_key("other-use"), "other-use", **members))
    token = sign(access_claims(), rsa_key("other-use"), kid="other-use")
    with pytest.raises(InvalidTokenError) as caught:
        await jwks.verifier().verify(token, token_use="access")
    assert caught.value.check == "kid"


async def test_weak_rsa_keys_in_the_jwks_are_skipped(jwks: JwksServer) -> None:
    """An RSA key under 2048 bits in the JWKS signs nothing here."""
    jwks.keys.append(jwk_of(rsa_key("weak", 1024), "weak"))
    token = sign(access_claims(), rsa_key("weak", 1024), kid="weak")
    with pytest.raises(InvalidTokenError) as caught:
        await jwks.verifier().verify(token, token_use="access")
    assert caught.value.check == "kid"


async def test_jwks_without_alg_or_use_members_still_verifies(jwks: JwksServer) -> None:
    """alg and use are optional in a JWK: an RSA key without them is used for RS256."""
    entry = jwk_of(rsa_key("pool"), KID)
    del entry["alg"], entry["use"]
    jwks.keys = [entry]
    await jwks.verifier().verify(good_token(), token_use="access")


# -- the JWKS endpoint failing ----------------------------------------------------------


@pytest.mark.parametrize("status", [404, 500, 503])
async def test_jwks_http_error_is_a_transport_error(jwks: JwksServer, status: int) -> None:
    """A JWKS answered with an HTTP error raises TransportError naming the status."""
    jwks.status = status
    with pytest.raises(TransportError, match=str(status)):
        await jwks.verifier().verify(good_token(), token_use="access")


async def test_jwks_redirect_is_not_followed(jwks: JwksServer) -> None:
    """A redirect is a TransportError: keys come from the configured URL only."""
    jwks.redirect_to = "http://127.0.0.1:9/elsewhere.json"
    with pytest.raises(TransportError, match="302"):
        await jwks.verifier().verify(good_token(), token_use="access")


async def test_unreachable_jwks_is_a_transport_error() -> None:
    """A JWKS URL nobody listens on raises TransportError, with the cause kept."""
    app = web.Application()
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url(f"/{POOL}/.well-known/jwks.json"))
    verifier = TokenVerifier(POOL, client_ids=[CLIENT], jwks_url=url)
    with pytest.raises(TransportError) as caught:
        await verifier.verify(good_token(), token_use="access")
    assert isinstance(caught.value.__cause__, aiohttp.ClientError)


async def test_slow_jwks_times_out(jwks: JwksServer) -> None:
    """A JWKS that does not answer within timeout raises TransportError."""
    jwks.gate = asyncio.Event()  # never set until teardown
    with pytest.raises(TransportError):
        await jwks.verifier(timeout=0.2).verify(good_token(), token_use="access")


@pytest.mark.parametrize(
    "body",
    [
        b"<html>not json</html>",
        b"[]",
        b'{"keys": {}}',
        b'{"no": "keys"}',
        b'{"keys": ["not an object"]}',
        json.dumps({"keys": [{"kty": "RSA", "kid": KID, "n": "!!", "e": "AQAB"}]}).encode(),
        json.dumps({"keys": [{"kty": "RSA", "kid": KID, "e": "AQAB"}]}).encode(),
        b'{"keys": [], "pad": "' + b"x" * 300_000 + b'"}',
    ],
    ids=lambda b: repr(b[:30]),
)
async def test_a_jwks_that_is_not_a_jwks(jwks: JwksServer, body: bytes) -> None:
    """A body that is not a JWKS (or far too large) raises UnexpectedResponseError."""
    jwks.body = body
    with pytest.raises(UnexpectedResponseError):
        await jwks.verifier().verify(good_token(), token_use="access")


async def test_failed_fetch_is_not_retried_at_once(jwks: JwksServer) -> None:
    """After a failed fetch, calls within the retry pause raise the same error without a request."""
    jwks.status = 500
    verifier = jwks.verifier()
    errors = []
    for _ in range(5):
        with pytest.raises(TransportError) as caught:
            await verifier.verify(good_token(), token_use="access")
        errors.append(caught.value)
    assert jwks.fetches == 1
    assert len({id(e) for e in errors}) == 5  # a fresh exception for each caller
    assert {str(e) for e in errors} == {str(errors[0])}


async def test_failed_fetch_is_retried_once_the_pause_is_over(jwks: JwksServer) -> None:
    """With refetch_interval=0 a failed fetch is retried on the next call, which then succeeds."""
    jwks.status = 500
    verifier = jwks.verifier(refetch_interval=0)
    with pytest.raises(TransportError):
        await verifier.verify(good_token(), token_use="access")
    jwks.status = 200
    await verifier.verify(good_token(), token_use="access")
    assert jwks.fetches == 2


async def test_failed_refetch_keeps_the_known_keys(jwks: JwksServer) -> None:
    """When a refetch fails, tokens of the keys already known still verify."""
    verifier = jwks.verifier(refetch_interval=0)
    await verifier.verify(good_token(), token_use="access")
    jwks.status = 500
    with pytest.raises(InvalidTokenError) as caught:
        await verifier.verify(
            sign(access_claims(), rsa_key("attacker"), kid="new"), token_use="access"
        )
    assert caught.value.check == "kid"
    await verifier.verify(good_token(), token_use="access")
    assert jwks.fetches == 2


# -- sessions and closing ---------------------------------------------------------------


async def test_callers_session_is_used_and_left_open(jwks: JwksServer) -> None:
    """A session passed in carries the fetch, and neither verify() nor aclose() closes it."""
    async with aiohttp.ClientSession() as session:
        async with jwks.verifier(session=session) as verifier:
            await verifier.verify(good_token(), token_use="access")
        assert not session.closed
    assert jwks.fetches == 1


async def test_verifier_without_a_session_leaves_nothing_open(jwks: JwksServer) -> None:
    """Without a session, each fetch opens and closes its own (ResourceWarning is an error here)."""
    verifier = jwks.verifier(refetch_interval=0)
    await verifier.verify(good_token(), token_use="access")
    with pytest.raises(InvalidTokenError):
        await verifier.verify(
            sign(access_claims(), rsa_key("attacker"), kid="new"), token_use="access"
        )
    assert jwks.fetches == 2
    del verifier


async def test_aclose_cancels_a_fetch_in_flight(jwks: JwksServer) -> None:
    """aclose() during a fetch ends it; the waiting caller gets TransportError."""
    jwks.gate = asyncio.Event()
    verifier = jwks.verifier()
    call = asyncio.create_task(verifier.verify(good_token(), token_use="access"))
    await jwks.requested.wait()
    await verifier.aclose()
    with pytest.raises(TransportError, match="closed"):
        await call


async def test_one_cancelled_caller_does_not_cancel_the_fetch(jwks: JwksServer) -> None:
    """Cancelling one waiting caller leaves the shared fetch to the others."""
    jwks.gate = asyncio.Event()
    verifier = jwks.verifier()
    first = asyncio.create_task(verifier.verify(good_token(), token_use="access"))
    second = asyncio.create_task(verifier.verify(good_token(), token_use="access"))
    await jwks.requested.wait()
    first.cancel()
    jwks.gate.set()
    assert (await second)["username"] == "alice"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert jwks.fetches == 1


# -- arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pool", ["", "eu-west-1", "eu-west-1_", "_AbC123", "EU-WEST-1_AbC", "eu-west-1_Ab/C", "x_y", 42]
)
def test_bad_user_pool_id_is_a_configuration_error(pool: object) -> None:
    """A user pool id without a region and an id raises ConfigurationError naming it."""
    with pytest.raises(ConfigurationError, match="user_pool_id"):
        TokenVerifier(pool, client_ids=[CLIENT])  # type: ignore[arg-type]


@pytest.mark.parametrize("client_ids", ["3example4client5id6", b"abc", [], [""], [7], None])
def test_bad_client_ids_are_a_configuration_error(client_ids: object) -> None:
    """client_ids must be a non-empty list of non-empty strings (not one string)."""
    with pytest.raises(ConfigurationError, match="client_ids"):
        TokenVerifier(POOL, client_ids=client_ids)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("leeway", -1),
        ("leeway", math.nan),
        ("leeway", "5"),
        ("refetch_interval", -0.5),
        ("refetch_interval", math.inf),
        ("timeout", 0),
        ("timeout", True),
        ("jwks_url", "ftp://example.com/jwks.json"),
        ("jwks_url", "not a url"),
        ("jwks_url", "http://example.com/jwks.json"),
        ("jwks_url", 7),
        ("issuer", ""),
        ("issuer", 7),
        ("session", object()),
        ("clock", 12.5),
    ],
)
def test_bad_options_are_a_configuration_error(option: str, value: object) -> None:
    """Each bad option raises ConfigurationError naming it, before any request."""
    options: dict[str, Any] = {option: value}
    with pytest.raises(ConfigurationError, match=option):
        TokenVerifier(POOL, client_ids=[CLIENT], **options)


def test_plain_http_is_allowed_on_loopback_or_when_asked() -> None:
    """http:// JWKS URLs pass on loopback hosts, elsewhere only with allow_http=True."""
    for url in ("http://127.0.0.1:5000/p/jwks.json", "http://localhost/p", "http://[::1]:80/p"):
        assert TokenVerifier(POOL, client_ids=[CLIENT], jwks_url=url).jwks_url == url
    url = "http://moto:5000/p/.well-known/jwks.json"
    assert TokenVerifier(POOL, client_ids=[CLIENT], jwks_url=url, allow_http=True).jwks_url == url


def test_default_jwks_url_follows_the_pool_id() -> None:
    """Without jwks_url the JWKS is the pool's own, in the region the pool id names."""
    verifier = TokenVerifier("eu-central-2_AbC123", client_ids=[CLIENT])
    assert verifier.jwks_url == (
        "https://cognito-idp.eu-central-2.amazonaws.com/eu-central-2_AbC123/.well-known/jwks.json"
    )


async def test_bad_token_use_is_a_configuration_error(jwks: JwksServer) -> None:
    """token_use other than "access" or "id" raises ConfigurationError before any fetch."""
    with pytest.raises(ConfigurationError, match="token_use"):
        await jwks.verifier().verify(good_token(), token_use="refresh")  # type: ignore[arg-type]
    assert jwks.fetches == 0


def test_repr_shows_pool_and_clients_only() -> None:
    """repr names the pool and the clients, nothing else."""
    verifier = TokenVerifier(POOL, client_ids=["a1", "b2"], issuer="https://x", leeway=3)
    assert repr(verifier) == f"TokenVerifier(user_pool_id='{POOL}', client_ids=('a1', 'b2'))"


def test_module_exports_the_verifier_only() -> None:
    """cognito_flow.tokens.__all__ is ["TokenVerifier"], and it is documented."""
    assert cognito_flow.tokens.__all__ == ["TokenVerifier"]
    for documented in (TokenVerifier, TokenVerifier.verify, TokenVerifier.aclose):
        assert documented.__doc__


# -- no token in any message ---------------------------------------------------------------


async def test_no_message_repr_or_log_contains_the_token(
    jwks: JwksServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Refusals of every kind keep the token (and its parts) out of messages, reprs, tracebacks and logs."""
    caplog.set_level(logging.DEBUG, logger="cognito_flow")
    now = time.time()
    verifier = jwks.verifier(refetch_interval=0, clock=lambda: now)
    attacker = rsa_key("attacker")
    head, body, signature = good_token().split(".")
    tokens = {
        "forged": sign(access_claims(), attacker),
        "tampered": f"{head}.{segment(access_claims(username='mallory'))}.{signature}",
        "expired": good_token(exp=int(now) - 600),
        "issuer": good_token(iss="https://evil.example/pool"),
        "audience": good_token(client_id="someone-else"),
        "not_before": good_token(nbf=int(now) + 600),
        "kid": sign(access_claims(), attacker, kid="made-up-kid-value"),
        "alg": f"{segment({'kid': KID, 'alg': 'HS256-sneaky'})}.{body}.{signature}",
        "format": f"{head}.{body}.{signature}!",
        "header": f"{b64(b'{not json at all')}.{body}.{signature}",
    }
    seen: list[str] = [repr(verifier)]
    for name, token in tokens.items():
        with pytest.raises(InvalidTokenError) as caught:
            await verifier.verify(token, token_use="access")
        error = caught.value
        assert error.__cause__ is None, name
        seen += [str(error), repr(error), "".join(traceback.format_exception(error))]
    seen += [record.getMessage() for record in caplog.records]
    text = "\n".join(seen)
    for token in tokens.values():
        for part in {token, *token.split(".")}:
            if len(part) >= 12:
                assert part not in text
    assert "made-up-kid-value" not in text
    assert "HS256-sneaky" not in text


async def _refusal(verify: Awaitable[Any]) -> InvalidTokenError:
    try:
        await verify
    except InvalidTokenError as error:
        return error
    raise AssertionError("the token was accepted")


async def test_every_check_name_is_one_of_the_documented_ones(jwks: JwksServer) -> None:
    """Every refusal names a check from the documented list."""
    documented = {
        "format",
        "algorithm",
        "kid",
        "signature",
        "issuer",
        "audience",
        "token_use",
        "expiry",
        "not_before",
        "issued_at",
    }
    verifier = jwks.verifier()
    makers: list[Callable[[], str]] = [
        lambda: "x",
        lambda: good_token(iss="x"),
        lambda: good_token(token_use="id"),
        lambda: good_token(exp=1),
    ]
    for make in makers:
        error = await _refusal(verifier.verify(make(), token_use="access"))
        assert error.check in documented

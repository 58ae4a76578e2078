"""examples/fastapi_app.py: the stateless sign-in over HTTP (httpx's ASGITransport).

Against the local Cognito (moto) where it is faithful: TOTP MFA, MFA_SETUP,
tokens and their JWKS, refresh (REFRESH_TOKEN_AUTH). Against the in-test
Cognito (tests/fake_cognito.py) where moto is not: remembered devices
(ConfirmDevice), RevokeToken, GetTokensFromRefreshToken, and
NEW_PASSWORD_REQUIRED with requiredAttributes.
"""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
import types
from collections.abc import AsyncIterator, Callable
from http.cookies import SimpleCookie
from typing import Any

import attrs
import httpx
import pytest
from conftest import Make
from example_server import EXAMPLE, serve
from fake_cognito import POOL_ID, FakeCognito, ServiceError, Session
from fake_cognito import serve as serve_fake
from srp_peer import SrpVerifierPeer
from web_kit import Clock, load_example

from cognito_flow import CognitoAuthClient
from cognito_flow.testing import LocalCognito, fresh_totp_code, totp_code, wrong_totp_code
from cognito_flow.tokens import TokenVerifier
from cognito_flow.web import Sealer

PASSWORD = "Initial-Passw0rd!"
TEMPORARY = "Temporary-Passw0rd!"
NEW_PASSWORD = "Brand-new-Passw0rd!"
TOTP_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
#: The sealing key of the apps under test.
KEY = Sealer.generate_key()


@pytest.fixture(scope="module")
def example() -> types.ModuleType:
    return load_example("fastapi_app")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def sealer_for(auth: CognitoAuthClient, clock: Callable[[], float] | None = None) -> Sealer:
    options: dict[str, Any] = {} if clock is None else {"clock": clock}
    return Sealer(
        keys=[KEY],
        user_pool_id=auth.user_pool_id,
        client_id=auth.client_id,
        **options,
    )


def moto_verifier(cognito: LocalCognito, client_id: str | None = None) -> TokenVerifier:
    return TokenVerifier(
        cognito.user_pool_id,
        client_ids=[client_id or cognito.client_id],
        jwks_url=f"{cognito.endpoint_url}/{cognito.user_pool_id}/.well-known/jwks.json",
    )


def browser(app: Any) -> httpx.AsyncClient:
    """One browser: its own cookie jar, on https so that Secure cookies come back."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")


@pytest.fixture
def moto_app(
    example: types.ModuleType, local_cognito: LocalCognito, clock: Clock
) -> tuple[Any, Sealer]:
    auth = local_cognito.auth_client()
    sealer = sealer_for(auth, clock)
    return example.make_app(auth, sealer, moto_verifier(local_cognito)), sealer


@pytest.fixture
async def web(moto_app: tuple[Any, Sealer]) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(moto_app[0]) as client:
        yield client


async def totp_user(cognito: LocalCognito, name: str = "carol") -> str:
    """A user with TOTP MFA on; the authenticator secret."""
    await cognito.create_user(name, PASSWORD)
    first = await cognito.auth_client().authenticate(name, PASSWORD)
    return await cognito.enable_totp(first.access_token)


def set_cookies(resp: httpx.Response) -> dict[str, Any]:
    """The Set-Cookie headers of a response, parsed (name -> Morsel)."""
    jar: SimpleCookie = SimpleCookie()
    for header in resp.headers.get_list("set-cookie"):
        jar.load(header)
    return dict(jar)


# -- moto: TOTP, wrong code, expiry, tampering, MFA_SETUP, refresh, current_user --


async def test_totp_sign_in_wrong_code_then_right_code(
    local_cognito: LocalCognito, web: httpx.AsyncClient
) -> None:
    """The challenge comes back sealed with its answer keys; a wrong code is 401 with a new sealed challenge."""
    secret = await totp_user(local_cognito)
    resp = await web.post("/login", json={"username": "carol", "password": PASSWORD})
    step = resp.json()
    assert resp.status_code == 200, step
    assert resp.headers["cache-control"] == "no-store"
    assert step["status"] == "challenge"
    assert step["challenge"] == "SOFTWARE_TOKEN_MFA"
    assert step["answer_keys"] == [["SOFTWARE_TOKEN_MFA_CODE"]]
    assert step["fields"] == [
        {
            "name": "SOFTWARE_TOKEN_MFA_CODE",
            "label": "Code from your authenticator app",
            "type": "code",
        }
    ]
    # Sealed (web.Sealer's layout: version 1, then the time, the nonce and
    # AES-GCM's output): nothing in it is readable.
    raw = base64.urlsafe_b64decode(step["pending"] + "=" * (-len(step["pending"]) % 4))
    assert raw[:1] == b"\x01"
    assert b"SOFTWARE_TOKEN_MFA" not in raw

    wrong = {"SOFTWARE_TOKEN_MFA_CODE": wrong_totp_code(secret)}
    resp = await web.post("/login/answer", json={"pending": step["pending"], "answers": wrong})
    retry = resp.json()
    assert resp.status_code == 401, retry
    assert retry["error"] == "wrong code, try again"
    assert retry["challenge"] == "SOFTWARE_TOKEN_MFA"
    assert retry["pending"] != step["pending"]

    right = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
    resp = await web.post("/login/answer", json={"pending": retry["pending"], "answers": right})
    done = resp.json()
    assert resp.status_code == 200, done
    assert done["status"] == "signed-in"
    assert done["username"] == "carol"
    assert done["token_type"] == "Bearer"
    assert done["expires_in"] > 0
    assert "refresh_token" not in done  # an HttpOnly cookie instead
    cookie = set_cookies(resp)["cf_refresh"]
    assert (cookie["httponly"], cookie["secure"], cookie["samesite"]) == (True, True, "strict")

    resp = await web.get("/me", headers={"Authorization": f"Bearer {done['access_token']}"})
    assert resp.status_code == 200
    assert resp.json()["username"] == "carol"


async def test_expired_sealed_challenge_is_410_start_again(
    local_cognito: LocalCognito, web: httpx.AsyncClient, clock: Clock
) -> None:
    """A sealed challenge older than its max age (180 s) is 410; so is a Session already spent."""
    await local_cognito.create_user("bob", TEMPORARY, temporary=True)
    step = (await web.post("/login", json={"username": "bob", "password": TEMPORARY})).json()
    answers = {"NEW_PASSWORD": NEW_PASSWORD}

    clock.now += 181
    resp = await web.post("/login/answer", json={"pending": step["pending"], "answers": answers})
    assert (resp.status_code, resp.json()) == (
        410,
        {"error": "the sign-in took too long: start again"},
    )

    clock.now -= 181
    resp = await web.post("/login/answer", json={"pending": step["pending"], "answers": answers})
    assert resp.json()["status"] == "signed-in"
    # The same sealed challenge again: Cognito has spent its Session.
    resp = await web.post("/login/answer", json={"pending": step["pending"], "answers": answers})
    assert resp.status_code == 410


async def test_tampered_or_foreign_sealed_challenge_is_400(
    example: types.ModuleType,
    local_cognito: LocalCognito,
    web: httpx.AsyncClient,
    moto_app: tuple[Any, Sealer],
) -> None:
    """An altered token, one sealed with another key, for another client, or a device cookie: 400."""
    await local_cognito.create_user("bob", TEMPORARY, temporary=True)
    step = (await web.post("/login", json={"username": "bob", "password": TEMPORARY})).json()
    pending: str = step["pending"]
    answers = {"NEW_PASSWORD": NEW_PASSWORD}
    sealer = moto_app[1]
    challenge = sealer.open_challenge(pending)
    flipped = pending[:40] + ("A" if pending[40] != "A" else "B") + pending[41:]
    other_key = Sealer(keys=[Sealer.generate_key()], user_pool_id=sealer.user_pool_id)
    other_client = Sealer(keys=[KEY], user_pool_id=sealer.user_pool_id, client_id="another-client")
    from cognito_flow import RememberedDevice

    device = RememberedDevice(device_key="k", device_group_key="g", device_password="p")
    cases = {
        flipped: "signature",
        other_key.seal_challenge(challenge): "signature",
        other_client.seal_challenge(challenge): "audience",
        sealer.seal_device(device): "token_use",
        "not a token!": "format",
    }
    for token, check in cases.items():
        resp = await web.post("/login/answer", json={"pending": token, "answers": answers})
        assert resp.status_code == 400, token
        assert resp.json() == {"error": f"not a sign-in of this site ({check})"}
    # The real one still works.
    resp = await web.post("/login/answer", json={"pending": pending, "answers": answers})
    assert resp.json()["status"] == "signed-in"


async def test_mfa_setup_shows_a_qr_code_then_takes_the_code(
    local_cognito: LocalCognito, web: httpx.AsyncClient
) -> None:
    """NEW_PASSWORD_REQUIRED, then MFA_SETUP with an SVG QR code and the key, then signed in."""
    await local_cognito.require_mfa()
    await local_cognito.create_user("dora", TEMPORARY, temporary=True)
    first = (await web.post("/login", json={"username": "dora", "password": TEMPORARY})).json()
    assert first["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert [f["name"] for f in first["fields"]] == ["NEW_PASSWORD"]
    assert first["fields"][0]["type"] == "new-password"
    answers = {"NEW_PASSWORD": NEW_PASSWORD}
    resp = await web.post("/login/answer", json={"pending": first["pending"], "answers": answers})
    step = resp.json()
    assert resp.status_code == 200, step
    assert step["challenge"] == "MFA_SETUP"
    assert step["answer_keys"] == [["SOFTWARE_TOKEN_MFA_CODE"], ["EMAIL"], ["ANSWER"]]
    assert [f["name"] for f in step["fields"]] == ["SOFTWARE_TOKEN_MFA_CODE"]
    assert step["qr_svg"].startswith("<svg")
    assert "<title>Scan with your authenticator</title>" in step["qr_svg"]
    assert resp.headers["cache-control"] == "no-store"
    secret = step["secret_code"]

    answers = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
    resp = await web.post("/login/answer", json={"pending": step["pending"], "answers": answers})
    assert resp.json()["status"] == "signed-in", resp.json()


async def test_refresh_with_the_cookie(local_cognito: LocalCognito, web: httpx.AsyncClient) -> None:
    """POST /refresh turns the refresh token cookie into new tokens; without it, 401."""
    assert (await web.post("/refresh")).status_code == 401
    await local_cognito.create_user("alice", PASSWORD)
    done = (await web.post("/login", json={"username": "alice", "password": PASSWORD})).json()
    assert done["status"] == "signed-in"
    resp = await web.post("/refresh")
    fresh = resp.json()
    assert resp.status_code == 200, fresh
    assert fresh["username"] == "alice"
    assert fresh["access_token"]
    assert "cf_refresh" in set_cookies(resp)  # the token to keep, set again


async def test_current_user_refuses_forged_and_foreign_tokens(
    example: types.ModuleType, local_cognito: LocalCognito, web: httpx.AsyncClient
) -> None:
    """current_user: 200 for the pool's own access token; 401 for none, garbage, forged, ID or foreign ones."""
    await local_cognito.create_user("alice", PASSWORD)
    done = (await web.post("/login", json={"username": "alice", "password": PASSWORD})).json()
    token = done["access_token"]
    assert (await web.get("/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200

    header, payload, signature = token.split(".")
    claims = json.loads(httpx_b64decode(payload))
    claims["username"] = "mallory"
    forged = f"{header}.{httpx_b64encode(json.dumps(claims))}.{signature}"
    other = await local_cognito.auth_client(with_secret=True).authenticate("alice", PASSWORD)
    refused = {
        None: "sign in first",
        "not-a-jwt": "invalid token (format)",
        forged: "invalid token (signature)",
        done["id_token"]: "invalid token (token_use)",
        other.access_token: "invalid token (audience)",
    }
    for bad, detail in refused.items():
        headers = {} if bad is None else {"Authorization": f"Bearer {bad}"}
        resp = await web.get("/me", headers=headers)
        assert resp.status_code == 401, detail
        assert resp.headers["www-authenticate"] == "Bearer"
        assert resp.json() == {"detail": detail}


def httpx_b64decode(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def httpx_b64encode(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def test_wrong_password_and_bad_bodies_echo_nothing(
    local_cognito: LocalCognito, web: httpx.AsyncClient
) -> None:
    """A wrong password is 401; a malformed body is 400 naming the field, never echoing the password."""
    await local_cognito.create_user("alice", PASSWORD)
    resp = await web.post("/login", json={"username": "alice", "password": "Wrong-Passw0rd!"})
    assert (resp.status_code, resp.json()) == (401, {"error": "wrong user name or password"})
    for body, field in (
        ({"password": "Secret-Passw0rd!"}, "username"),
        ({"username": "alice", "password": 12345678}, "password"),
    ):
        resp = await web.post("/login", json=body)
        assert resp.status_code == 400
        assert field in resp.json()["error"]
        assert "Secret-Passw0rd!" not in resp.text
        assert "12345678" not in resp.text
    resp = await web.post("/login/answer", json={"pending": "x", "answers": {"A": 1}})
    assert resp.status_code == 400
    resp = await web.post(
        "/login", content=b"not json", headers={"content-type": "application/json"}
    )
    assert resp.status_code == 400


async def test_answers_refused_before_sending_keep_the_challenge(
    local_cognito: LocalCognito, web: httpx.AsyncClient
) -> None:
    """Answers without the challenge's answer keys are 400 with the same sealed challenge."""
    await local_cognito.create_user("bob", TEMPORARY, temporary=True)
    step = (await web.post("/login", json={"username": "bob", "password": TEMPORARY})).json()
    resp = await web.post("/login/answer", json={"pending": step["pending"], "answers": {}})
    assert resp.status_code == 400
    assert resp.json()["pending"] == step["pending"]
    assert "NEW_PASSWORD" in resp.json()["error"]


async def test_the_page_is_served(web: httpx.AsyncClient) -> None:
    """GET / is the sign-in page: a form, and the script that drives the challenges."""
    resp = await web.get("/")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert '<form id="login">' in resp.text
    assert 'fetch("/me"' in resp.text


def test_main_plays_the_story() -> None:
    """`python examples/fastapi_app.py`: TOTP challenge, a wrong code refused, tokens, /me, /refresh."""
    completed = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=EXAMPLE.parent.parent,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "carol turned on TOTP MFA",
        "POST /login -> 200 challenge SOFTWARE_TOKEN_MFA",
        "POST /login/answer (wrong code) -> 401 wrong code, try again",
        "POST /login/answer (right code) -> 200 signed-in",
        "GET /me -> 200 signed in as carol",
        "POST /refresh -> 200 signed-in",
    ]
    assert "eyJ" not in completed.stdout


# -- the in-test Cognito: devices, RevokeToken, requiredAttributes, context --------


@attrs.define
class NewPasswordCognito(FakeCognito):
    """The in-test Cognito, plus NEW_PASSWORD_REQUIRED for users created with a temporary password.

    As Cognito sends it: requiredAttributes lists the pool's required
    attributes the user lacks, prefixed ``userAttributes.``; an answer that
    leaves one out is InvalidParameterException.
    """

    must_change: set[str] = attrs.field(factory=set)
    required: tuple[str, ...] = ("name",)
    attributes: dict[str, dict[str, str]] = attrs.field(factory=dict)

    def _after_password(self, session: Session) -> dict[str, Any]:
        user = session.user
        if user.username in self.must_change:
            session.stage = "NEW_PASSWORD_REQUIRED"
            return {
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": self._new_session(session),
                "ChallengeParameters": {
                    "USERNAME": user.username,
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": json.dumps(
                        [f"userAttributes.{name}" for name in self.required]
                    ),
                    "userAttributes": json.dumps({"email": f"{user.username}@example.com"}),
                },
            }
        return super()._after_password(session)

    def _respond(self, params: dict[str, Any], admin: bool) -> dict[str, Any]:
        if params.get("ChallengeName") != "NEW_PASSWORD_REQUIRED":
            return super()._respond(params, admin)
        self._client(params, admin)
        session = self._take_session(params.get("Session", ""))
        values: dict[str, str] = params.get("ChallengeResponses", {})
        user = session.user
        if session.stage != "NEW_PASSWORD_REQUIRED" or values.get("USERNAME") != user.username:
            raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
        for name in self.required:
            if not values.get(f"userAttributes.{name}"):
                raise ServiceError(
                    "InvalidParameterException", f"Invalid attributes given, {name} is missing"
                )
        user.peer = SrpVerifierPeer.from_password(POOL_ID, user.username, values["NEW_PASSWORD"])
        self.must_change.discard(user.username)
        self.attributes[user.username] = {
            key.removeprefix("userAttributes."): value
            for key, value in values.items()
            if key.startswith("userAttributes.")
        }
        return super()._after_password(session)

    op_RespondToAuthChallenge = _respond
    op_AdminRespondToAuthChallenge = _respond


@pytest.fixture
async def service() -> AsyncIterator[FakeCognito]:
    """conftest's in-test Cognito, with NEW_PASSWORD_REQUIRED (the fixtures idp and make use it)."""
    fake = NewPasswordCognito()
    fake.add_client("plain")
    async with serve_fake(fake):
        yield fake


@pytest.fixture
def fake_app(example: types.ModuleType, make: Make) -> tuple[Any, Sealer]:
    auth = make()  # the public API: USER_SRP_AUTH, UserContextData
    sealer = sealer_for(auth)
    return example.make_app(auth, sealer), sealer


async def sign_in_with_mfa(client: httpx.AsyncClient) -> httpx.Response:
    step = (await client.post("/login", json={"username": "alice", "password": PASSWORD})).json()
    if step["status"] == "signed-in":
        raise AssertionError("no MFA asked")
    code = {"SOFTWARE_TOKEN_MFA_CODE": totp_code(TOTP_SEED)}
    return await client.post("/login/answer", json={"pending": step["pending"], "answers": code})


async def test_the_device_cookie_belongs_to_this_browser(
    service: FakeCognito, fake_app: tuple[Any, Sealer]
) -> None:
    """The device cookie is sealed, HttpOnly, Secure, SameSite=Strict; only the browser holding it skips MFA."""
    service.add_user("alice", PASSWORD, totp_secret=TOTP_SEED)
    app, sealer = fake_app
    async with browser(app) as a, browser(app) as b:
        resp = await sign_in_with_mfa(a)
        assert resp.json()["status"] == "signed-in"
        cookie = set_cookies(resp)["cf_device"]
        assert cookie["httponly"] is True
        assert cookie["secure"] is True
        assert cookie["samesite"] == "strict"
        assert cookie["path"] == "/"
        assert int(cookie["max-age"]) == sealer.device_max_age
        device = sealer.open_device(cookie.value)
        assert service.devices[device.device_key].remembered

        # Browser A again: it sends its device; the pool skips MFA for it.
        service.requests.clear()
        resp = await a.post("/login", json={"username": "alice", "password": PASSWORD})
        assert resp.json()["status"] == "signed-in", resp.json()
        respond = service.calls("RespondToAuthChallenge")
        assert [r["ChallengeName"] for r in respond] == [
            "PASSWORD_VERIFIER",
            "DEVICE_SRP_AUTH",
            "DEVICE_PASSWORD_VERIFIER",
        ]
        assert service.calls("InitiateAuth")[0]["AuthParameters"]["DEVICE_KEY"] == (
            device.device_key
        )

        # Browser B, same user and password: no DEVICE_KEY, and MFA is asked.
        service.requests.clear()
        resp = await b.post("/login", json={"username": "alice", "password": PASSWORD})
        assert resp.json()["challenge"] == "SOFTWARE_TOKEN_MFA"
        assert "DEVICE_KEY" not in service.calls("InitiateAuth")[0]["AuthParameters"]


async def test_a_bad_device_cookie_is_ignored(
    service: FakeCognito, fake_app: tuple[Any, Sealer], caplog: pytest.LogCaptureFixture
) -> None:
    """A device cookie that does not open is ignored: the sign-in goes on without it."""
    caplog.set_level(logging.INFO)
    service.add_user("alice", PASSWORD)
    app, _ = fake_app
    async with browser(app) as client:
        resp = await client.post(
            "/login",
            json={"username": "alice", "password": PASSWORD},
            headers={"Cookie": "cf_device=gAAAAABforged"},
        )
        assert resp.json()["status"] == "signed-in"
        assert "DEVICE_KEY" not in service.calls("InitiateAuth")[0]["AuthParameters"]
        assert "cf_device" in set_cookies(resp)  # a new device replaces it
    assert "device cookie ignored (signature)" in caplog.messages


async def test_logout_revokes_then_refresh_is_refused(
    service: FakeCognito, fake_app: tuple[Any, Sealer]
) -> None:
    """POST /logout revokes the refresh token (RevokeToken) and drops its cookie; it refreshes no more."""
    service.add_user("alice", PASSWORD)
    app, _ = fake_app
    async with browser(app) as client:
        resp = await client.post("/login", json={"username": "alice", "password": PASSWORD})
        refresh_token = set_cookies(resp)["cf_refresh"].value
        assert (await client.post("/refresh")).status_code == 200
        assert service.calls("GetTokensFromRefreshToken")

        resp = await client.post("/logout")
        assert (resp.status_code, resp.json()) == (200, {"status": "signed-out"})
        assert service.calls("RevokeToken")[-1]["Token"] == refresh_token
        assert set_cookies(resp)["cf_refresh"]["max-age"] == "0"
        assert "cf_device" in client.cookies  # still the same device

        # A stolen copy of the cookie is worth nothing now.
        resp = await client.post("/refresh", headers={"Cookie": f"cf_refresh={refresh_token}"})
        assert (resp.status_code, resp.json()) == (401, {"error": "signed out: sign in again"})


async def test_new_password_with_a_required_attribute(
    service: NewPasswordCognito, fake_app: tuple[Any, Sealer]
) -> None:
    """NEW_PASSWORD_REQUIRED lists the required attribute as a field; without it, 400 and the same challenge."""
    service.add_user("bob", TEMPORARY)
    service.must_change.add("bob")
    app, _ = fake_app
    async with browser(app) as client:
        step = (await client.post("/login", json={"username": "bob", "password": TEMPORARY})).json()
        assert step["challenge"] == "NEW_PASSWORD_REQUIRED"
        assert step["required_attributes"] == ["name"]
        assert [f["name"] for f in step["fields"]] == ["NEW_PASSWORD", "userAttributes.name"]
        assert step["fields"][1]["label"] == "name"

        answers = {"NEW_PASSWORD": NEW_PASSWORD}
        resp = await client.post(
            "/login/answer", json={"pending": step["pending"], "answers": answers}
        )
        assert resp.status_code == 400
        assert "name" in resp.json()["error"]
        assert not service.calls("RespondToAuthChallenge")[1:]  # refused before sending

        answers = {"NEW_PASSWORD": NEW_PASSWORD, "userAttributes.name": "Bob"}
        resp = await client.post(
            "/login/answer", json={"pending": step["pending"], "answers": answers}
        )
        assert resp.json()["status"] == "signed-in", resp.json()
        assert service.attributes["bob"] == {"name": "Bob"}
        resp = await client.post("/login", json={"username": "bob", "password": NEW_PASSWORD})
        assert resp.json()["status"] == "signed-in"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "ip"),
    [((), "203.0.113.7", "127.0.0.1"), (("127.0.0.1",), "203.0.113.7", "203.0.113.7")],
    ids=["untrusted-peer", "trusted-proxy"],
)
async def test_user_context_data_comes_from_the_request(
    example: types.ModuleType,
    service: FakeCognito,
    make: Make,
    proxies: tuple[str, ...],
    forwarded: str,
    ip: str,
) -> None:
    """Every sign-in call carries the person's IP: X-Forwarded-For only through a trusted proxy."""
    service.add_user("alice", PASSWORD, totp_secret=TOTP_SEED)
    auth = make()
    app = example.make_app(auth, sealer_for(auth), trusted_proxies=proxies)
    async with browser(app) as client:
        client.headers["X-Forwarded-For"] = forwarded
        client.headers["User-Agent"] = "test-browser/1.0"
        assert (await sign_in_with_mfa(client)).json()["status"] == "signed-in"
    calls = service.calls("InitiateAuth") + service.calls("RespondToAuthChallenge")
    assert len(calls) == 3
    assert all(call["UserContextData"] == {"IpAddress": ip} for call in calls)


async def test_no_secret_in_logs(
    example: types.ModuleType,
    local_cognito: LocalCognito,
    web: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Passwords, codes, Sessions and tokens stay out of the log records of the app and the library."""
    for noisy in ("botocore", "aiobotocore"):
        caplog.set_level(logging.INFO, logger=noisy)
    caplog.set_level(logging.DEBUG)
    secret = await totp_user(local_cognito, "erin")
    step = (await web.post("/login", json={"username": "erin", "password": PASSWORD})).json()
    sealer: Sealer = web._transport.app.state.sealer  # type: ignore[attr-defined]
    session = sealer.open_challenge(step["pending"]).session
    code = await fresh_totp_code(secret)
    answers = {"SOFTWARE_TOKEN_MFA_CODE": code}
    done = (
        await web.post("/login/answer", json={"pending": step["pending"], "answers": answers})
    ).json()
    assert done["status"] == "signed-in"
    records = [record.getMessage() for record in caplog.records]
    assert example.logger.name in {record.name for record in caplog.records}
    for value in (
        PASSWORD,
        secret,
        session,
        step["pending"],
        done["access_token"],
        done["id_token"],
    ):
        assert value
        for text in records:
            assert value not in text
    assert all("eyJ" not in text for text in records)


# -- two processes that share nothing but the key ---------------------------------


async def test_a_sign_in_started_on_one_process_finishes_on_another(
    local_cognito: LocalCognito,
) -> None:
    """Two uvicorn processes with the same sealing key: /login on one, /login/answer on the other."""
    secret = await totp_user(local_cognito)
    key = Sealer.generate_key()
    with serve(local_cognito, key) as first, serve(local_cognito, key) as second:
        assert first != second
        async with (
            httpx.AsyncClient(base_url=first) as one,
            httpx.AsyncClient(base_url=second) as two,
        ):
            resp = await one.post("/login", json={"username": "carol", "password": PASSWORD})
            step = resp.json()
            assert step["challenge"] == "SOFTWARE_TOKEN_MFA", step
            code = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
            resp = await two.post(
                "/login/answer", json={"pending": step["pending"], "answers": code}
            )
            done = resp.json()
            assert resp.status_code == 200, done
            assert done["username"] == "carol"
            # Either process checks the tokens of the other (the pool's JWKS).
            resp = await one.get("/me", headers={"Authorization": f"Bearer {done['access_token']}"})
            assert resp.json()["username"] == "carol"
        # A process with another key cannot open the first one's challenges.
        with serve(local_cognito, Sealer.generate_key()) as third:
            async with (
                httpx.AsyncClient(base_url=first) as one,
                httpx.AsyncClient(base_url=third) as three,
            ):
                step = (
                    await one.post("/login", json={"username": "carol", "password": PASSWORD})
                ).json()
                resp = await three.post(
                    "/login/answer", json={"pending": step["pending"], "answers": code}
                )
                assert resp.status_code == 400

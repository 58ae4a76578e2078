"""Faults of the service, the network, the caller and the process, through the public API only.

The service is ``fault_server.FaultServer``: a Cognito stand-in on 127.0.0.1
that speaks the JSON 1.1 protocol and answers each operation from a script
(garbage bodies, HTTP errors, dropped or stalled connections), counting what
reaches it. Every wait is bounded by ``BOUND`` seconds only so that a broken
library fails the test instead of hanging the suite; nothing asserts on time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiobotocore.session
import pytest
from fault_server import (
    CLIENT_ID,
    POOL_ID,
    FaultServer,
    Reply,
    answer,
    mfa_challenge,
    operations,
    raw,
    serve_faults,
    tokens,
)

from cognito_flow import (
    Challenge,
    CognitoAuthClient,
    ConfigurationError,
    UnexpectedResponseError,
    srp,
)

#: Upper bound of any wait: only there to stop a hang, never a measurement.
BOUND = 30.0
LONE = "\ud800"  # a lone surrogate: a str with no UTF-8 form
PASSWORD = "correct horse"
MFA_ANSWER = {"SOFTWARE_TOKEN_MFA_CODE": "123456"}

both_apis = pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])


def password_flow(admin: bool) -> str:
    return "ADMIN_USER_PASSWORD_AUTH" if admin else "USER_PASSWORD_AUTH"


async def mfa_handler(challenge: Challenge, context: Any) -> dict[str, str]:
    return dict(MFA_ANSWER)


MFA_HANDLERS = {"SOFTWARE_TOKEN_MFA": mfa_handler}


def password_verifier(**changes: str) -> dict[str, Any]:
    """Cognito's PASSWORD_VERIFIER (no Session); the values are well formed, not verifiable."""
    parameters = {
        "SALT": "a1b2c3d4e5f60718",
        "SRP_B": format(pow(srp.G, 0x1234567890ABCDEF, srp.N), "x"),
        "SECRET_BLOCK": "c2VjcmV0LWJsb2NrLXZhbHVl" * 4,
        "USERNAME": "alice",
        "USER_ID_FOR_SRP": "alice",
        **changes,
    }
    return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": parameters}


def script_srp_sign_in(server: FaultServer, admin: bool) -> None:
    """A service that answers USER_SRP_AUTH with PASSWORD_VERIFIER and any claim with tokens."""
    initiate, respond = operations(admin)
    server.on(initiate, answer(password_verifier()))
    server.on(respond, answer(tokens()))


async def bounded(awaitable: Awaitable[Any]) -> Any:
    return await asyncio.wait_for(awaitable, BOUND)


class PlainHttpSession:
    """A botocore session for http://127.0.0.1: clients skip loading the CA bundle.

    aiobotocore builds each client's TLS context in a thread (about 40 ms);
    the fault server speaks plain HTTP, so that would only slow the file down.
    """

    def __init__(self) -> None:
        self.inner = aiobotocore.session.get_session()

    def create_client(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.create_client(*args, verify=False, **kwargs)


@pytest.fixture(scope="module")
def aio_session() -> Any:
    """One botocore session for the module: the service model is loaded once."""
    return PlainHttpSession()


@pytest.fixture
async def server() -> AsyncIterator[FaultServer]:
    """A fresh fault server on 127.0.0.1 for each test."""
    async with serve_faults() as service:
        yield service


Connect = Callable[..., contextlib.AbstractAsyncContextManager[CognitoAuthClient]]


@pytest.fixture
def connect(server: FaultServer, aio_session: Any) -> Connect:
    """``CognitoAuthClient.connect`` on the fault server, with its defaults unless overridden."""

    def open_client(*, admin: bool, **options: Any) -> Any:
        settings: dict[str, Any] = {
            "user_pool_id": POOL_ID,
            "client_id": CLIENT_ID,
            "admin": admin,
            "endpoint_url": server.endpoint_url,
            "session": aio_session,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        settings.update(options)
        return CognitoAuthClient.connect(**settings)

    return open_client


# -- 1. every exception is a CognitoFlowError --------------------------------------------

GARBAGE = {
    "null": raw("null"),
    "list": raw("[]"),
    "string": raw('"str"'),
    "number": raw("42"),
    "not-utf8": raw(b"\xff\xfe\xfd{\x80}"),
    "deep": raw("[" * 100_000),
    "truncated": raw('{"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "abc'),
    "html": raw(
        "<!DOCTYPE html><html><body><h1>Bad Gateway</h1></body></html>", content_type="text/html"
    ),
    "empty": raw(b""),
    # Well-formed JSON objects whose members have the wrong types.
    "result-list": answer({"AuthenticationResult": []}),
    "token-list": answer({"AuthenticationResult": {"AccessToken": ["a", "b"]}}),
    "expires-string": answer(
        {"AuthenticationResult": {"AccessToken": "a.b.c", "ExpiresIn": "3600"}}
    ),
    "name-number": answer({"ChallengeName": 42, "ChallengeParameters": {"USERNAME": "alice"}}),
    "parameters-list": answer(
        {"ChallengeName": "SOFTWARE_TOKEN_MFA", "ChallengeParameters": ["x"]}
    ),
    "session-object": answer(
        {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": {"a": 1}, "ChallengeParameters": {}}
    ),
}


async def _garbage_at(
    stage: str, server: FaultServer, auth: CognitoAuthClient, admin: bool, reply: Reply
) -> Any:
    initiate, respond = operations(admin)
    if stage == "initiate":
        server.on(initiate, reply)
        return await bounded(auth.authenticate("alice", PASSWORD, flow=password_flow(admin)))
    if stage == "respond":
        server.on(initiate, answer(mfa_challenge()))
        server.on(respond, reply)
        return await bounded(
            auth.authenticate("alice", PASSWORD, flow=password_flow(admin), handlers=MFA_HANDLERS)
        )
    server.on("GetTokensFromRefreshToken", reply)
    server.on(initiate, reply)  # REFRESH_TOKEN_AUTH, should the library fall back to it
    return await bounded(auth.refresh("refresh-token-value"))


@both_apis
@pytest.mark.parametrize("stage", ["initiate", "respond", "refresh"])
@pytest.mark.parametrize("body", GARBAGE.values(), ids=GARBAGE.keys())
async def test_garbage_answer_is_unexpected_response(
    server: FaultServer, connect: Connect, admin: bool, stage: str, body: Reply
) -> None:
    """A 200 whose body is not a Cognito answer is UnexpectedResponseError, whatever the call."""
    async with connect(admin=admin) as auth:
        with pytest.raises(UnexpectedResponseError):
            await _garbage_at(stage, server, auth, admin, body)


@both_apis
@pytest.mark.parametrize("body", GARBAGE.values(), ids=GARBAGE.keys())
async def test_garbage_error_answer_is_unexpected_response(
    server: FaultServer, connect: Connect, admin: bool, body: Reply
) -> None:
    """A 400 whose body is not a Cognito error is UnexpectedResponseError too."""
    reply = Reply(status=400, body=body.body, content_type=body.content_type)
    async with connect(admin=admin) as auth:
        with pytest.raises(UnexpectedResponseError):
            await _garbage_at("initiate", server, auth, admin, reply)


def _mfa_with(**changes: Any) -> dict[str, Any]:
    challenge = mfa_challenge()
    challenge.update(changes)
    return challenge


#: Well-formed answers of the service holding a lone surrogate: (flow kind, answer).
SERVICE_SURROGATES: dict[str, tuple[str, dict[str, Any]]] = {
    "USERNAME": ("password", _mfa_with(ChallengeParameters={"USERNAME": f"al{LONE}ice"})),
    "ChallengeName": ("password", _mfa_with(ChallengeName=f"SOFTWARE_TOKEN_MFA{LONE}")),
    "Session": ("password", _mfa_with(Session=f"session-{LONE}-value")),
    "parameter-value": (
        "password",
        _mfa_with(
            ChallengeParameters={"USERNAME": "alice", "FRIENDLY_DEVICE_NAME": f"ph{LONE}one"}
        ),
    ),
    "parameter-key": (
        "password",
        _mfa_with(ChallengeParameters={"USERNAME": "alice", f"FRIENDLY{LONE}": "phone"}),
    ),
    "USER_ID_FOR_SRP": ("srp", password_verifier(USER_ID_FOR_SRP=f"al{LONE}ice")),
    "SRP-USERNAME": ("srp", password_verifier(USERNAME=f"al{LONE}ice")),
    "SECRET_BLOCK": ("srp", password_verifier(SECRET_BLOCK=f"c2Vj{LONE}cmV0")),
    "SALT": ("srp", password_verifier(SALT=f"a1b2{LONE}")),
}


@both_apis
@pytest.mark.parametrize("call", ["authenticate", "start"])
@pytest.mark.parametrize("case", SERVICE_SURROGATES.values(), ids=SERVICE_SURROGATES.keys())
async def test_lone_surrogate_from_the_service_is_unexpected_response(
    server: FaultServer, connect: Connect, admin: bool, call: str, case: tuple[str, dict[str, Any]]
) -> None:
    """A challenge holding a lone surrogate is the service's fault: UnexpectedResponseError."""
    kind, challenge = case
    initiate, respond = operations(admin)
    # The JSON text carries the escape "\ud800": json.dumps writes it so.
    server.on(initiate, answer(challenge))
    server.on(respond, answer(tokens()))
    flow = password_flow(admin) if kind == "password" else "USER_SRP_AUTH"
    async with connect(admin=admin) as auth:
        method = getattr(auth, call)
        with pytest.raises(UnexpectedResponseError):
            await bounded(method("alice", PASSWORD, flow=flow, handlers=MFA_HANDLERS))


@both_apis
@pytest.mark.parametrize("call", ["authenticate", "start"])
@pytest.mark.parametrize("session", ["short-session", ""], ids=["short", "empty"])
async def test_session_the_model_refuses_is_unexpected_response(
    server: FaultServer, connect: Connect, admin: bool, call: str, session: str
) -> None:
    """A Session shorter than the service model's minimum (20) is the service's fault, not the caller's."""
    initiate, respond = operations(admin)
    server.on(initiate, answer(mfa_challenge(session=session)))
    server.on(respond, answer(tokens()))
    async with connect(admin=admin) as auth:
        method = getattr(auth, call)
        with pytest.raises(UnexpectedResponseError):
            await bounded(
                method("alice", PASSWORD, flow=password_flow(admin), handlers=MFA_HANDLERS)
            )


SignInCall = Callable[[CognitoAuthClient, str, Challenge], Awaitable[Any]]

#: Public coroutines given a lone surrogate by the caller: (name, call).
CALLER_SURROGATES: dict[str, SignInCall] = {
    "start-username": lambda a, f, c: a.start(f"al{LONE}ice", PASSWORD, flow=f),
    "start-password": lambda a, f, c: a.start("alice", f"pass{LONE}word", flow=f),
    "authenticate-username": lambda a, f, c: a.authenticate(f"al{LONE}ice", PASSWORD, flow=f),
    "authenticate-password": lambda a, f, c: a.authenticate("alice", f"pass{LONE}word", flow=f),
    "start-metadata-value": lambda a, f, c: a.start(
        "alice", PASSWORD, flow=f, client_metadata={"origin": f"we{LONE}b"}
    ),
    "start-metadata-key": lambda a, f, c: a.start(
        "alice", PASSWORD, flow=f, client_metadata={f"ori{LONE}gin": "web"}
    ),
    "resume-answer": lambda a, f, c: a.resume(c, {"SOFTWARE_TOKEN_MFA_CODE": f"123{LONE}456"}),
    "resume-metadata": lambda a, f, c: a.resume(
        c, MFA_ANSWER, client_metadata={"origin": f"we{LONE}b"}
    ),
    "refresh-token": lambda a, f, c: a.refresh(f"refresh-{LONE}-token"),
    "refresh-username": lambda a, f, c: a.refresh("refresh-token", username=f"al{LONE}ice"),
    "refresh-metadata": lambda a, f, c: a.refresh(
        "refresh-token", client_metadata={"origin": f"we{LONE}b"}
    ),
}


@pytest.mark.parametrize(
    ("admin", "flow"),
    [
        (False, "USER_PASSWORD_AUTH"),
        (False, "USER_SRP_AUTH"),
        (True, "ADMIN_USER_PASSWORD_AUTH"),
        (True, "USER_SRP_AUTH"),
    ],
    ids=["public-password", "public-srp", "admin-password", "admin-srp"],
)
@pytest.mark.parametrize("call", CALLER_SURROGATES.values(), ids=CALLER_SURROGATES.keys())
async def test_lone_surrogate_from_the_caller_is_refused_before_sending(
    server: FaultServer, connect: Connect, admin: bool, flow: str, call: SignInCall
) -> None:
    """Caller input holding a lone surrogate is ConfigurationError, and nothing is sent."""
    initiate, respond = operations(admin)
    server.on(initiate, answer(mfa_challenge()))
    server.on(respond, answer(tokens()))
    server.on("GetTokensFromRefreshToken", answer(tokens()))
    async with connect(admin=admin) as auth:
        challenge = await bounded(auth.start("alice", PASSWORD, flow=password_flow(admin)))
        assert isinstance(challenge, Challenge)
        sent = server.count()
        with pytest.raises(ConfigurationError):
            await bounded(call(auth, flow, challenge))
    assert server.count() == sent

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
import json
import os
import re
import signal
import threading
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiobotocore.session
import pytest
from aiobotocore.config import AioConfig
from fake_cognito import POOL_ID as FAKE_POOL_ID
from fake_cognito import FakeCognito, serve
from fault_server import (
    CLIENT_ID,
    CLOSE,
    HANG,
    POOL_ID,
    FaultServer,
    Reply,
    answer,
    error,
    mfa_challenge,
    operations,
    raw,
    refused_url,
    serve_faults,
    tokens,
)
from stubbed import local_client

from cognito_flow import (
    AuthenticationResult,
    Challenge,
    CognitoAuthClient,
    CognitoFlowError,
    ConfigurationError,
    NotAuthorizedError,
    ServiceError,
    SessionExpiredError,
    TooManyRequestsError,
    TransportError,
    UnexpectedResponseError,
    _modexp,
    safe_aio_config,
    srp,
)
from cognito_flow._worker import worker

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
        create: Any = self.inner.create_client
        return create(*args, verify=False, **kwargs)


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


# -- 2. cancelled work is not done -----------------------------------------------------------

BURST = 200


async def _drained(before: int) -> tuple[int, int]:
    """Wait until the worker has taken every job of the burst; return (ran, skipped) of it."""
    async with asyncio.timeout(BOUND):
        # The counters belong to the worker thread: nothing to await but time.
        while worker.ran + worker.skipped - before < BURST:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return worker.ran, worker.skipped


async def test_cancelled_srp_sign_ins_are_skipped(server: FaultServer, connect: Connect) -> None:
    """SRP sign-ins cancelled while their maths is queued are skipped, and the next one completes."""
    script_srp_sign_in(server, admin=False)
    async with connect(admin=False) as auth:
        await bounded(auth.authenticate("alice", PASSWORD))  # the worker and its table exist
        ran, skipped = worker.ran, worker.skipped
        tasks = [asyncio.create_task(auth.authenticate("alice", PASSWORD)) for _ in range(BURST)]
        await asyncio.sleep(0)  # every task runs up to its queued SRP_A job
        for task in tasks:
            task.cancel()
        outcomes = await bounded(asyncio.gather(*tasks, return_exceptions=True))
        assert all(isinstance(o, asyncio.CancelledError) for o in outcomes)
        ran_after, skipped_after = await _drained(ran + skipped)
        assert skipped_after - skipped > BURST // 2, (ran_after - ran, skipped_after - skipped)
        result = await bounded(auth.authenticate("alice", PASSWORD))
        assert isinstance(result, AuthenticationResult)


@contextlib.contextmanager
def _table_lock_held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Make srp's fixed-base table unbuilt and hold its lock in a thread until released.

    Until the returned event is set, an SRP computation that needs the table
    waits for the lock: the one worker thread is busy, deterministically.
    """
    monkeypatch.setattr(_modexp, "_comb_cache", {})
    inside, release = threading.Event(), threading.Event()

    def hook() -> None:
        inside.set()
        release.wait(BOUND)

    thread = threading.Thread(target=srp.precompute, kwargs={"yield_hook": hook}, daemon=True)
    thread.start()
    try:
        assert inside.wait(BOUND), "precompute never reached its yield hook"
        yield release
    finally:
        release.set()
        thread.join(BOUND)


async def test_timed_out_srp_sign_ins_are_skipped(
    server: FaultServer, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sign-ins that time out while the worker is busy leave no maths behind them."""
    script_srp_sign_in(server, admin=False)
    async with connect(admin=False) as auth:
        await bounded(auth.authenticate("alice", PASSWORD))  # the worker thread exists
        ran, skipped = worker.ran, worker.skipped
        with _table_lock_held(monkeypatch) as release:
            sign_ins = [auth.authenticate("alice", PASSWORD) for _ in range(BURST)]
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.5):
                    await asyncio.gather(*sign_ins)
            release.set()
            ran_after, skipped_after = await _drained(ran + skipped)
        # The job that waited for the lock had been taken before the timeout.
        assert skipped_after - skipped >= BURST - 1, (ran_after - ran, skipped_after - skipped)
        assert server.count("InitiateAuth") == 1  # only the warm-up sign-in got that far
        result = await bounded(auth.authenticate("alice", PASSWORD))
        assert isinstance(result, AuthenticationResult)


# -- 3. fork safety ---------------------------------------------------------------------------


def _child_sign_in(endpoint_url: str, report: Path) -> None:
    """In the forked child: an SRP sign-in on a new event loop, then exit with its outcome.

    Each step is appended to ``report`` first, so a child that hangs tells where.
    """
    code = 1

    def step(text: str) -> None:
        with report.open("a") as out:
            out.write(text + "\n")

    try:

        async def sign_in() -> None:
            ran = worker.ran
            async with CognitoAuthClient.connect(
                user_pool_id=FAKE_POOL_ID,
                client_id="plain",
                admin=False,
                endpoint_url=endpoint_url,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            ) as auth:
                result = await auth.authenticate("alice", PASSWORD, flow="USER_SRP_AUTH")
            assert isinstance(result, AuthenticationResult)
            assert worker.ran >= ran + 2, "the sign-in did not run its SRP maths on the worker"
            alive = [t.name for t in threading.enumerate() if t.is_alive()]
            assert "cognito-flow-srp" in alive, alive

        step("an SRP sign-in (SRP worker thread, fixed-base table) on a new event loop")
        asyncio.run(asyncio.wait_for(sign_in(), BOUND / 2))
        step("srp.public_a_hex() on the child's own thread")
        a = srp.generate_secret()
        assert int(srp.public_a_hex(a), 16) == pow(srp.G, a, srp.N)
        step("done")
        code = 0
    except BaseException:  # noqa: BLE001 - the forked child reports whatever stopped it
        step(traceback.format_exc())
    finally:
        os._exit(code)


def connect_plain(fake: FakeCognito) -> contextlib.AbstractAsyncContextManager[CognitoAuthClient]:
    """The library's own client for the fake service's plain app client (public API)."""
    return CognitoAuthClient.connect(
        user_pool_id=FAKE_POOL_ID,
        client_id="plain",
        admin=False,
        endpoint_url=fake.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:.*use of fork\\(\\) may lead to deadlocks:DeprecationWarning")
async def test_child_forked_while_the_table_is_built_signs_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A process forked while the parent builds the SRP table (lock held) still signs in with SRP."""
    fake = FakeCognito(device_tracking=False)
    fake.add_client("plain")
    fake.add_user("alice", PASSWORD)
    report = tmp_path / "child.txt"
    loop = asyncio.get_running_loop()
    async with serve(fake):
        async with connect_plain(fake) as auth:
            await bounded(auth.authenticate("alice", PASSWORD))
        assert "cognito-flow-srp" in [t.name for t in threading.enumerate()]

        def fork() -> int:
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child never returns
                _child_sign_in(fake.endpoint_url, report)
            return pid

        with _table_lock_held(monkeypatch) as release:
            # From an executor thread: the child's only thread has no running loop.
            pid = await loop.run_in_executor(None, fork)
            release.set()
        status = None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(BOUND):
                while status is None:
                    done, raw_status = os.waitpid(pid, os.WNOHANG)  # noqa: ASYNC222 - never blocks
                    if done:
                        status = raw_status
                    else:
                        await asyncio.sleep(0.05)  # the parent's loop keeps serving the child
        details = report.read_text() if report.exists() else "(no report)"
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)  # noqa: ASYNC222 - a killed child is reaped at once
            pytest.fail(
                f"the forked child was still running after {BOUND} s; its steps:\n{details}"
            )
        assert os.waitstatus_to_exitcode(status) == 0, details
        assert fake.calls("RespondToAuthChallenge"), "the child's sign-in never reached the service"
        # The parent's own SRP still works after the fork, on a table of its own.
        async with connect_plain(fake) as auth:
            assert isinstance(
                await bounded(auth.authenticate("alice", PASSWORD)), AuthenticationResult
            )


# -- 4. one client, one event loop -------------------------------------------------------------


@both_apis
@pytest.mark.parametrize("call", ["authenticate", "refresh"])
async def test_client_refuses_a_second_event_loop(
    server: FaultServer, connect: Connect, admin: bool, call: str
) -> None:
    """A client called from another event loop raises ConfigurationError; its own loop goes on."""
    initiate, _ = operations(admin)
    server.on(initiate, answer(tokens()))
    server.on("GetTokensFromRefreshToken", answer(tokens()))
    async with connect(admin=admin) as auth:

        def use() -> Awaitable[Any]:
            if call == "refresh":
                return auth.refresh("refresh-token-value")
            return auth.authenticate("alice", PASSWORD, flow=password_flow(admin))

        await bounded(use())
        sent = server.count()

        def on_another_loop() -> BaseException | None:
            async def run() -> None:
                async with asyncio.timeout(BOUND / 2):
                    await use()

            try:
                asyncio.run(run())
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread to assert on
                return exc
            return None

        outcome = await bounded(asyncio.to_thread(on_another_loop))
        assert isinstance(outcome, ConfigurationError), repr(outcome)
        assert "event loop" in str(outcome)
        assert server.count() == sent
        assert isinstance(await bounded(use()), AuthenticationResult)


# -- 5. safe transport defaults --------------------------------------------------------------


class SpySession:
    """An aiobotocore session that keeps the clients it creates, to read their config."""

    def __init__(self) -> None:
        self.inner = aiobotocore.session.get_session()
        self.clients: list[Any] = []

    def create_client(self, *args: Any, **kwargs: Any) -> Any:
        context = self.inner.create_client(*args, **kwargs)
        clients = self.clients

        class Keep:
            async def __aenter__(self) -> Any:
                client = await context.__aenter__()
                clients.append(client)
                return client

            async def __aexit__(self, *exc: object) -> Any:
                return await context.__aexit__(*exc)  # type: ignore[arg-type]

        return Keep()


@pytest.mark.parametrize(
    "config", [None, AioConfig(read_timeout=1)], ids=["defaults", "read_timeout=1"]
)
async def test_connect_bounds_waits_and_never_resends(
    connect: Connect, config: AioConfig | None
) -> None:
    """connect()'s client has bounded connect and read timeouts, and botocore sends each call once."""
    spy = SpySession()
    async with connect(admin=False, session=spy, config=config):
        (client,) = spy.clients
    settings = client.meta.config
    assert 0 < settings.connect_timeout <= 60
    assert 0 < settings.read_timeout <= 60
    if config is not None:
        assert settings.read_timeout == 1
    assert settings.retries["total_max_attempts"] == 1


@both_apis
async def test_service_that_never_answers_is_a_transport_error(
    server: FaultServer, connect: Connect, admin: bool
) -> None:
    """A service that takes the request and never answers ends in a retryable TransportError."""
    server.on(operations(admin)[0], HANG)
    async with connect(admin=admin, config=AioConfig(read_timeout=1), max_attempts=1) as auth:
        with pytest.raises(TransportError) as info:
            await bounded(auth.authenticate("alice", PASSWORD, flow=password_flow(admin)))
    assert info.value.retryable
    assert server.count(operations(admin)[0]) == 1


@both_apis
async def test_callers_timeout_is_not_translated(
    server: FaultServer, connect: Connect, admin: bool
) -> None:
    """The caller's own timeout (a cancellation) comes out as TimeoutError, and the client goes on."""
    initiate, _ = operations(admin)
    server.on(initiate, HANG, answer(tokens()))
    async with connect(admin=admin) as auth:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await auth.authenticate("alice", PASSWORD, flow=password_flow(admin))
        server.release()
        result = await bounded(auth.authenticate("alice", PASSWORD, flow=password_flow(admin)))
    assert isinstance(result, AuthenticationResult)
    assert server.count(initiate) == 2


#: How an answer to a challenge is lost, and the retryable error the caller gets.
LOST: dict[str, tuple[Reply, type[CognitoFlowError]]] = {
    "closed": (CLOSE, TransportError),
    "500": (raw(b"", status=500), TransportError),
    "503": (raw("<html>busy</html>", status=503, content_type="text/html"), TransportError),
    "stalled": (HANG, TransportError),
    # HTTP 500 with a code: the service's own fault, retryable, but the Session may be spent.
    "internal-error": (error("InternalErrorException", "Internal error", 500), ServiceError),
}


@both_apis
@pytest.mark.parametrize(("fault", "raised"), LOST.values(), ids=LOST.keys())
# On the caller's own client too, made with safe_aio_config().
@pytest.mark.parametrize("how", ["authenticate", "resume", "authenticate-on-callers-client"])
async def test_lost_answer_to_a_challenge_is_sent_once(
    server: FaultServer,
    connect: Connect,
    aio_session: Any,
    admin: bool,
    fault: Reply,
    raised: type[CognitoFlowError],
    how: str,
) -> None:
    """A lost, stalled or failed RespondToAuthChallenge is not re-sent: one request, a retryable error."""
    initiate, respond = operations(admin)
    server.on(initiate, answer(mfa_challenge()))
    server.on(respond, fault, answer(tokens()))
    async with contextlib.AsyncExitStack() as stack:
        if how == "authenticate-on-callers-client":
            config = safe_aio_config(read_timeout=1)
            idp = await stack.enter_async_context(
                local_client(aio_session, server.endpoint_url, config)
            )
            auth = CognitoAuthClient(idp, user_pool_id=POOL_ID, client_id=CLIENT_ID, admin=admin)
        else:
            config = AioConfig(read_timeout=1)
            auth = await stack.enter_async_context(connect(admin=admin, config=config))
        sign_in: Awaitable[object]
        if how.startswith("authenticate"):
            sign_in = auth.authenticate(
                "alice", PASSWORD, flow=password_flow(admin), handlers=MFA_HANDLERS
            )
        else:
            challenge = await bounded(auth.start("alice", PASSWORD, flow=password_flow(admin)))
            sign_in = auth.resume(challenge, MFA_ANSWER)
        with pytest.raises(raised) as info:
            await bounded(sign_in)
    assert type(info.value) is raised
    assert info.value.retryable
    assert server.count(respond) == 1
    assert server.count(initiate) == 1


@both_apis
async def test_lost_password_verifier_answer_is_sent_once(
    server: FaultServer, connect: Connect, admin: bool
) -> None:
    """The PASSWORD_VERIFIER answer (no Session, state in SECRET_BLOCK) is not re-sent either."""
    initiate, respond = operations(admin)
    server.on(initiate, answer(password_verifier()))
    server.on(respond, CLOSE, answer(tokens()))
    async with connect(admin=admin) as auth:
        with pytest.raises(TransportError) as info:
            await bounded(auth.authenticate("alice", PASSWORD, flow="USER_SRP_AUTH"))
    assert info.value.retryable
    assert server.count(respond) == 1


THROTTLED = error("TooManyRequestsException", "Rate exceeded")
TRANSIENT = {
    "throttled": THROTTLED,
    "503": raw(b"", status=503),
    "closed": CLOSE,
    "internal-error": error("InternalErrorException", "Internal error", 500),
}


@both_apis
@pytest.mark.parametrize("fault", TRANSIENT.values(), ids=TRANSIENT.keys())
async def test_initiate_auth_is_retried_after_a_transient_fault(
    server: FaultServer, connect: Connect, admin: bool, fault: Reply
) -> None:
    """InitiateAuth spends nothing: after throttling or a fault it is sent again and succeeds."""
    initiate, _ = operations(admin)
    server.on(initiate, fault, answer(tokens()))
    async with connect(admin=admin) as auth:
        result = await bounded(auth.authenticate("alice", PASSWORD, flow=password_flow(admin)))
    assert isinstance(result, AuthenticationResult)
    assert server.count(initiate) == 2


@both_apis
async def test_srp_initiate_auth_is_retried_after_throttling(
    server: FaultServer, connect: Connect, admin: bool
) -> None:
    """A throttled USER_SRP_AUTH start is sent again, and the SRP sign-in completes."""
    script_srp_sign_in(server, admin)
    initiate, respond = operations(admin)
    server.on(initiate, THROTTLED, answer(password_verifier()))
    async with connect(admin=admin) as auth:
        result = await bounded(auth.authenticate("alice", PASSWORD, flow="USER_SRP_AUTH"))
    assert isinstance(result, AuthenticationResult)
    assert server.count(initiate) == 2
    assert server.count(respond) == 1


@both_apis
@pytest.mark.parametrize("max_attempts", [1, 2, 3])
async def test_throttled_every_time_gives_up_after_max_attempts(
    server: FaultServer, connect: Connect, admin: bool, max_attempts: int
) -> None:
    """Throttled on every attempt: TooManyRequestsError, retryable, after max_attempts requests."""
    initiate, _ = operations(admin)
    server.on(initiate, THROTTLED)
    async with connect(admin=admin, max_attempts=max_attempts) as auth:
        with pytest.raises(TooManyRequestsError) as info:
            await bounded(auth.authenticate("alice", PASSWORD, flow=password_flow(admin)))
    assert info.value.retryable
    assert info.value.code == "TooManyRequestsException"
    assert server.count(initiate) == max_attempts


@both_apis
async def test_default_max_attempts_is_three(
    server: FaultServer, connect: Connect, admin: bool
) -> None:
    """Without max_attempts, an InitiateAuth that keeps failing with 503 is sent three times."""
    initiate, _ = operations(admin)
    server.on(initiate, raw(b"", status=503))
    async with connect(admin=admin) as auth:
        with pytest.raises(TransportError):
            await bounded(auth.authenticate("alice", PASSWORD, flow=password_flow(admin)))
    assert server.count(initiate) == 3


@both_apis
@pytest.mark.parametrize("stage", ["initiate", "respond"])
async def test_refusal_is_not_retried(
    server: FaultServer, connect: Connect, admin: bool, stage: str
) -> None:
    """NotAuthorizedException is a refusal: sent once, NotAuthorizedError, not retryable."""
    initiate, respond = operations(admin)
    refused = error("NotAuthorizedException", "Incorrect username or password.")
    if stage == "initiate":
        server.on(initiate, refused, answer(tokens()))
    else:
        server.on(initiate, answer(mfa_challenge()))
        server.on(respond, refused, answer(tokens()))
    async with connect(admin=admin) as auth:
        with pytest.raises(NotAuthorizedError) as info:
            await bounded(
                auth.authenticate(
                    "alice", PASSWORD, flow=password_flow(admin), handlers=MFA_HANDLERS
                )
            )
    assert info.value.retryable is False
    assert not isinstance(info.value, SessionExpiredError)
    assert server.count(initiate) == 1
    assert server.count(respond) == (0 if stage == "initiate" else 1)


@both_apis
async def test_connection_refused_is_a_retryable_transport_error(
    connect: Connect, admin: bool
) -> None:
    """A port where nothing listens gives a retryable TransportError."""
    async with connect(admin=admin, endpoint_url=refused_url()) as auth:
        with pytest.raises(TransportError) as info:
            await bounded(auth.authenticate("alice", PASSWORD, flow=password_flow(admin)))
    assert info.value.retryable


# -- 6. redact ------------------------------------------------------------------------------------

#: Quote, backslash, non-ASCII inside and outside the BMP.
#: Quote, backslash, non-ASCII inside and outside the BMP, and what HTML-safe JSON escapes.
TRICKY_PASSWORD = "pa\"ss\\wörd-ünï-✓-😀-<&'=>-1"


def _upper_escapes(text: str) -> str:
    # JSON allows \u00F6 as well as \u00f6; Java's Jackson writes the former.
    return re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), text)


def _html_safe(text: str) -> str:
    # Gson's default (HTML-safe) writer: non-ASCII stays, these five become \u00XX.
    escaped = json.dumps(text, ensure_ascii=False)[1:-1]
    return re.sub("[<>&=']", lambda m: f"\\u{ord(m.group()):04x}", escaped)


ECHOES: dict[str, Callable[[str], str]] = {
    "plain": lambda p: p,
    "json-escaped": lambda p: json.dumps(p)[1:-1],
    "json-escaped-unicode": lambda p: json.dumps(p, ensure_ascii=False)[1:-1],
    "json-escaped-uppercase": lambda p: _upper_escapes(json.dumps(p)[1:-1]),
    "json-html-safe": _html_safe,
}


@both_apis
@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
async def test_echoed_password_is_masked_in_every_form(
    server: FaultServer, connect: Connect, admin: bool, echo: Callable[[str], str]
) -> None:
    """A service message quoting the password (escaped or not) leaves no form of it in the error."""
    initiate, _ = operations(admin)
    message = f'Password "{echo(TRICKY_PASSWORD)}" is incorrect for user alice.'
    server.on(initiate, error("NotAuthorizedException", message))
    async with connect(admin=admin) as auth:
        with pytest.raises(NotAuthorizedError) as info:
            await bounded(auth.authenticate("alice", TRICKY_PASSWORD, flow=password_flow(admin)))
    sent = server.calls(initiate)[0]["AuthParameters"]["PASSWORD"]
    assert sent == TRICKY_PASSWORD
    err = info.value
    cause = err.__cause__
    assert cause is not None
    texts = {
        "str(error)": str(err),
        "error.message": err.message,
        "str(error.__cause__)": str(cause),
        "cause Error.Message": str(getattr(cause, "response", {}).get("Error", {}).get("Message")),
    }
    for where, text in texts.items():
        for form in {echo(TRICKY_PASSWORD) for echo in ECHOES.values()}:
            assert form not in text, f"{where} holds the password as {form!r}: {text!r}"

"""Service errors, unexpected responses, the loop guard and handler failures, as conversations.

Each conversation (see ``conversations.py``) is played by the core alone and by
a stubbed client unless a test says otherwise: the shell alone re-sends
throttled calls and runs handlers, so those tests use the stubbed client only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conversations import Conversation, Play, Start, assert_signed_in
from stubbed import challenge_response, secret_hash, session, tokens_response

from cognito_flow import (
    AuthenticationResult,
    Challenge,
    ChallengeContext,
    CodeMismatchError,
    CognitoFlowError,
    ExpiredCodeError,
    Handler,
    HandlerError,
    InvalidPasswordError,
    NotAuthorizedError,
    PasswordResetRequiredError,
    ServiceError,
    SessionExpiredError,
    TooManyChallengesError,
    TooManyRequestsError,
    TransportError,
    UnexpectedResponseError,
    UserNotConfirmedError,
)
from cognito_flow.handlers import custom_challenge, software_token_mfa

USER = "alice"
UUID = "8f3b1c2e-5d4a-4e6f-9a7b-0c1d2e3f4a5b"
PASSWORD = "Corr3ct-Horse-Battery!"
META = {"tenant": "acme"}
CODE = {"SOFTWARE_TOKEN_MFA_CODE": "123456"}
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
EXPIRED = "Invalid session for the user, session is expired."
USED_ONCE = "Invalid session for the user, session can only be used once."
MISMATCH = "Invalid code or auth state for the user."
POLICY = "Password does not conform to policy"
CODE_EXPIRED = "Invalid code provided, please request a code again."


def api(admin: bool, operation: str) -> str:
    return f"Admin{operation}" if admin else operation


def assert_cause(exc: BaseException, code: str) -> ClientError:
    """The botocore error travels on as ``__cause__``, with the service's code."""
    cause = exc.__cause__
    assert isinstance(cause, ClientError)
    assert cause.response["Error"]["Code"] == code
    return cause


def totp_challenge(talk: Conversation, **parameters: str) -> None:
    """The password is right; the service asks for the TOTP code on session(1)."""
    talk.initiate(
        challenge_response("SOFTWARE_TOKEN_MFA", session(1), parameters),
        username=USER,
        PASSWORD=PASSWORD,
    )


def refuse_answer(talk: Conversation, code: str, message: str, **answers: str) -> None:
    """The answer to the TOTP challenge on session(1) fails with the service error ``code``."""
    talk.respond(
        "SOFTWARE_TOKEN_MFA",
        answers or CODE,
        None,
        username=USER,
        session=session(1),
        error=(code, message),
    )


# -- refusals -------------------------------------------------------------------------

NA = "NotAuthorizedException"
RESET_MESSAGE = "Password reset required for the user"
RESET = ("ForgotPassword", "ConfirmForgotPassword")
AGAIN = ("start the sign-in again",)
UNCONFIRMED = "User is not confirmed."
SIGN_UP = ("ConfirmSignUp",)
Refusal = tuple[str, str, type[ServiceError], tuple[str, ...]]
#: id: (code, message, error, what the error must say)
PASSWORD_REFUSALS: dict[str, Refusal] = {
    "wrong-password": (NA, "Incorrect username or password.", NotAuthorizedError, ()),
    "reset": ("PasswordResetRequiredException", RESET_MESSAGE, PasswordResetRequiredError, RESET),
    "reset-as-not-authorized": (NA, RESET_MESSAGE, PasswordResetRequiredError, RESET),
    "not-confirmed": ("UserNotConfirmedException", UNCONFIRMED, UserNotConfirmedError, SIGN_UP),
    "unmapped": ("InternalErrorException", "Something happened.", ServiceError, ()),
    "unknown": ("BrandNewFutureException", "Something happened.", ServiceError, ()),
}
#: An answer spends its Session: throttled, it is raised at once, never re-sent.
ANSWER_REFUSALS: dict[str, Refusal] = {
    "expired": (NA, EXPIRED, SessionExpiredError, AGAIN),
    "used-once": (NA, USED_ONCE, SessionExpiredError, AGAIN),
    "expired-code": ("ExpiredCodeException", CODE_EXPIRED, ExpiredCodeError, ()),
    "throttled": ("TooManyRequestsException", "Rate exceeded", TooManyRequestsError, ()),
}


def assert_refusal(
    exc: CognitoFlowError,
    operation: str,
    code: str,
    message: str,
    error: type[ServiceError],
    says: tuple[str, ...],
) -> None:
    """Exactly ``error``, with the service's code and message, botocore's error as cause."""
    assert type(exc) is error
    assert isinstance(exc, ServiceError)
    assert (exc.code, exc.message, exc.operation) == (code, message, operation)
    for words in says:
        assert words in str(exc)
    assert_cause(exc, code)


@pytest.mark.modes("handlers")  # no challenge: nothing to answer either way
@pytest.mark.parametrize("refusal", PASSWORD_REFUSALS.values(), ids=PASSWORD_REFUSALS.keys())
async def test_initiate_refusals(talk: Conversation, play: Play, refusal: Refusal) -> None:
    """Each refusal of InitiateAuth is its own error (a code not mapped: a plain ServiceError), naming the next step."""
    code, message, *_ = refusal
    talk.initiate(None, username=USER, PASSWORD=PASSWORD, error=(code, message))

    outcome = await play(talk, USER, PASSWORD, max_attempts=1)

    assert_refusal(outcome.error, api(talk.admin, "InitiateAuth"), *refusal)


@pytest.mark.parametrize("refusal", ANSWER_REFUSALS.values(), ids=ANSWER_REFUSALS.keys())
async def test_answer_refusals(talk: Conversation, play: Play, refusal: Refusal) -> None:
    """A late or reused Session is SessionExpiredError (not a wrong password); each refusal its own error."""
    code, message, *_ = refusal
    totp_challenge(talk)
    refuse_answer(talk, code, message)

    outcome = await play(talk, USER, PASSWORD, answers=[CODE])

    assert_refusal(outcome.error, api(talk.admin, "RespondToAuthChallenge"), *refusal)


@pytest.mark.modes("resume")  # a stored challenge resumed twice
async def test_resuming_a_used_challenge_twice_is_session_expired(
    talk: Conversation, play: Play
) -> None:
    """The second resume() of one stored challenge meets 'can only be used once'."""
    totp_challenge(talk)
    talk.respond("SOFTWARE_TOKEN_MFA", CODE, tokens_response(), username=USER, session=session(1))
    refuse_answer(talk, "NotAuthorizedException", USED_ONCE)

    async with play.side(talk) as side:
        step = await side.start(Start(USER, PASSWORD, talk.password_flow), None)
        assert isinstance(step, Challenge)
        stored = json.dumps(step.to_dict())
        assert isinstance(await side.resume(step, CODE, None, None), AuthenticationResult)
        with pytest.raises(SessionExpiredError):
            await side.resume(Challenge.from_dict(json.loads(stored)), CODE, None, None)


# -- a wrong code: the error carries the challenge to answer again -----------------------


@pytest.mark.parametrize(
    ("name", "wrong", "right", "code", "error"),
    [
        ("SOFTWARE_TOKEN_MFA", "000000", "123456", "CodeMismatchException", CodeMismatchError),
        (
            "NEW_PASSWORD_REQUIRED",
            "short",
            "L0nger!",
            "InvalidPasswordException",
            InvalidPasswordError,
        ),
        (
            "NEW_PASSWORD_REQUIRED",
            "0ld-one",
            "L0nger!",
            "PasswordHistoryPolicyViolationException",
            InvalidPasswordError,
        ),
    ],
)
async def test_refused_answer_is_answered_again(
    talk: Conversation,
    play: Play,
    name: str,
    wrong: str,
    right: str,
    code: str,
    error: type[ServiceError],
) -> None:
    """A wrong code, or a new password the policy or history refuses: the error carries the challenge, answered again on its Session."""
    key = {
        "SOFTWARE_TOKEN_MFA": "SOFTWARE_TOKEN_MFA_CODE",
        "NEW_PASSWORD_REQUIRED": "NEW_PASSWORD",
    }[name]
    talk.client_metadata = META
    talk.initiate(
        challenge_response(name, session(1), {"USER_ID_FOR_SRP": UUID}),
        username=USER,
        PASSWORD=PASSWORD,
    )
    message = MISMATCH if error is CodeMismatchError else POLICY
    talk.respond(name, {key: wrong}, None, username=UUID, session=session(1), error=(code, message))
    talk.respond(name, {key: right}, tokens_response(), username=UUID, session=session(1))

    outcome = await play(talk, USER, PASSWORD, answers=[{key: wrong}, {key: right}])

    assert_signed_in(outcome)
    [exc] = outcome.errors
    assert_refusal(exc, api(talk.admin, "RespondToAuthChallenge"), code, message, error, ())
    assert isinstance(exc, CodeMismatchError | InvalidPasswordError)
    [asked] = outcome.challenges
    assert exc.challenge == asked
    assert (asked.name, asked.session, asked.username) == (name, session(1), UUID)


# -- throttling (the shell re-sends what spends nothing) ----------------------------------


@pytest.mark.players("stubber")
@pytest.mark.modes("handlers")
@pytest.mark.parametrize(
    ("throttled", "max_attempts"), [(1, 3), (2, 2)], ids=["then-tokens", "every-time"]
)
async def test_throttled_initiate_auth_is_sent_again(
    talk: Conversation, play: Play, throttled: int, max_attempts: int
) -> None:
    """InitiateAuth spends nothing: throttled, it is sent again, up to max_attempts, then TooManyRequestsError."""
    for _ in range(throttled):
        talk.initiate(
            None,
            username=USER,
            PASSWORD=PASSWORD,
            error=("TooManyRequestsException", "Rate exceeded"),
        )
    if throttled < max_attempts:
        talk.initiate(tokens_response(), username=USER, PASSWORD=PASSWORD)

    outcome = await play(talk, USER, PASSWORD, max_attempts=max_attempts)

    if throttled < max_attempts:
        assert_signed_in(outcome)
        return
    exc = outcome.error
    assert isinstance(exc, TooManyRequestsError)
    assert exc.code == "TooManyRequestsException"
    assert exc.retryable
    assert_cause(exc, "TooManyRequestsException")


@pytest.mark.modes("handlers")  # no challenge: nothing to answer either way
@pytest.mark.parametrize(
    ("status", "error"),
    [(500, TransportError), (502, TransportError), (403, UnexpectedResponseError)],
)
async def test_http_error_without_a_cognito_code(
    talk: Conversation, play: Play, status: int, error: type[CognitoFlowError]
) -> None:
    """An HTTP error whose body is no Cognito error: 5xx is a retryable TransportError, 4xx unexpected."""
    talk.initiate(
        None,
        username=USER,
        PASSWORD=PASSWORD,
        error=(str(status), "<!doctype html><title>Internal Server Error</title>"),
        http_status=status,
    )

    outcome = await play(talk, USER, PASSWORD, max_attempts=1)

    exc = outcome.error
    assert type(exc) is error
    assert f"HTTP {status}" in str(exc)
    assert "doctype" not in str(exc)
    assert exc.retryable is (status >= 500)


# -- secrets echoed by the service are masked ---------------------------------------------


def assert_masked(exc: CognitoFlowError, code: str, *secrets: str) -> None:
    """Neither the error nor the botocore error behind it quotes any of ``secrets``."""
    assert isinstance(exc, ServiceError)
    cause = assert_cause(exc, code)
    texts = [str(exc), repr(exc), exc.message, str(cause), cause.response["Error"]["Message"]]
    for text in texts:
        assert "***" in text
        for value in secrets:
            assert value not in text


@pytest.mark.modes("handlers")  # no challenge: nothing to answer either way
async def test_echoed_password_is_masked(talk: Conversation, play: Play) -> None:
    """A message quoting the password (and SECRET_HASH) of the request shows neither."""
    echoed = [PASSWORD] + ([secret_hash(USER, talk.secret)] if talk.secret else [])
    message = "Incorrect password " + " / ".join(echoed) + " for the user."
    talk.initiate(None, username=USER, PASSWORD=PASSWORD, error=("NotAuthorizedException", message))

    outcome = await play(talk, USER, PASSWORD)

    assert isinstance(outcome.error, NotAuthorizedError)
    assert_masked(outcome.error, "NotAuthorizedException", *echoed)


@pytest.mark.parametrize(
    ("code", "message", "error"),
    [
        pytest.param(
            "CodeMismatchException",
            f"Code 987654 does not match for session {session(1)}.",
            CodeMismatchError,
            id="session-and-code",
        ),
        pytest.param(
            "NotAuthorizedException",
            f"{EXPIRED} Session: {session(1)}",
            SessionExpiredError,
            id="session-on-expiry",
        ),
    ],
)
async def test_echoed_session_and_code_are_masked(
    talk: Conversation, play: Play, code: str, message: str, error: type[ServiceError]
) -> None:
    """A message quoting the Session and the code of the answer shows neither, and keeps its meaning."""
    totp_challenge(talk)
    refuse_answer(talk, code, message, SOFTWARE_TOKEN_MFA_CODE="987654")

    outcome = await play(talk, USER, PASSWORD, answers=[{"SOFTWARE_TOKEN_MFA_CODE": "987654"}])

    assert type(outcome.error) is error
    assert_masked(outcome.error, code, "987654", session(1))


# -- unexpected responses ------------------------------------------------------------------


@pytest.mark.modes("handlers")  # no challenge: nothing to answer either way
@pytest.mark.parametrize(
    "response",
    [
        {},
        {"ChallengeName": "SMS_MFA", "ChallengeParameters": {"USERNAME": "al\ud800ce"}},
        {"AuthenticationResult": {"ExpiresIn": 3600}},
    ],
    ids=["empty", "challenge-with-a-lone-surrogate", "result-without-token"],
)
async def test_malformed_initiate_responses(
    talk: Conversation, play: Play, response: dict[str, Any]
) -> None:
    """Responses missing what the protocol needs raise UnexpectedResponseError, nothing else."""
    talk.initiate(response, username=USER, PASSWORD=PASSWORD)

    outcome = await play(talk, USER, PASSWORD)

    assert isinstance(outcome.error, UnexpectedResponseError)


async def test_empty_respond_is_an_unexpected_response(talk: Conversation, play: Play) -> None:
    """A respond answered with {} (moto on custom challenges) is UnexpectedResponseError."""
    talk.initiate(
        challenge_response("CUSTOM_CHALLENGE", session(1), {"q": "1"}),
        username=USER,
        flow="CUSTOM_AUTH",
    )
    talk.respond("CUSTOM_CHALLENGE", {"ANSWER": "a"}, {}, username=USER, session=session(1))

    outcome = await play(talk, USER, answers=[{"ANSWER": "a"}], flow="CUSTOM_AUTH")

    assert isinstance(outcome.error, UnexpectedResponseError)


@pytest.mark.modes("handlers")  # fails before the first challenge reaches the caller
async def test_associate_software_token_without_secret_is_unexpected(
    talk: Conversation, play: Play
) -> None:
    """An AssociateSoftwareToken answer without SecretCode is UnexpectedResponseError."""
    talk.initiate(
        challenge_response("MFA_SETUP", session(1), {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}),
        username=USER,
        PASSWORD=PASSWORD,
    )
    talk.call("associate_software_token", {"Session": session(1)}, {})

    outcome = await play(talk, USER, PASSWORD)

    assert isinstance(outcome.error, UnexpectedResponseError)


# -- the loop guard ------------------------------------------------------------------------


@pytest.mark.modes("handlers")  # the guard counts the rounds of one sign-in
@pytest.mark.parametrize("max_rounds", [3, None], ids=["max_rounds=3", "default"])
async def test_loop_guard_stops_after_max_rounds(
    talk: Conversation, play: Play, max_rounds: int | None
) -> None:
    """A service that asks forever is cut off with TooManyChallengesError after max_rounds (default ten)."""
    rounds = max_rounds or 10
    talk.initiate(
        challenge_response("CUSTOM_CHALLENGE", session(1), {"n": "1"}),
        username=USER,
        flow="CUSTOM_AUTH",
    )
    for i in range(1, rounds + 1):
        talk.respond(
            "CUSTOM_CHALLENGE",
            {"ANSWER": f"answer-{i}"},
            challenge_response("CUSTOM_CHALLENGE", session(i + 1), {"n": str(i + 1)}),
            username=USER,
            session=session(i),
        )

    async def answer(challenge: Challenge) -> str:
        return f"answer-{challenge.parameters['n']}"

    options: dict[str, Any] = {} if max_rounds is None else {"max_rounds": max_rounds}
    outcome = await play(
        talk,
        USER,
        answers=[{"ANSWER": f"answer-{i}"} for i in range(1, rounds + 1)],
        handlers={"CUSTOM_CHALLENGE": custom_challenge(answer)},
        flow="CUSTOM_AUTH",
        **options,
    )

    exc = outcome.error
    assert isinstance(exc, TooManyChallengesError)
    assert [c.parameters["n"] for c in outcome.challenges] == [str(i) for i in range(1, rounds + 1)]
    assert exc.rounds == rounds
    assert exc.last_challenge == "CUSTOM_CHALLENGE"
    assert "max_rounds" in str(exc)


# -- handlers that fail (the shell runs handlers) -------------------------------------------


async def explode(challenge: Challenge, context: ChallengeContext) -> Mapping[str, str]:
    raise RuntimeError("the user typed 314159")


async def no_code(challenge: Challenge) -> str:
    raise LookupError("no code")


def returning(value: object) -> Handler:
    async def sloppy(challenge: Challenge, context: ChallengeContext) -> Any:
        return value

    return sloppy


@pytest.mark.players("stubber")
@pytest.mark.modes("handlers")
@pytest.mark.parametrize(
    ("handler", "cause", "named", "says", "hides"),
    [
        pytest.param(explode, RuntimeError, "explode", (), "314159", id="raises"),
        pytest.param(software_token_mfa(no_code), LookupError, None, (), "no code", id="built-in"),
        pytest.param(returning("123456"), None, "sloppy", (), "", id="str"),
        pytest.param(
            returning(["SOFTWARE_TOKEN_MFA_CODE", "1"]), None, "sloppy", (), "", id="list"
        ),
        pytest.param(returning(None), None, "sloppy", (), "", id="none"),
        pytest.param(
            returning({"SOFTWARE_TOKEN_MFA_CODE": 123456}),
            None,
            "sloppy",
            ("SOFTWARE_TOKEN_MFA_CODE",),
            "123456",
            id="non-string-value",
        ),
    ],
)
async def test_failing_handlers(
    talk: Conversation,
    play: Play,
    handler: Handler,
    cause: type[Exception] | None,
    named: str | None,
    says: tuple[str, ...],
    hides: str,
) -> None:
    """A handler that raises or answers badly is HandlerError naming it and the challenge, never quoting the user."""
    totp_challenge(talk)

    async with play.side(talk) as side:
        with pytest.raises(HandlerError) as info:
            await side.start(
                Start(USER, PASSWORD, talk.password_flow), {"SOFTWARE_TOKEN_MFA": handler}
            )

    exc = info.value
    text = str(exc)
    if named is not None:
        assert named in exc.handler
    assert exc.handler in text
    assert exc.challenge_name == "SOFTWARE_TOKEN_MFA"
    assert "SOFTWARE_TOKEN_MFA" in text
    for word in says:
        assert word in text
    if hides:
        assert hides not in text
    if cause is not None:
        # The original exception stays as __cause__, its message only there.
        assert isinstance(exc.__cause__, cause)
        assert hides in str(exc.__cause__)

"""Service errors, unexpected responses, the loop guard and handler failures, on a stubbed service."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cognito_flow import (
    AuthenticationResult,
    Challenge,
    ChallengeContext,
    CodeMismatchError,
    CognitoFlowError,
    ExpiredCodeError,
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
from cognito_flow.handlers import custom_challenge, select_mfa_type, software_token_mfa
from tests.stubbed import (
    CLIENT_SECRET,
    TOKENS,
    challenge_response,
    secret_hash,
    session,
    stubbed_client,
    stubbed_script,
    tokens_response,
)

USER = "alice"
PASSWORD = "Corr3ct-Horse-Battery!"
UUID = "8f3b1c2e-5d4a-4e6f-9a7b-0c1d2e3f4a5b"
META = {"tenant": "acme"}
EXPIRED = "Invalid session for the user, session is expired."
USED_ONCE = "Invalid session for the user, session can only be used once."


@pytest.fixture(params=[True, False], ids=["admin", "public"])
def admin(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture(params=[None, CLIENT_SECRET], ids=["no-secret", "secret"])
def secret(request: pytest.FixtureRequest) -> str | None:
    value: str | None = request.param
    return value


def api(admin: bool, operation: str) -> str:
    return f"Admin{operation}" if admin else operation


def totp(code: str) -> dict[str, Any]:
    async def callback(challenge: Challenge) -> str:
        return code

    return {"SOFTWARE_TOKEN_MFA": software_token_mfa(callback)}


def assert_cause(exc: ServiceError, code: str) -> ClientError:
    cause = exc.__cause__
    assert isinstance(cause, ClientError)
    assert cause.response["Error"]["Code"] == code
    return cause


# -- wrong password versus a stale Session ------------------------------------------


async def test_wrong_password_is_not_authorized(admin: bool, secret: str | None) -> None:
    """NotAuthorizedException 'Incorrect username or password.' becomes NotAuthorizedError."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate_error(
            "NotAuthorizedException",
            "Incorrect username or password.",
            username=USER,
            PASSWORD=PASSWORD,
        )
        with pytest.raises(NotAuthorizedError) as info:
            await auth.authenticate(USER, PASSWORD, flow=svc.password_flow)

    exc = info.value
    assert not isinstance(exc, SessionExpiredError)
    assert exc.code == "NotAuthorizedException"
    assert exc.message == "Incorrect username or password."
    assert exc.operation == api(admin, "InitiateAuth")
    assert_cause(exc, "NotAuthorizedException")


@pytest.mark.parametrize("message", [EXPIRED, USED_ONCE], ids=["expired", "used-once"])
async def test_stale_session_is_session_expired(
    admin: bool, secret: str | None, message: str
) -> None:
    """A late or reused Session on respond is SessionExpiredError, not a wrong password."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response("SOFTWARE_TOKEN_MFA", session(1)),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond_error(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
            "NotAuthorizedException",
            message,
            username=USER,
            session=session(1),
        )
        with pytest.raises(SessionExpiredError) as info:
            await auth.authenticate(USER, PASSWORD, handlers=totp("123456"), flow=svc.password_flow)

    exc = info.value
    assert not issubclass(SessionExpiredError, NotAuthorizedError)
    assert not isinstance(exc, NotAuthorizedError)
    assert isinstance(exc, ServiceError)
    assert exc.code == "NotAuthorizedException"
    assert exc.message == message
    assert exc.operation == api(admin, "RespondToAuthChallenge")
    assert "start the sign-in again" in str(exc)
    assert_cause(exc, "NotAuthorizedException")


async def test_resuming_a_used_challenge_twice_is_session_expired(
    admin: bool, secret: str | None
) -> None:
    """The second resume() of one stored challenge meets 'can only be used once'."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response("SOFTWARE_TOKEN_MFA", session(1)), username=USER, PASSWORD=PASSWORD
        )
        answers = {"SOFTWARE_TOKEN_MFA_CODE": "123456"}
        svc.respond(
            "SOFTWARE_TOKEN_MFA", answers, tokens_response(), username=USER, session=session(1)
        )
        svc.respond_error(
            "SOFTWARE_TOKEN_MFA",
            answers,
            "NotAuthorizedException",
            USED_ONCE,
            username=USER,
            session=session(1),
        )

        step = await auth.start(USER, PASSWORD, flow=svc.password_flow)
        assert isinstance(step, Challenge)
        stored = json.dumps(step.to_dict())
        assert isinstance(await auth.resume(step, answers), AuthenticationResult)
        with pytest.raises(SessionExpiredError):
            await auth.resume(Challenge.from_dict(json.loads(stored)), answers)


# -- code errors ------------------------------------------------------------------------


async def test_code_mismatch_is_resumable(admin: bool, secret: str | None) -> None:
    """CodeMismatchError carries the challenge; resuming it retries on the same Session."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response("SOFTWARE_TOKEN_MFA", session(1), {"USER_ID_FOR_SRP": UUID}),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond_error(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "000000"},
            "CodeMismatchException",
            "Invalid code or auth state for the user.",
            username=UUID,
            session=session(1),
        )
        svc.respond(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
            tokens_response(),
            username=UUID,
            session=session(1),
        )

        with pytest.raises(CodeMismatchError) as info:
            await auth.authenticate(
                USER,
                PASSWORD,
                handlers=totp("000000"),
                flow=svc.password_flow,
                client_metadata=META,
            )
        exc = info.value
        assert exc.code == "CodeMismatchException"
        assert exc.operation == api(admin, "RespondToAuthChallenge")
        assert_cause(exc, "CodeMismatchException")
        pending = exc.challenge
        assert isinstance(pending, Challenge)
        assert (pending.name, pending.session, pending.username) == (
            "SOFTWARE_TOKEN_MFA",
            session(1),
            UUID,
        )
        result = await auth.resume(
            pending, {"SOFTWARE_TOKEN_MFA_CODE": "123456"}, client_metadata=META
        )

    assert isinstance(result, AuthenticationResult)
    assert result.access_token == TOKENS["AccessToken"]


async def test_code_mismatch_on_resume_hands_the_same_challenge_back(
    admin: bool, secret: str | None
) -> None:
    """A wrong code given to resume() can be retried with the challenge the error carries."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response("EMAIL_OTP", session(1)),
            username=USER,
            flow="USER_AUTH",
            PREFERRED_CHALLENGE="EMAIL_OTP",
        )
        svc.respond_error(
            "EMAIL_OTP",
            {"EMAIL_OTP_CODE": "11111111"},
            "CodeMismatchException",
            "Invalid code or auth state for the user.",
            username=USER,
            session=session(1),
        )
        svc.respond(
            "EMAIL_OTP",
            {"EMAIL_OTP_CODE": "22222222"},
            tokens_response(),
            username=USER,
            session=session(1),
        )

        step = await auth.start(USER, flow="USER_AUTH", preferred_challenge="EMAIL_OTP")
        assert isinstance(step, Challenge)
        with pytest.raises(CodeMismatchError) as info:
            await auth.resume(step, {"EMAIL_OTP_CODE": "11111111"})
        assert info.value.challenge == step
        result = await auth.resume(info.value.challenge, {"EMAIL_OTP_CODE": "22222222"})

    assert isinstance(result, AuthenticationResult)


SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def test_wrong_first_totp_code_keeps_the_setup(admin: bool, secret: str | None) -> None:
    """EnableSoftwareTokenMFAException (Cognito's answer to a wrong first code) is a resumable CodeMismatchError."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response(
                "MFA_SETUP", session(1), {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}
            ),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.stubber.add_response(
            "associate_software_token",
            {"SecretCode": SEED, "Session": session(2)},
            {"Session": session(1)},
        )
        svc.stubber.add_client_error(
            "verify_software_token",
            service_error_code="EnableSoftwareTokenMFAException",
            service_message="Code mismatch and fail enable Software Token MFA",
            expected_params={"Session": session(2), "UserCode": "000000"},
        )
        svc.stubber.add_response(
            "verify_software_token",
            {"Status": "SUCCESS", "Session": session(3)},
            {"Session": session(2), "UserCode": "123456"},
        )
        svc.respond("MFA_SETUP", {}, tokens_response(), username=USER, session=session(3))

        step = await auth.start(USER, PASSWORD, flow=svc.password_flow)
        assert isinstance(step, Challenge)
        with pytest.raises(CodeMismatchError) as info:
            await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": "000000"})
        assert info.value.code == "EnableSoftwareTokenMFAException"
        retry = info.value.challenge
        assert retry == step
        assert retry is not None
        assert (retry.secret_code, retry.session) == (SEED, session(2))
        assert retry.otpauth_uri == step.otpauth_uri
        result = await auth.resume(retry, {"SOFTWARE_TOKEN_MFA_CODE": "123456"})
    assert isinstance(result, AuthenticationResult)


@pytest.mark.parametrize(
    "code", ["InvalidPasswordException", "PasswordHistoryPolicyViolationException"]
)
async def test_refused_new_password_keeps_the_challenge(admin: bool, code: str) -> None:
    """A new password the policy or the history refuses is InvalidPasswordError with .challenge."""
    async with stubbed_script(admin=admin) as (auth, svc):
        svc.initiate(
            challenge_response("NEW_PASSWORD_REQUIRED", session(1), {"USERNAME": USER}),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond_error(
            "NEW_PASSWORD_REQUIRED",
            {"NEW_PASSWORD": "short"},
            code,
            "Password does not conform to policy",
            username=USER,
            session=session(1),
        )
        svc.respond(
            "NEW_PASSWORD_REQUIRED",
            {"NEW_PASSWORD": "A-much-l0nger-password!"},
            tokens_response(),
            username=USER,
            session=session(1),
        )
        step = await auth.start(USER, PASSWORD, flow=svc.password_flow)
        assert isinstance(step, Challenge)
        with pytest.raises(InvalidPasswordError) as info:
            await auth.resume(step, {"NEW_PASSWORD": "short"})
        assert info.value.challenge == step
        result = await auth.resume(step, {"NEW_PASSWORD": "A-much-l0nger-password!"})
    assert isinstance(result, AuthenticationResult)


async def test_expired_code(admin: bool, secret: str | None) -> None:
    """ExpiredCodeException becomes ExpiredCodeError."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response("SOFTWARE_TOKEN_MFA", session(1)), username=USER, PASSWORD=PASSWORD
        )
        svc.respond_error(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
            "ExpiredCodeException",
            "Invalid code provided, please request a code again.",
            username=USER,
            session=session(1),
        )
        with pytest.raises(ExpiredCodeError) as info:
            await auth.authenticate(USER, PASSWORD, handlers=totp("123456"), flow=svc.password_flow)

    assert not isinstance(info.value, CodeMismatchError)
    assert info.value.code == "ExpiredCodeException"
    assert_cause(info.value, "ExpiredCodeException")


# -- errors that tell the application what to do ---------------------------------------


@pytest.mark.parametrize(
    ("code", "message", "error", "next_steps"),
    [
        (
            "PasswordResetRequiredException",
            "Password reset required for the user",
            PasswordResetRequiredError,
            ("ForgotPassword", "ConfirmForgotPassword"),
        ),
        (
            "NotAuthorizedException",
            "Password reset required for the user",
            PasswordResetRequiredError,
            ("ForgotPassword", "ConfirmForgotPassword"),
        ),
        (
            "UserNotConfirmedException",
            "User is not confirmed.",
            UserNotConfirmedError,
            ("ConfirmSignUp",),
        ),
    ],
)
async def test_errors_say_what_the_app_must_do_next(
    admin: bool, code: str, message: str, error: type[ServiceError], next_steps: tuple[str, ...]
) -> None:
    """Password-reset-required and not-confirmed users get typed errors naming the next step."""
    async with stubbed_script(admin=admin) as (auth, svc):
        svc.initiate_error(code, message, username=USER, PASSWORD=PASSWORD)
        with pytest.raises(error) as info:
            await auth.authenticate(USER, PASSWORD, flow=svc.password_flow)

    exc = info.value
    assert exc.code == code
    assert exc.message == message
    for step in next_steps:
        assert step in str(exc)
    assert_cause(exc, code)


async def test_too_many_requests(admin: bool) -> None:
    """Throttled InitiateAuth on every attempt becomes a retryable TooManyRequestsError."""
    async with stubbed_script(admin=admin, max_attempts=2) as (auth, svc):
        for _ in range(2):
            svc.initiate_error(
                "TooManyRequestsException", "Rate exceeded", username=USER, PASSWORD=PASSWORD
            )
        with pytest.raises(TooManyRequestsError) as info:
            await auth.authenticate(USER, PASSWORD, flow=svc.password_flow)

    assert info.value.code == "TooManyRequestsException"
    assert info.value.retryable
    assert_cause(info.value, "TooManyRequestsException")


async def test_throttled_initiate_auth_is_sent_again(admin: bool) -> None:
    """InitiateAuth spends nothing, so after throttling it is sent again and the sign-in goes on."""
    async with stubbed_script(admin=admin) as (auth, svc):
        svc.initiate_error(
            "TooManyRequestsException", "Rate exceeded", username=USER, PASSWORD=PASSWORD
        )
        svc.initiate(tokens_response(), username=USER, PASSWORD=PASSWORD)
        result = await auth.authenticate(USER, PASSWORD, flow=svc.password_flow)
    assert isinstance(result, AuthenticationResult)


async def test_throttled_answer_is_never_sent_again(admin: bool) -> None:
    """An answer spends its Session: throttled, it is raised at once, not re-sent."""
    async with stubbed_script(admin=admin) as (auth, svc):
        svc.initiate(
            challenge_response("SMS_MFA", session(1), {"USERNAME": USER}),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond_error(
            "SMS_MFA",
            {"SMS_MFA_CODE": "123456"},
            "TooManyRequestsException",
            "Rate exceeded",
            username=USER,
            session=session(1),
        )
        step = await auth.start(USER, PASSWORD, flow=svc.password_flow)
        assert isinstance(step, Challenge)
        with pytest.raises(TooManyRequestsError):
            await auth.resume(step, {"SMS_MFA_CODE": "123456"})


@pytest.mark.parametrize("code", ["InternalErrorException", "BrandNewFutureException"])
async def test_unknown_codes_are_service_errors(admin: bool, code: str) -> None:
    """A code the library does not map is a plain ServiceError keeping code and message."""
    async with stubbed_script(admin=admin, max_attempts=1) as (auth, svc):
        svc.initiate_error(code, "Something happened.", username=USER, PASSWORD=PASSWORD)
        with pytest.raises(ServiceError) as info:
            await auth.authenticate(USER, PASSWORD, flow=svc.password_flow)

    assert type(info.value) is ServiceError
    assert (info.value.code, info.value.message) == (code, "Something happened.")
    assert info.value.operation == api(admin, "InitiateAuth")
    assert_cause(info.value, code)


# -- secrets echoed by the service are masked -----------------------------------------


def assert_masked(exc: ServiceError, *secrets: str) -> None:
    cause = exc.__cause__
    assert isinstance(cause, ClientError)
    texts = [str(exc), repr(exc), exc.message, str(cause), cause.response["Error"]["Message"]]
    for text in texts:
        assert "***" in text
        for value in secrets:
            assert value not in text


async def test_echoed_password_is_masked(admin: bool, secret: str | None) -> None:
    """A message quoting the password (and SECRET_HASH) of the request shows neither."""
    echoed = [PASSWORD] + ([secret_hash(USER)] if secret else [])
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate_error(
            "NotAuthorizedException",
            "Incorrect password " + " / ".join(echoed) + " for the user.",
            username=USER,
            PASSWORD=PASSWORD,
        )
        with pytest.raises(NotAuthorizedError) as info:
            await auth.authenticate(USER, PASSWORD, flow=svc.password_flow)

    assert_masked(info.value, *echoed)


async def test_echoed_session_and_code_are_masked(admin: bool, secret: str | None) -> None:
    """A message quoting the Session and the code of the respond call shows neither."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response("SOFTWARE_TOKEN_MFA", session(1)), username=USER, PASSWORD=PASSWORD
        )
        svc.respond_error(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "987654"},
            "CodeMismatchException",
            f"Code 987654 does not match for session {session(1)}.",
            username=USER,
            session=session(1),
        )
        with pytest.raises(CodeMismatchError) as info:
            await auth.authenticate(USER, PASSWORD, handlers=totp("987654"), flow=svc.password_flow)

    assert_masked(info.value, "987654", session(1))


async def test_echoed_session_on_expiry_is_masked(admin: bool) -> None:
    """A session-expired message quoting the Session is still a SessionExpiredError, masked."""
    async with stubbed_script(admin=admin) as (auth, svc):
        svc.initiate(
            challenge_response("SOFTWARE_TOKEN_MFA", session(1)), username=USER, PASSWORD=PASSWORD
        )
        svc.respond_error(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
            "NotAuthorizedException",
            f"{EXPIRED} Session: {session(1)}",
            username=USER,
            session=session(1),
        )
        with pytest.raises(SessionExpiredError) as info:
            await auth.authenticate(USER, PASSWORD, handlers=totp("123456"), flow=svc.password_flow)

    assert_masked(info.value, session(1), "123456")


# -- unexpected responses ------------------------------------------------------------


async def test_empty_respond_is_an_unexpected_response(admin: bool) -> None:
    """A respond answered with {} (moto on custom challenges) is UnexpectedResponseError."""
    async with stubbed_script(admin=admin) as (auth, svc):
        svc.initiate(
            challenge_response("CUSTOM_CHALLENGE", session(1), {"q": "1"}),
            username=USER,
            flow="CUSTOM_AUTH",
        )
        svc.respond("CUSTOM_CHALLENGE", {"ANSWER": "a"}, {}, username=USER, session=session(1))

        async def answer(challenge: Challenge) -> str:
            return "a"

        with pytest.raises(UnexpectedResponseError) as info:
            await auth.authenticate(
                USER, handlers={"CUSTOM_CHALLENGE": custom_challenge(answer)}, flow="CUSTOM_AUTH"
            )

    assert isinstance(info.value, CognitoFlowError)
    assert not isinstance(info.value, KeyError | TypeError)


@pytest.mark.parametrize(
    "response",
    [
        {},
        {"ChallengeName": "SMS_MFA", "ChallengeParameters": {"USERNAME": "al\ud800ce"}},
        {"AuthenticationResult": {"ExpiresIn": 3600}},
    ],
    ids=["empty", "challenge-with-a-lone-surrogate", "result-without-token"],
)
async def test_malformed_initiate_responses(admin: bool, response: dict[str, Any]) -> None:
    """Responses missing what the protocol needs raise UnexpectedResponseError, nothing else."""
    async with stubbed_script(admin=admin) as (auth, svc):
        svc.initiate(response, username=USER, PASSWORD=PASSWORD)
        with pytest.raises(UnexpectedResponseError):
            await auth.authenticate(USER, PASSWORD, flow=svc.password_flow)


async def test_associate_software_token_without_secret_is_unexpected(admin: bool) -> None:
    """An AssociateSoftwareToken answer without SecretCode is UnexpectedResponseError."""
    async with stubbed_script(admin=admin) as (auth, svc):
        svc.initiate(
            challenge_response(
                "MFA_SETUP", session(1), {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}
            ),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.stubber.add_response("associate_software_token", {}, {"Session": session(1)})
        with pytest.raises(UnexpectedResponseError):
            await auth.start(USER, PASSWORD, flow=svc.password_flow)


# -- the loop guard --------------------------------------------------------------------


def custom_forever(svc: Any, rounds: int) -> None:
    """Script a service that answers every CUSTOM_CHALLENGE with another one."""
    svc.initiate(
        challenge_response("CUSTOM_CHALLENGE", session(1), {"n": "1"}),
        username=USER,
        flow="CUSTOM_AUTH",
    )
    for i in range(1, rounds + 1):
        svc.respond(
            "CUSTOM_CHALLENGE",
            {"ANSWER": f"answer-{i}"},
            challenge_response("CUSTOM_CHALLENGE", session(i + 1), {"n": str(i + 1)}),
            username=USER,
            session=session(i),
        )


async def test_loop_guard_stops_after_max_rounds(admin: bool, secret: str | None) -> None:
    """A service that asks forever is cut off with TooManyChallengesError after max_rounds."""
    asked: list[str] = []

    async def answer(challenge: Challenge) -> str:
        asked.append(challenge.parameters["n"])
        return f"answer-{challenge.parameters['n']}"

    async with stubbed_script(admin=admin, secret=secret, max_rounds=3) as (auth, svc):
        custom_forever(svc, 3)
        with pytest.raises(TooManyChallengesError) as info:
            await auth.authenticate(
                USER, handlers={"CUSTOM_CHALLENGE": custom_challenge(answer)}, flow="CUSTOM_AUTH"
            )

    assert asked == ["1", "2", "3"]
    assert info.value.rounds == 3
    assert info.value.last_challenge == "CUSTOM_CHALLENGE"
    assert "max_rounds" in str(info.value)


async def test_loop_guard_default_is_ten_rounds(admin: bool) -> None:
    """Without max_rounds, the guard allows ten challenges."""

    async def answer(challenge: Challenge) -> str:
        return f"answer-{challenge.parameters['n']}"

    async with stubbed_script(admin=admin) as (auth, svc):
        assert auth.max_rounds == 10
        custom_forever(svc, 10)
        with pytest.raises(TooManyChallengesError) as info:
            await auth.authenticate(
                USER, handlers={"CUSTOM_CHALLENGE": custom_challenge(answer)}, flow="CUSTOM_AUTH"
            )

    assert info.value.rounds == 10


# -- handlers that fail ------------------------------------------------------------------


def one_totp_challenge(svc: Any) -> None:
    svc.initiate(
        challenge_response("SOFTWARE_TOKEN_MFA", session(1)), username=USER, PASSWORD=PASSWORD
    )


async def test_handler_that_raises(admin: bool) -> None:
    """A handler that raises becomes HandlerError naming it and the challenge, original as cause."""
    original = RuntimeError("the user typed 314159")

    async def explode(challenge: Challenge, context: ChallengeContext) -> Mapping[str, str]:
        raise original

    async with stubbed_script(admin=admin) as (auth, svc):
        one_totp_challenge(svc)
        with pytest.raises(HandlerError) as info:
            await auth.authenticate(
                USER, PASSWORD, handlers={"SOFTWARE_TOKEN_MFA": explode}, flow=svc.password_flow
            )

    exc = info.value
    assert exc.__cause__ is original
    assert "explode" in exc.handler
    assert exc.challenge_name == "SOFTWARE_TOKEN_MFA"
    assert "explode" in str(exc)
    assert "SOFTWARE_TOKEN_MFA" in str(exc)
    assert "314159" not in str(exc)


async def test_built_in_handler_whose_callback_raises(admin: bool) -> None:
    """A built-in handler's failing callback is reported under the handler's name."""

    async def prompt(challenge: Challenge) -> str:
        raise LookupError("no code")

    async with stubbed_script(admin=admin) as (auth, svc):
        one_totp_challenge(svc)
        with pytest.raises(HandlerError) as info:
            await auth.authenticate(
                USER,
                PASSWORD,
                handlers={"SOFTWARE_TOKEN_MFA": software_token_mfa(prompt)},
                flow=svc.password_flow,
            )

    assert isinstance(info.value.__cause__, LookupError)
    assert "SOFTWARE_TOKEN_MFA" in str(info.value)
    assert info.value.handler in str(info.value)


@pytest.mark.parametrize(
    "returned",
    ["123456", ["SOFTWARE_TOKEN_MFA_CODE", "123456"], None],
    ids=["str", "list", "none"],
)
async def test_handler_returning_a_non_mapping(admin: bool, returned: object) -> None:
    """A handler returning something other than a mapping is HandlerError naming it and the challenge."""

    async def sloppy(challenge: Challenge, context: ChallengeContext) -> Any:
        return returned

    async with stubbed_script(admin=admin) as (auth, svc):
        one_totp_challenge(svc)
        with pytest.raises(HandlerError) as info:
            await auth.authenticate(
                USER, PASSWORD, handlers={"SOFTWARE_TOKEN_MFA": sloppy}, flow=svc.password_flow
            )

    assert "sloppy" in str(info.value)
    assert "SOFTWARE_TOKEN_MFA" in str(info.value)
    assert info.value.challenge_name == "SOFTWARE_TOKEN_MFA"


async def test_handler_returning_non_string_values(admin: bool) -> None:
    """A handler answering with a non-string value is HandlerError naming it, the challenge and the key."""

    async def numeric(challenge: Challenge, context: ChallengeContext) -> Any:
        return {"SOFTWARE_TOKEN_MFA_CODE": 123456}

    async with stubbed_script(admin=admin) as (auth, svc):
        one_totp_challenge(svc)
        with pytest.raises(HandlerError) as info:
            await auth.authenticate(
                USER, PASSWORD, handlers={"SOFTWARE_TOKEN_MFA": numeric}, flow=svc.password_flow
            )

    text = str(info.value)
    assert "numeric" in text
    assert "SOFTWARE_TOKEN_MFA" in text
    assert "SOFTWARE_TOKEN_MFA_CODE" in text
    assert "123456" not in text


# -- Session and SECRET_HASH threaded through a multi-step admin flow --------------------


def admin_multi_step(svc: Any) -> None:
    """initiate (alias) -> NEW_PASSWORD_REQUIRED -> SELECT_MFA_TYPE -> SOFTWARE_TOKEN_MFA."""
    svc.initiate(
        challenge_response(
            "NEW_PASSWORD_REQUIRED",
            session(1),
            {"USER_ID_FOR_SRP": UUID, "requiredAttributes": "[]", "userAttributes": "{}"},
        ),
        username="alice@example.com",
        PASSWORD=PASSWORD,
    )
    svc.respond(
        "NEW_PASSWORD_REQUIRED",
        {"NEW_PASSWORD": "N3w-Passw0rd!"},
        challenge_response(
            "SELECT_MFA_TYPE", session(2), {"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'}
        ),
        username=UUID,
        session=session(1),
    )
    svc.respond(
        "SELECT_MFA_TYPE",
        {"ANSWER": "SOFTWARE_TOKEN_MFA"},
        challenge_response("SOFTWARE_TOKEN_MFA", session(3), {"USER_ID_FOR_SRP": UUID}),
        username=UUID,
        session=session(2),
    )


def admin_handlers() -> dict[str, Any]:
    async def new_password(challenge: Challenge, context: ChallengeContext) -> Mapping[str, str]:
        return {"NEW_PASSWORD": "N3w-Passw0rd!"}

    return {
        "NEW_PASSWORD_REQUIRED": new_password,
        "SELECT_MFA_TYPE": select_mfa_type(),
        **totp("123456"),
    }


async def test_admin_flow_threads_session_and_secret_hash() -> None:
    """Every admin call carries the latest Session and a SECRET_HASH of its own USERNAME."""
    assert secret_hash("alice@example.com") != secret_hash(UUID)
    async with stubbed_script(admin=True, secret=CLIENT_SECRET, client_metadata=META) as (
        auth,
        svc,
    ):
        admin_multi_step(svc)
        svc.respond(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
            tokens_response(),
            username=UUID,
            session=session(3),
        )
        result = await auth.authenticate(
            "alice@example.com", PASSWORD, handlers=admin_handlers(), client_metadata=META
        )

    assert isinstance(result, AuthenticationResult)


@pytest.mark.parametrize("message", [EXPIRED, USED_ONCE], ids=["expired", "used-once"])
async def test_admin_flow_session_expiring_midway(message: str) -> None:
    """A Session that expires on the third answer of an admin flow is SessionExpiredError."""
    async with stubbed_script(admin=True, secret=CLIENT_SECRET, client_metadata=META) as (
        auth,
        svc,
    ):
        admin_multi_step(svc)
        svc.respond_error(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
            "NotAuthorizedException",
            message,
            username=UUID,
            session=session(3),
        )
        with pytest.raises(SessionExpiredError) as info:
            await auth.authenticate(
                "alice@example.com", PASSWORD, handlers=admin_handlers(), client_metadata=META
            )

    assert info.value.operation == "AdminRespondToAuthChallenge"
    assert info.value.message == message
    assert_cause(info.value, "NotAuthorizedException")


@pytest.mark.parametrize(
    ("status", "cls"),
    [(500, TransportError), (502, TransportError), (403, UnexpectedResponseError)],
)
async def test_http_error_without_a_cognito_code(status: int, cls: type[CognitoFlowError]) -> None:
    """An HTTP error whose body is no Cognito error: 5xx is a retryable TransportError, 4xx unexpected."""
    async with stubbed_client(admin=True, max_attempts=1) as (auth, stubber):
        stubber.add_client_error(
            "admin_initiate_auth",
            service_error_code=str(status),
            service_message="<!doctype html><title>Internal Server Error</title>",
            http_status_code=status,
        )
        with pytest.raises(cls, match=f"HTTP {status}") as info:
            await auth.authenticate("alice", "pw-123456")
        assert "doctype" not in str(info.value)
        assert info.value.retryable is (status >= 500)

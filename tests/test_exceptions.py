"""The exception tree of cognito_flow.exceptions and its one translation table."""

from __future__ import annotations

import json
import re

import botocore.loaders
import pytest

from cognito_flow import Challenge, ChallengeName, exceptions
from cognito_flow.exceptions import (
    REDACTED,
    CodeMismatchError,
    CognitoFlowError,
    ConfigurationError,
    DeviceNotFoundError,
    ExpiredCodeError,
    ForbiddenError,
    HandlerError,
    InvalidChallengeError,
    InvalidParameterError,
    InvalidPasswordError,
    MFAMethodNotFoundError,
    NotAuthorizedError,
    PasswordResetRequiredError,
    RefreshTokenReuseError,
    ResourceNotFoundError,
    ServiceError,
    SessionExpiredError,
    TooManyChallengesError,
    TooManyRequestsError,
    UnhandledChallengeError,
    UnsupportedOperationError,
    UserNotConfirmedError,
    UserNotFoundError,
    error_for_service,
    redact,
)

SESSION = "AYABeSecretSessionValue-0123456789"
PASSWORD = "Sup3r-Secret-Passw0rd!"

EXPORTED = [getattr(exceptions, name) for name in exceptions.__all__]


# -- the tree ----------------------------------------------------------------


@pytest.mark.parametrize("cls", EXPORTED, ids=lambda cls: cls.__name__)
def test_every_class_is_a_cognito_flow_error(cls: type[Exception]) -> None:
    """Every exported exception subclasses CognitoFlowError (catch one, catch all)."""
    assert isinstance(cls, type)
    assert issubclass(cls, CognitoFlowError)


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (ConfigurationError, ValueError),
        (InvalidChallengeError, ConfigurationError),
        (NotAuthorizedError, ServiceError),
        (UserNotFoundError, NotAuthorizedError),
        (SessionExpiredError, ServiceError),
        (CodeMismatchError, ServiceError),
        (ExpiredCodeError, ServiceError),
        (PasswordResetRequiredError, ServiceError),
        (UserNotConfirmedError, ServiceError),
        (InvalidPasswordError, ServiceError),
        (InvalidParameterError, ServiceError),
        (ResourceNotFoundError, ServiceError),
        (DeviceNotFoundError, ResourceNotFoundError),
        (TooManyRequestsError, ServiceError),
    ],
)
def test_tree_shape(cls: type[Exception], parent: type[Exception]) -> None:
    """Each class sits where the module docstring draws it."""
    assert issubclass(cls, parent)


def test_session_expired_is_not_a_wrong_password() -> None:
    """SessionExpiredError is not a NotAuthorizedError: a stale Session is not a bad password."""
    assert not issubclass(SessionExpiredError, NotAuthorizedError)
    assert not issubclass(NotAuthorizedError, SessionExpiredError)


def test_docstring_tree_names_every_class() -> None:
    """The module docstring's tree draws exactly the classes of exceptions.__all__."""
    doc = exceptions.__doc__
    assert doc is not None
    tree = doc.split("::", 1)[1].split("\n\n")[1]
    drawn = re.findall(r"^[\s│├└─]*(\w+)", tree, flags=re.MULTILINE)
    assert sorted(drawn) == sorted(exceptions.__all__)


def test_docstring_tree_matches_the_classes() -> None:
    """Each class is drawn under its real base class."""
    doc = exceptions.__doc__
    assert doc is not None
    tree = doc.split("::", 1)[1].split("\n\n")[1]
    stack: list[tuple[int, str]] = []
    for match in re.finditer(r"^([\s│├└─]*)(\w+)", tree, flags=re.MULTILINE):
        column, name = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= column:
            stack.pop()
        cls = getattr(exceptions, name)
        if stack:
            assert getattr(exceptions, stack[-1][1]) in cls.__bases__, name
        else:
            assert cls is CognitoFlowError
        stack.append((column, name))


# -- error_for_service ------------------------------------------------------------

CODES = [
    ("CodeMismatchException", CodeMismatchError),
    ("ExpiredCodeException", ExpiredCodeError),
    ("PasswordResetRequiredException", PasswordResetRequiredError),
    ("UserNotConfirmedException", UserNotConfirmedError),
    ("UserNotFoundException", UserNotFoundError),
    ("InvalidPasswordException", InvalidPasswordError),
    ("InvalidParameterException", InvalidParameterError),
    ("ResourceNotFoundException", ResourceNotFoundError),
    ("TooManyRequestsException", TooManyRequestsError),
    ("TooManyFailedAttemptsException", TooManyRequestsError),
    ("LimitExceededException", TooManyRequestsError),
    ("NotAuthorizedException", NotAuthorizedError),
    ("InternalErrorException", ServiceError),
    ("SomethingNewException", ServiceError),
]


@pytest.mark.parametrize(("code", "cls"), CODES)
def test_error_for_service_maps_each_code(code: str, cls: type[ServiceError]) -> None:
    """Each Cognito error code maps to its class, keeping code, message and operation."""
    error = error_for_service(code, "Something went wrong.", operation="AdminInitiateAuth")
    assert type(error) is cls
    assert error.code == code
    assert error.message == "Something went wrong."
    assert error.operation == "AdminInitiateAuth"
    assert str(error).startswith(f"AdminInitiateAuth failed with {code}: Something went wrong.")
    assert error.challenge is None


#: The operations this library calls, whose error lists must all be mapped.
CALLED_OPERATIONS = (
    "InitiateAuth",
    "AdminInitiateAuth",
    "RespondToAuthChallenge",
    "AdminRespondToAuthChallenge",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "ConfirmDevice",
    "UpdateDeviceStatus",
    "GetTokensFromRefreshToken",
    "ForgetDevice",
    "RevokeToken",
    "GlobalSignOut",
    "AdminUserGlobalSignOut",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
)


def listed_error_codes() -> set[str]:
    """The error shapes botocore's cognito-idp model lists for CALLED_OPERATIONS."""
    model = botocore.loaders.Loader().load_service_model("cognito-idp", "service-2")
    return {
        error["shape"]
        for name in CALLED_OPERATIONS
        for error in model["operations"][name].get("errors", [])
    }


@pytest.mark.parametrize("code", sorted(listed_error_codes()))
def test_every_listed_error_code_has_a_place(code: str) -> None:
    """Each error the service model lists for a called operation is in the documented table."""
    assert code in exceptions._SERVICE_ERRORS
    error = error_for_service(code, "message", operation="InitiateAuth")
    assert isinstance(error, exceptions._SERVICE_ERRORS[code])


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("PasswordHistoryPolicyViolationException", InvalidPasswordError),
        ("EnableSoftwareTokenMFAException", CodeMismatchError),
        ("SoftwareTokenMFANotFoundException", MFAMethodNotFoundError),
        ("MFAMethodNotFoundException", MFAMethodNotFoundError),
        ("UnsupportedOperationException", UnsupportedOperationError),
        ("ForbiddenException", ForbiddenError),
        ("RefreshTokenReuseException", RefreshTokenReuseError),
    ],
)
def test_the_codes_the_issue_names(code: str, cls: type[ServiceError]) -> None:
    """Password history is a refused password, a failed TOTP enable a wrong code, and so on."""
    assert type(error_for_service(code, "no", operation="X")) is cls


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("TooManyRequestsException", True),
        ("LimitExceededException", True),
        ("InternalErrorException", True),
        ("TooManyFailedAttemptsException", False),
        ("NotAuthorizedException", False),
        ("CodeMismatchException", False),
    ],
)
def test_retryable_tells_throttling_and_faults_from_refusals(code: str, retryable: bool) -> None:
    """Throttling and the service's faults are retryable; refusals and lockouts are not."""
    assert error_for_service(code, "m").retryable is retryable


def test_challenge_is_kept_only_where_it_can_be_answered_again() -> None:
    """A wrong code or refused password keeps the challenge; a wrong password does not."""
    challenge = Challenge(name="SMS_MFA", session="s" * 20, username="alice")
    kept = error_for_service("CodeMismatchException", "m", challenge=challenge)
    assert kept.challenge is challenge
    policy = error_for_service("InvalidPasswordException", "m", challenge=challenge)
    assert policy.challenge is challenge
    dropped = error_for_service("NotAuthorizedException", "m", challenge=challenge)
    assert dropped.challenge is None


def test_redact_masks_json_escaped_secrets() -> None:
    """A secret with quotes or backslashes is masked as the service quotes it back in JSON."""
    secret = 'pa"ss\\wörd\n'
    quoted = json.dumps({"password": secret})
    text = f"Value {quoted} at 'password' failed; raw {json.dumps(secret, ensure_ascii=False)}"
    masked = redact(text, [secret])
    assert "pa" not in masked.replace("password", "")
    assert REDACTED in masked


@pytest.mark.parametrize(
    ("message", "cls"),
    [
        ("Incorrect username or password.", NotAuthorizedError),
        ("User is disabled.", NotAuthorizedError),
        ("Invalid session for the user, session is expired.", SessionExpiredError),
        ("Invalid session for the user, session can only be used once.", SessionExpiredError),
        ("Invalid session for the user.", SessionExpiredError),
        ("Password reset required for the user", PasswordResetRequiredError),
    ],
)
def test_not_authorized_is_split_by_message(message: str, cls: type[ServiceError]) -> None:
    """NotAuthorizedException means a wrong password, a stale Session or a reset, by message."""
    error = error_for_service("NotAuthorizedException", message, operation="RespondToAuthChallenge")
    assert type(error) is cls
    assert error.code == "NotAuthorizedException"
    assert error.message == message


def test_stale_session_is_not_caught_as_wrong_password() -> None:
    """`except NotAuthorizedError` does not swallow a stale Session."""
    error = error_for_service(
        "NotAuthorizedException", "Invalid session for the user, session is expired."
    )
    assert not isinstance(error, NotAuthorizedError)
    assert isinstance(error, SessionExpiredError)
    assert "start the sign-in again" in str(error)


@pytest.mark.parametrize(
    ("with_device", "message", "cls"),
    [
        (True, "Device does not exist.", DeviceNotFoundError),
        (False, "Device does not exist.", ResourceNotFoundError),
        (True, "User pool client does not exist.", ResourceNotFoundError),
    ],
)
def test_device_not_found_needs_a_device(
    with_device: bool, message: str, cls: type[ServiceError]
) -> None:
    """ResourceNotFoundException is DeviceNotFoundError only for a device call about a device."""
    error = error_for_service("ResourceNotFoundException", message, with_device=with_device)
    assert type(error) is cls


def test_error_for_service_masks_secrets() -> None:
    """Values sent in the failing request are masked out of the message."""
    error = error_for_service(
        "InvalidParameterException",
        f"Bad value {PASSWORD} for session {SESSION}",
        operation="AdminInitiateAuth",
        secrets={PASSWORD, SESSION},
    )
    assert PASSWORD not in str(error)
    assert SESSION not in str(error)
    assert PASSWORD not in error.message
    assert error.message == f"Bad value {exceptions.REDACTED} for session {exceptions.REDACTED}"


def test_error_without_message_or_operation() -> None:
    """An empty message and no operation give just the code."""
    error = error_for_service("InternalErrorException", "")
    assert str(error) == "InternalErrorException"
    assert error.message == ""
    assert error.operation == ""


# -- redact ------------------------------------------------------------------------


def test_redact_masks_secrets_and_keeps_the_rest() -> None:
    """Every occurrence of each secret is masked; the surrounding text stays."""
    text = f"user alice sent {PASSWORD} then {PASSWORD} with {SESSION}."
    assert redact(text, [PASSWORD, SESSION]) == "user alice sent *** then *** with ***."


def test_redact_masks_the_longest_secret_whole() -> None:
    """A secret that contains another is masked whole, not in pieces."""
    outer, inner = "abcd-efgh-ijkl", "efgh"
    assert redact(f"[{outer}] [{inner}]", [inner, outer]) == "[***] [***]"


def test_redact_ignores_empty_secrets() -> None:
    """Empty secrets change nothing; no secrets leave the message alone."""
    assert redact("nothing to hide", ["", ""]) == "nothing to hide"
    assert redact("nothing to hide", []) == "nothing to hide"


def test_redact_accepts_any_iterable() -> None:
    """Secrets may be a set, a frozenset or a generator."""
    assert redact("a secret-value b", (s for s in ["secret-value"])) == "a *** b"
    assert redact("a secret-value b", frozenset({"secret-value"})) == "a *** b"


# -- the errors' own messages ----------------------------------------------------------


def pending_challenge() -> Challenge:
    return Challenge(
        name=ChallengeName.SOFTWARE_TOKEN_MFA,
        session=SESSION,
        username="alice",
        parameters={"CODE_DELIVERY_DESTINATION": "+*******1234"},
    )


def test_unhandled_challenge_keeps_the_challenge() -> None:
    """UnhandledChallengeError keeps .challenge and names it, without the Session."""
    challenge = pending_challenge()
    error = UnhandledChallengeError(challenge)
    assert error.challenge is challenge
    text = str(error)
    assert "SOFTWARE_TOKEN_MFA" in text
    assert "resume" in text
    assert SESSION not in text
    assert SESSION not in repr(error)


def test_unhandled_challenge_of_an_unknown_name() -> None:
    """A challenge the enum does not know is named as well."""
    error = UnhandledChallengeError(Challenge(name="FUTURE_CHALLENGE", username="alice"))
    assert "FUTURE_CHALLENGE" in str(error)


def test_password_reset_required_says_what_to_do() -> None:
    """PasswordResetRequiredError tells the application to reset the password."""
    text = str(error_for_service("PasswordResetRequiredException", "Password reset required."))
    assert "ForgotPassword" in text
    assert "ConfirmForgotPassword" in text
    assert "sign in again" in text


def test_user_not_confirmed_says_what_to_do() -> None:
    """UserNotConfirmedError tells the application to confirm the sign-up."""
    text = str(error_for_service("UserNotConfirmedException", "User is not confirmed."))
    assert "ConfirmSignUp" in text
    assert "ResendConfirmationCode" in text
    assert "sign in again" in text


def test_too_many_challenges_message() -> None:
    """TooManyChallengesError names the rounds and the last challenge, and the way out."""
    error = TooManyChallengesError(10, "CUSTOM_CHALLENGE")
    assert error.rounds == 10
    assert error.last_challenge == "CUSTOM_CHALLENGE"
    assert "10" in str(error)
    assert "CUSTOM_CHALLENGE" in str(error)
    assert "max_rounds" in str(error)


def test_handler_error_attributes() -> None:
    """HandlerError keeps the challenge name and the handler's name."""
    error = HandlerError("boom", challenge_name="SMS_MFA", handler="ask_code")
    assert error.challenge_name == "SMS_MFA"
    assert error.handler == "ask_code"
    assert str(error) == "boom"


def test_service_error_repr_holds_no_secret() -> None:
    """repr of a translated error holds no masked value."""
    error = error_for_service(
        "CodeMismatchException",
        "Invalid code 123456 received for user",
        secrets={"123456", SESSION},
    )
    assert "123456" not in repr(error)
    assert "123456" not in str(error)


def test_unknown_session_resource_is_an_expired_session() -> None:
    """ResourceNotFoundException naming the Session sent (moto's reply) is SessionExpiredError."""
    error = exceptions.error_for_service(
        "ResourceNotFoundException",
        "0f9e-session-value",
        operation="RespondToAuthChallenge",
        secrets=["0f9e-session-value"],
        session="0f9e-session-value",
    )
    assert isinstance(error, SessionExpiredError)
    assert "0f9e-session-value" not in str(error)
    assert "expired or was already used" in error.message


def test_other_missing_resources_stay_resource_not_found() -> None:
    """A ResourceNotFoundException about something else is not about the Session."""
    error = exceptions.error_for_service(
        "ResourceNotFoundException", "User pool client abc does not exist.", session="sess-1"
    )
    assert type(error).__name__ == "ResourceNotFoundError"


def test_message_that_only_echoes_a_secret_says_so() -> None:
    """A message that was nothing but a secret is replaced by a readable note."""
    error = exceptions.error_for_service(
        "NotAuthorizedException", "c2VjcmV0LWhhc2g=", secrets=["c2VjcmV0LWhhc2g="]
    )
    assert "c2VjcmV0LWhhc2g=" not in str(error)
    assert "only repeated a secret value" in error.message


def test_loop_guard_message_counts_in_good_english() -> None:
    """One round is 'round', more are 'rounds'."""
    assert "1 challenge round " in str(exceptions.TooManyChallengesError(1, "MFA_SETUP"))
    assert "3 challenge rounds" in str(exceptions.TooManyChallengesError(3, "MFA_SETUP"))

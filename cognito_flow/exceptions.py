"""The exceptions cognito_flow raises: one tree, rooted at ``CognitoFlowError``.

::

    CognitoFlowError                      never raised itself; catch it to catch all
    ├── ConfigurationError (ValueError)   bad input found before any call was made
    │   └── InvalidChallengeError         a Challenge (or its dict) that cannot be answered
    ├── UnexpectedResponseError           the service answered with a shape we do not know
    ├── HandlerError                      a challenge handler raised or returned bad answers
    ├── UnhandledChallengeError           no handler for a challenge; ``.challenge`` resumes it
    ├── TooManyChallengesError            the loop guard: too many rounds in one sign-in
    ├── TransportError                    the request never got a service answer
    ├── InvalidTokenError                 a sealed value or a JWT that fails a check; ``.check``
    │   └── ExpiredTokenError             ... that was valid once but is too old now
    └── ServiceError                      Cognito said no; ``.code``, ``.message``, ``.operation``
        ├── NotAuthorizedError            wrong user name or password, disabled user, bad token
        │   └── UserNotFoundError         (only where the pool reveals that users do not exist)
        ├── SessionExpiredError           the Session is late or was already used: start again
        ├── CodeMismatchError             a wrong one-time code; the challenge may be retried
        ├── ExpiredCodeError              the one-time code has expired
        ├── PasswordResetRequiredError    the user must reset the password first
        ├── UserNotConfirmedError         the user must confirm the sign-up first
        ├── InvalidPasswordError          a new password the pool's policy refuses
        ├── InvalidParameterError         the service refused a parameter
        ├── ResourceNotFoundError         unknown pool, client, user or device
        │   └── DeviceNotFoundError       the remembered device is gone on the service side
        └── TooManyRequestsError          throttled, or too many failed attempts

Every ``ServiceError`` keeps the botocore ``ClientError`` as ``__cause__``.
Messages never contain a secret: the values sent in the failing request
(password, Session, codes, SECRET_HASH, tokens) are masked out of the service's
message before it is stored here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._models import Challenge

__all__ = [
    "CodeMismatchError",
    "CognitoFlowError",
    "ConfigurationError",
    "DeviceNotFoundError",
    "ExpiredCodeError",
    "ExpiredTokenError",
    "HandlerError",
    "InvalidChallengeError",
    "InvalidParameterError",
    "InvalidPasswordError",
    "InvalidTokenError",
    "NotAuthorizedError",
    "PasswordResetRequiredError",
    "ResourceNotFoundError",
    "ServiceError",
    "SessionExpiredError",
    "TooManyChallengesError",
    "TooManyRequestsError",
    "TransportError",
    "UnexpectedResponseError",
    "UnhandledChallengeError",
    "UserNotConfirmedError",
    "UserNotFoundError",
]

REDACTED = "***"


class CognitoFlowError(Exception):
    """Base class of every error this library raises; never raised itself."""


class ConfigurationError(CognitoFlowError, ValueError):
    """Bad input, detected before any request was sent."""


class InvalidChallengeError(ConfigurationError):
    """A Challenge, or the data it was rebuilt from, that cannot be answered."""


class UnexpectedResponseError(CognitoFlowError):
    """The service (or a stand-in for it) answered with a shape we cannot use."""


class HandlerError(CognitoFlowError):
    """A challenge handler raised, or returned something that is not answers."""

    def __init__(self, message: str, *, challenge_name: str, handler: str) -> None:
        super().__init__(message)
        self.challenge_name = challenge_name
        self.handler = handler


class UnhandledChallengeError(CognitoFlowError):
    """The service sent a challenge that no handler answers.

    ``.challenge`` is the pending challenge: answer it with
    ``CognitoAuthClient.resume(error.challenge, answers)`` before it expires.
    """

    def __init__(self, challenge: Challenge) -> None:
        super().__init__(
            f"no handler for challenge {challenge.name}; "
            "answer it with resume(error.challenge, answers)"
        )
        self.challenge = challenge


class TooManyChallengesError(CognitoFlowError):
    """The service kept sending challenges past the configured number of rounds."""

    def __init__(self, rounds: int, last_challenge: str) -> None:
        noun = "round" if rounds == 1 else "rounds"
        super().__init__(
            f"gave up after {rounds} challenge {noun} (last: {last_challenge}); "
            "raise max_rounds if this flow really needs more"
        )
        self.rounds = rounds
        self.last_challenge = last_challenge


class TransportError(CognitoFlowError):
    """The request did not reach the service, or its answer did not come back."""


class InvalidTokenError(CognitoFlowError):
    """A token that fails a check: a sealed challenge or device, or a Cognito JWT.

    ``check`` names the check that failed (for example ``"signature"``,
    ``"issuer"``, ``"audience"``, ``"token_use"``, ``"algorithm"``, ``"format"``).
    The message never contains the token itself.
    """

    def __init__(self, message: str, *, check: str = "format") -> None:
        super().__init__(message)
        self.check = check


class ExpiredTokenError(InvalidTokenError):
    """A token that was valid but is too old now: sign in (or start) again."""

    def __init__(self, message: str, *, check: str = "expiry") -> None:
        super().__init__(message, check=check)


class ServiceError(CognitoFlowError):
    """Cognito refused the request.

    Attributes:
        code: the service's error code, e.g. ``NotAuthorizedException``.
        message: the service's message, with request secrets masked.
        operation: the API called, e.g. ``AdminInitiateAuth``.
    """

    #: What the application should do next, appended to the message.
    hint: str = ""

    def __init__(self, code: str, message: str, *, operation: str = "") -> None:
        self.code = code
        self.message = message
        self.operation = operation
        #: On a CodeMismatchError, the challenge that was being answered: the
        #: service keeps its Session for a few tries, so resume it to retry.
        self.challenge: Challenge | None = None
        text = f"{code}: {message}" if message else code
        if operation:
            text = f"{operation} failed with {text}"
        if self.hint:
            text = f"{text} ({self.hint})"
        super().__init__(text)


class NotAuthorizedError(ServiceError):
    """Wrong user name or password, a disabled user, or a refused token."""


class UserNotFoundError(NotAuthorizedError):
    """The user does not exist (only reported when the pool reveals it)."""


class SessionExpiredError(ServiceError):
    """The Session is expired or was already used; the sign-in must start again."""

    hint = "Cognito sessions are single-use and last 3 to 15 minutes: start the sign-in again"


class CodeMismatchError(ServiceError):
    """The one-time code was wrong."""


class ExpiredCodeError(ServiceError):
    """The one-time code has expired; ask for a new one."""


class PasswordResetRequiredError(ServiceError):
    """The user has to reset the password before signing in."""

    hint = (
        "the application must reset the password: call ForgotPassword, then "
        "ConfirmForgotPassword with the code sent to the user, and sign in again"
    )


class UserNotConfirmedError(ServiceError):
    """The user has signed up but not confirmed the account."""

    hint = (
        "the application must confirm the sign-up first: ConfirmSignUp with the "
        "code sent to the user (ResendConfirmationCode sends another), or "
        "AdminConfirmSignUp, then sign in again"
    )


class InvalidPasswordError(ServiceError):
    """A new password that the pool's password policy refuses."""


class InvalidParameterError(ServiceError):
    """The service refused a parameter of the request."""


class ResourceNotFoundError(ServiceError):
    """An unknown user pool, app client, user or device."""


class DeviceNotFoundError(ResourceNotFoundError):
    """The remembered device no longer exists on the service side."""


class TooManyRequestsError(ServiceError):
    """Throttled, or too many failed attempts: wait before trying again."""


_SESSION_HINTS = ("session is expired", "session can only be used once", "invalid session")

_BY_CODE: dict[str, type[ServiceError]] = {
    "CodeMismatchException": CodeMismatchError,
    "ExpiredCodeException": ExpiredCodeError,
    "PasswordResetRequiredException": PasswordResetRequiredError,
    "UserNotConfirmedException": UserNotConfirmedError,
    "UserNotFoundException": UserNotFoundError,
    "InvalidPasswordException": InvalidPasswordError,
    "InvalidParameterException": InvalidParameterError,
    "ResourceNotFoundException": ResourceNotFoundError,
    "TooManyRequestsException": TooManyRequestsError,
    "TooManyFailedAttemptsException": TooManyRequestsError,
    "LimitExceededException": TooManyRequestsError,
}


def redact(message: str, secrets: Iterable[str]) -> str:
    """Mask every secret value that appears in ``message``."""
    # Longest first, so that a secret containing another is masked whole.
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        message = message.replace(secret, REDACTED)
    return message


def error_for_service(
    code: str,
    message: str,
    *,
    operation: str = "",
    secrets: Iterable[str] = (),
    with_device: bool = False,
    session: str | None = None,
) -> ServiceError:
    """Map a Cognito error code and message to an exception of this tree.

    This is the only place that knows Cognito's error codes. ``secrets`` are the
    values sent in the failing request; they are masked out of the message.
    ``session`` is the Session the failing request answered with, if any.
    """
    raw = message or ""
    message = redact(raw, secrets)
    if message.strip() == REDACTED:
        message = "the service's message only repeated a secret value of the request"
    lowered = message.lower()
    cls: type[ServiceError]
    if code == "ResourceNotFoundException" and session and raw.strip() == session:
        # "No such resource: <the Session>" (moto's answer to a spent Session).
        cls = SessionExpiredError
        message = "the service does not know this Session: it expired or was already used"
    elif code == "NotAuthorizedException":
        # Cognito answers both a wrong password and a stale Session with
        # NotAuthorizedException; only the message tells them apart.
        if any(hint in lowered for hint in _SESSION_HINTS):
            cls = SessionExpiredError
        elif "password reset required" in lowered:
            cls = PasswordResetRequiredError
        else:
            cls = NotAuthorizedError
    elif code == "ResourceNotFoundException" and with_device and "device" in lowered:
        cls = DeviceNotFoundError
    else:
        cls = _BY_CODE.get(code, ServiceError)
    return cls(code, message, operation=operation)

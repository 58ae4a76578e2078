"""The exceptions cognito_flow raises: one tree, rooted at ``CognitoFlowError``.

::

    CognitoFlowError                      never raised itself; catch it to catch all
    ├── ConfigurationError (ValueError)   bad input found before any call was made
    │   └── InvalidChallengeError         a Challenge (or its dict) that cannot be answered
    ├── UnexpectedResponseError           the service answered with a shape we do not know
    ├── HandlerError                      a challenge handler raised or returned bad answers
    ├── UnhandledChallengeError           no handler for a challenge; ``.challenge`` resumes it
    ├── TooManyChallengesError            the loop guard: too many rounds in one sign-in
    ├── TransportError                    no usable answer: timeout, connection reset, HTTP 5xx
    ├── InvalidTokenError                 a sealed value or a JWT that fails a check; ``.check``
    │   └── ExpiredTokenError             ... that was valid once but is too old now
    └── ServiceError                      Cognito said no; ``.code``, ``.message``, ``.operation``
        ├── NotAuthorizedError            wrong user name or password, disabled user, bad token
        │   ├── UserNotFoundError         (only where the pool reveals that users do not exist)
        │   └── RefreshTokenReuseError    a rotated-away refresh token was presented again
        ├── SessionExpiredError           the Session is late or was already used: start again
        ├── CodeMismatchError             a wrong one-time code; ``.challenge`` takes another
        ├── ExpiredCodeError              the one-time code has expired
        ├── PasswordResetRequiredError    the user must reset the password first
        ├── UserNotConfirmedError         the user must confirm the sign-up first
        ├── InvalidPasswordError          a new password the policy refuses; ``.challenge``
        ├── InvalidParameterError         the service refused a parameter
        ├── ResourceNotFoundError         unknown pool, client, user or device
        │   └── DeviceNotFoundError       the remembered device is gone on the service side
        ├── TooManyRequestsError          throttled, or too many failed attempts
        ├── MFAMethodNotFoundError        the user has no such MFA factor set up
        ├── ForbiddenError                AWS WAF refused the request
        ├── UnsupportedOperationError     not enabled for this app client, pool or tier
        ├── PoolConfigurationError        the pool's own setup is broken (roles, MFA, email)
        ├── LambdaTriggerError            a Lambda trigger failed or refused the user
        ├── CodeDeliveryError             the code could not be sent
        └── UserExistsError               the user name, email or phone is taken

Every ``ServiceError`` keeps the botocore ``ClientError`` as ``__cause__``.
Messages never contain a secret: the values sent in the failing request
(password, Session, codes, SECRET_HASH, tokens) are masked out of the service's
message before it is stored here, in plain and in JSON-escaped form.

Every error has ``retryable``: True when the same request may succeed if
sent again later (a timeout, a reset connection, HTTP 5xx, throttling), False
for a refusal. A retry of a call that spent a Session still needs a new
sign-in: the Session is single-use.

Each error code that the service model lists for the operations this library
calls has its place in ``_SERVICE_ERRORS`` below (the README has the table);
a code not listed there becomes a plain ``ServiceError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from ._errors import (
    CognitoFlowError,
    ConfigurationError,
    InvalidChallengeError,
    UnexpectedResponseError,
)
from ._models import Challenge

__all__ = [
    "CodeDeliveryError",
    "CodeMismatchError",
    "CognitoFlowError",
    "ConfigurationError",
    "DeviceNotFoundError",
    "ExpiredCodeError",
    "ExpiredTokenError",
    "ForbiddenError",
    "HandlerError",
    "InvalidChallengeError",
    "InvalidParameterError",
    "InvalidPasswordError",
    "InvalidTokenError",
    "LambdaTriggerError",
    "MFAMethodNotFoundError",
    "NotAuthorizedError",
    "PasswordResetRequiredError",
    "PoolConfigurationError",
    "RefreshTokenReuseError",
    "ResourceNotFoundError",
    "ServiceError",
    "SessionExpiredError",
    "TooManyChallengesError",
    "TooManyRequestsError",
    "TransportError",
    "UnexpectedResponseError",
    "UnhandledChallengeError",
    "UnsupportedOperationError",
    "UserExistsError",
    "UserNotConfirmedError",
    "UserNotFoundError",
]

REDACTED = "***"


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
    """No usable answer: the request or its answer was lost, timed out, or met HTTP 5xx.

    Always ``retryable``; but a lost answer to a call that spent a Session
    (RespondToAuthChallenge) means the sign-in must start again.
    """

    retryable = True

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        #: The HTTP status of an answer that carried no Cognito error code.
        self.http_status = http_status


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

    def __init__(
        self,
        code: str,
        message: str,
        *,
        operation: str = "",
        challenge: Challenge | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.operation = operation
        #: On a CodeMismatchError or InvalidPasswordError, the challenge that
        #: was being answered: the service keeps its Session for a few more
        #: tries, so resume it with another code or password.
        self.challenge = challenge
        if retryable is not None:
            self.retryable = retryable
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


class RefreshTokenReuseError(NotAuthorizedError):
    """A refresh token that rotation has already replaced: sign in again."""


class SessionExpiredError(ServiceError):
    """The Session is expired or was already used; the sign-in must start again."""

    hint = "Cognito sessions are single-use and last 3 to 15 minutes: start the sign-in again"


class CodeMismatchError(ServiceError):
    """The one-time code was wrong; ``.challenge`` can be resumed with another one.

    Also raised for ``EnableSoftwareTokenMFAException``: the first code of an
    authenticator being set up was wrong (the same secret stays valid).
    """


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
    """A new password that the pool's policy (or its password history) refuses.

    When it answered NEW_PASSWORD_REQUIRED, ``.challenge`` can be resumed with
    another password.
    """


class InvalidParameterError(ServiceError):
    """The service refused a parameter of the request."""


class ResourceNotFoundError(ServiceError):
    """An unknown user pool, app client, user or device."""


class DeviceNotFoundError(ResourceNotFoundError):
    """The remembered device no longer exists on the service side."""


class TooManyRequestsError(ServiceError):
    """Throttled (``retryable``), or too many failed attempts: wait before trying again."""


class MFAMethodNotFoundError(ServiceError):
    """The user has not set up the MFA factor the request relies on."""


class ForbiddenError(ServiceError):
    """AWS WAF refused the request under the web ACL of the user pool."""


class UnsupportedOperationError(ServiceError):
    """Not enabled for this app client, user pool, region or feature tier."""


class PoolConfigurationError(ServiceError):
    """The user pool's own setup is broken (SMS or email roles, MFA): an administrator must fix it."""


class LambdaTriggerError(ServiceError):
    """A Lambda trigger of the pool failed, answered badly, or refused the user."""


class CodeDeliveryError(ServiceError):
    """The service could not send the code (SMS or email)."""


class UserExistsError(ServiceError):
    """The user name, or the email or phone number as an alias, is already taken."""


_SESSION_HINTS = ("session is expired", "session can only be used once", "invalid session")

#: Every error code of the operations this library calls (the service model's
#: error lists), and the class it becomes. NotAuthorizedException and
#: ResourceNotFoundException are refined by their message (see
#: ``error_for_service``); a code missing here becomes a plain ServiceError.
_SERVICE_ERRORS: Mapping[str, type[ServiceError]] = MappingProxyType(
    {
        "NotAuthorizedException": NotAuthorizedError,
        "UnauthorizedException": NotAuthorizedError,
        "UserNotFoundException": UserNotFoundError,
        "RefreshTokenReuseException": RefreshTokenReuseError,
        "CodeMismatchException": CodeMismatchError,
        "EnableSoftwareTokenMFAException": CodeMismatchError,
        "ExpiredCodeException": ExpiredCodeError,
        "PasswordResetRequiredException": PasswordResetRequiredError,
        "UserNotConfirmedException": UserNotConfirmedError,
        "InvalidPasswordException": InvalidPasswordError,
        "PasswordHistoryPolicyViolationException": InvalidPasswordError,
        "InvalidParameterException": InvalidParameterError,
        "UnsupportedTokenTypeException": InvalidParameterError,
        "ResourceNotFoundException": ResourceNotFoundError,
        "TooManyRequestsException": TooManyRequestsError,
        "TooManyFailedAttemptsException": TooManyRequestsError,
        "LimitExceededException": TooManyRequestsError,
        "MFAMethodNotFoundException": MFAMethodNotFoundError,
        "SoftwareTokenMFANotFoundException": MFAMethodNotFoundError,
        "ForbiddenException": ForbiddenError,
        "UnsupportedOperationException": UnsupportedOperationError,
        "OperationNotEnabledException": UnsupportedOperationError,
        "FeatureUnavailableInTierException": UnsupportedOperationError,
        "InvalidUserPoolConfigurationException": PoolConfigurationError,
        "InvalidSmsRoleAccessPolicyException": PoolConfigurationError,
        "InvalidSmsRoleTrustRelationshipException": PoolConfigurationError,
        "InvalidEmailRoleAccessPolicyException": PoolConfigurationError,
        "InvalidLambdaResponseException": LambdaTriggerError,
        "UnexpectedLambdaException": LambdaTriggerError,
        "UserLambdaValidationException": LambdaTriggerError,
        "CodeDeliveryFailureException": CodeDeliveryError,
        "UsernameExistsException": UserExistsError,
        "AliasExistsException": UserExistsError,
        # A plain ServiceError each: nothing for an application to tell apart.
        "InternalErrorException": ServiceError,
        "ConcurrentModificationException": ServiceError,
        "DeviceKeyExistsException": ServiceError,
    }
)

#: Codes whose request may succeed if sent again later: throttling and the
#: service's own faults. TooManyFailedAttemptsException is a lockout, not this.
_RETRYABLE_CODES = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "InternalErrorException",
        "ConcurrentModificationException",
    }
)


#: JSON's short escapes, besides ``\\uXXXX``.
_JSON_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\b": "\\b",
    "\f": "\\f",
}


def _json_spellings(char: str) -> str:
    """A regex for every way JSON may spell ``char``: itself, its escape, any-case ``\\uXXXX``."""
    code = ord(char)
    units = (
        [code]
        if code < 0x10000
        else [0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)]
    )
    ways = [re.escape(char), "".join(rf"\\u(?i:{unit:04x})" for unit in units)]
    if char in _JSON_ESCAPES:
        ways.append(re.escape(_JSON_ESCAPES[char]))
    return "(?:" + "|".join(ways) + ")"


def redact(message: str, secrets: Iterable[str]) -> str:
    """Mask every secret value that appears in ``message``.

    Also masks each secret as JSON may spell it when the service quotes it
    back: any character escaped or not, ``\\u00f6`` or ``\\u00F6``.
    """
    # Longest first, so that a secret containing another is masked whole.
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        pattern = "".join(_json_spellings(char) for char in secret)
        message = re.sub(pattern, REDACTED, message)
    return message


def error_for_service(
    code: str,
    message: str,
    *,
    operation: str = "",
    secrets: Iterable[str] = (),
    with_device: bool = False,
    session: str | None = None,
    challenge: Challenge | None = None,
) -> ServiceError:
    """Map a Cognito error code and message to an exception of this tree.

    This is the only place that knows Cognito's error codes. ``secrets`` are the
    values sent in the failing request; they are masked out of the message.
    ``session`` is the Session the failing request answered with, if any.
    ``challenge`` is the challenge that the failing request answered; it is
    kept on the errors after which the same challenge may be answered again
    (a wrong code, a refused new password).
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
        cls = _SERVICE_ERRORS.get(code, ServiceError)
    resumable = challenge if issubclass(cls, (CodeMismatchError, InvalidPasswordError)) else None
    return cls(
        code,
        message,
        operation=operation,
        challenge=resumable,
        retryable=code in _RETRYABLE_CODES,
    )

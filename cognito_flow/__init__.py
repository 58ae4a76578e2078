"""cognito_flow: sign users into Amazon Cognito from asyncio backends.

Wraps AdminInitiateAuth / AdminRespondToAuthChallenge (and the public
InitiateAuth / RespondToAuthChallenge), threading the Session from call to call
and answering each challenge with the handler registered for it.
"""

from ._client import ChallengeContext, CognitoAuthClient
from ._devices import DeviceStore, InMemoryDeviceStore, RememberedDevice
from ._models import AuthenticationResult, AuthFlow, Challenge, ChallengeName, NewDeviceMetadata
from ._registry import Handler, HandlerRegistry
from .exceptions import (
    CodeMismatchError,
    CognitoFlowError,
    ConfigurationError,
    DeviceNotFoundError,
    ExpiredCodeError,
    ExpiredTokenError,
    HandlerError,
    InvalidChallengeError,
    InvalidParameterError,
    InvalidPasswordError,
    InvalidTokenError,
    NotAuthorizedError,
    PasswordResetRequiredError,
    ResourceNotFoundError,
    ServiceError,
    SessionExpiredError,
    TooManyChallengesError,
    TooManyRequestsError,
    TransportError,
    UnexpectedResponseError,
    UnhandledChallengeError,
    UserNotConfirmedError,
    UserNotFoundError,
)

__all__ = [
    "AuthFlow",
    "AuthenticationResult",
    "Challenge",
    "ChallengeContext",
    "ChallengeName",
    "CodeMismatchError",
    "CognitoAuthClient",
    "CognitoFlowError",
    "ConfigurationError",
    "DeviceNotFoundError",
    "DeviceStore",
    "ExpiredCodeError",
    "ExpiredTokenError",
    "Handler",
    "HandlerError",
    "HandlerRegistry",
    "InMemoryDeviceStore",
    "InvalidChallengeError",
    "InvalidParameterError",
    "InvalidPasswordError",
    "InvalidTokenError",
    "NewDeviceMetadata",
    "NotAuthorizedError",
    "PasswordResetRequiredError",
    "RememberedDevice",
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

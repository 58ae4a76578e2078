"""Response parsing: what the service answered, checked, as values the core can use.

The one place that decides an answer is unusable (``UnexpectedResponseError``).
The service model marks nearly every response member optional, so only what
the next step truly needs is required, and nothing missing is invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import attrs

from ._errors import InvalidChallengeError, UnexpectedResponseError, check_text
from ._models import AuthenticationResult, Challenge
from .exceptions import CodeMismatchError, CognitoFlowError, ServiceError, TransportError

__all__ = [
    "associated",
    "auth_response",
    "confirmation_necessary",
    "lacks_operation",
    "otpauth_uri",
    "refreshed",
    "response_object",
    "srp_parameters",
    "verified_session",
]


def otpauth_uri(secret_code: str, *, account_name: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI authenticator apps read from a QR code."""
    label = f"{quote(issuer, safe='')}:{quote(account_name, safe='')}"
    return f"otpauth://totp/{label}?secret={quote(secret_code, safe='')}&issuer={quote(issuer, safe='')}"


def response_object(response: object, operation: str) -> Mapping[str, Any]:
    """The answer as a mapping, or UnexpectedResponseError."""
    if not isinstance(response, Mapping):
        raise UnexpectedResponseError(
            f"{operation}'s answer is not an object but {type(response).__name__}"
        )
    return response


#: The service model's bounds of a Session (SessionType).
_SESSION_LENGTH = range(20, 2049)


def _optional_session(response: Mapping[str, Any], what: str) -> str | None:
    # A Session outside the model's bounds could not even be sent back:
    # botocore would refuse it as if the caller had passed bad input.
    session = response.get("Session")
    if session is not None and (
        not isinstance(session, str) or len(session) not in _SESSION_LENGTH
    ):
        raise UnexpectedResponseError(f"{what}'s Session is not a string of 20 to 2048 characters")
    return session


def auth_response(
    response: Mapping[str, Any], *, username: str, device_key: str | None
) -> AuthenticationResult | Challenge:
    """The tokens, or the challenge, of an (Admin)InitiateAuth or RespondToAuthChallenge answer.

    The challenge's ``username`` is the canonical name the service gave
    (USER_ID_FOR_SRP, else USERNAME), else ``username``. Its Session is what
    came, or None: real Cognito sends PASSWORD_VERIFIER without one.
    """
    result = response.get("AuthenticationResult")
    if result is not None:
        return AuthenticationResult.from_response(result)
    name = response.get("ChallengeName")
    if not isinstance(name, str) or not name:
        raise UnexpectedResponseError(
            "the service answered with neither AuthenticationResult nor ChallengeName"
        )
    session = _optional_session(response, f"the {name} challenge")
    try:
        probe = Challenge(
            name=name,
            parameters=response.get("ChallengeParameters") or {},
            username="-",
            available_challenges=response.get("AvailableChallenges") or (),
        )
        # What the core and the handlers read from JSON-valued parameters.
        _ = (probe.mfas_can_setup, probe.mfas_can_choose, probe.required_attributes)
        _ = probe.user_attributes
    except InvalidChallengeError as exc:
        raise UnexpectedResponseError(f"the {name} challenge is malformed: {exc}") from None
    check_text(
        [name, session, dict(probe.parameters), list(probe.available_challenges)],
        f"the {name} challenge",
        UnexpectedResponseError,
    )
    canonical = (
        probe.parameters.get("USER_ID_FOR_SRP") or probe.parameters.get("USERNAME") or username
    )
    return attrs.evolve(probe, session=session, username=canonical, device_key=device_key)


def srp_parameters(challenge: Challenge) -> Mapping[str, str]:
    """SRP_B, SALT and SECRET_BLOCK of a *_PASSWORD_VERIFIER challenge, all present."""
    params = challenge.parameters
    missing = [k for k in ("SRP_B", "SALT", "SECRET_BLOCK") if not params.get(k)]
    if missing:
        raise UnexpectedResponseError(f"{challenge.name} without {', '.join(missing)}")
    return params


def associated(response: Mapping[str, Any], challenge: Challenge, *, issuer: str) -> Challenge:
    """The MFA_SETUP challenge with the authenticator secret AssociateSoftwareToken made.

    It gains SECRET_CODE and OTPAUTH_URI (for a QR code), and the new Session
    (the old one where the service sent none).
    """
    code = response.get("SecretCode")
    if not isinstance(code, str) or not code:
        raise UnexpectedResponseError("AssociateSoftwareToken answered without a SecretCode")
    check_text(code, "AssociateSoftwareToken's SecretCode", UnexpectedResponseError)
    session = _optional_session(response, "AssociateSoftwareToken") or challenge.session
    parameters = dict(challenge.parameters)
    parameters["SECRET_CODE"] = code
    parameters["OTPAUTH_URI"] = otpauth_uri(code, account_name=challenge.username, issuer=issuer)
    return attrs.evolve(challenge, parameters=parameters, session=session)


def verified_session(response: Mapping[str, Any], challenge: Challenge) -> str | None:
    """The Session to answer MFA_SETUP with after VerifySoftwareToken.

    Status is optional in the model; only ERROR says the code was wrong (a
    CodeMismatchError with the challenge, to try another code).
    """
    status = response.get("Status")
    if status == "ERROR":
        raise CodeMismatchError(
            "CodeMismatchException",
            "VerifySoftwareToken returned status ERROR",
            operation="VerifySoftwareToken",
            challenge=challenge,
        )
    if status not in (None, "SUCCESS"):
        raise UnexpectedResponseError("VerifySoftwareToken answered with an unknown Status")
    return _optional_session(response, "VerifySoftwareToken") or challenge.session


def refreshed(response: Mapping[str, Any], refresh_token: str) -> AuthenticationResult:
    """The tokens of a refresh, keeping the token to keep: the rotated one, else the one used."""
    name = response.get("ChallengeName")
    result = response.get("AuthenticationResult")
    if result is None:
        # A refresh ends in tokens; a challenge here is not part of the protocol.
        what = f"a {name} challenge" if isinstance(name, str) else "no AuthenticationResult"
        raise UnexpectedResponseError(f"the refresh answered with {what}")
    tokens = AuthenticationResult.from_response(result)
    return attrs.evolve(tokens, refresh_token=tokens.refresh_token or refresh_token)


def confirmation_necessary(response: Mapping[str, Any]) -> bool:
    """ConfirmDevice's UserConfirmationNecessary (absent: False)."""
    necessary = response.get("UserConfirmationNecessary", False)
    if not isinstance(necessary, bool):
        raise UnexpectedResponseError("ConfirmDevice: UserConfirmationNecessary is not a boolean")
    return necessary


#: Codes of a service that does not know the operation (AWS JSON protocol).
_UNKNOWN_OPERATION_CODES = frozenset({"UnknownOperationException", "InvalidAction"})


def lacks_operation(error: CognitoFlowError) -> bool:
    """Whether ``error`` says the service does not implement the operation at all."""
    if isinstance(error, ServiceError):
        return error.code in _UNKNOWN_OPERATION_CODES
    # A bare HTTP 500/501 with no Cognito error code: not Cognito (which
    # would say InternalErrorException) but an emulator without it (moto).
    return isinstance(error, TransportError) and error.http_status in (500, 501)

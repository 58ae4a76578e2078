"""The transport: sending a Call through aiobotocore, and everything that can go wrong.

The one place where what aiobotocore raises becomes an error of this library
(``translate_error``), where a call may be sent again (only one the core
marked ``retry_safe``, after a retryable failure), and where a client is
bound to its event loop and its service model checked.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from typing import Any

import attrs
import botocore.exceptions
import botocore.parsers

from ._errors import CognitoFlowError, ConfigurationError, UnexpectedResponseError
from ._events import Call
from .exceptions import TransportError, error_for_service, redact

__all__ = ["REQUIRED_MODEL", "Transport", "safe_aio_config", "translate_error"]

logger = logging.getLogger("cognito_flow")

#: connect()'s transport defaults: bounded waits, and botocore never re-sends.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
#: Backoff between attempts of a retry-safe call: full jitter, capped.
_BACKOFF_BASE = 0.05
_BACKOFF_CAP = 1.0


def safe_aio_config(
    *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT, **more: Any
) -> Any:
    """The ``AioConfig`` for a cognito-idp client that cognito_flow drives.

    Bounded timeouts, and no automatic retries: botocore's default retries
    would re-send (Admin)RespondToAuthChallenge after a lost answer, spending
    its single-use Session twice and turning the fault into a misleading
    SessionExpiredError. cognito_flow itself retries the calls that spend
    nothing (InitiateAuth) after throttling or a fault. ``connect()`` uses it;
    pass it when you create the client yourself::

        session.create_client("cognito-idp", config=safe_aio_config())
    """
    from aiobotocore.config import AioConfig

    return AioConfig(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"total_max_attempts": 1},
        **more,
    )


def _resends(idp: Any) -> bool:
    """Whether botocore may re-send a call of this client (its retries are on)."""
    config = getattr(getattr(idp, "meta", None), "config", None)
    retries = getattr(config, "retries", None)
    if not isinstance(retries, Mapping):
        return config is not None  # botocore's default: up to 5 attempts
    attempts = retries.get("total_max_attempts")
    if attempts is None and retries.get("max_attempts") is not None:
        attempts = retries["max_attempts"] + 1
    return attempts is None or attempts > 1


#: The operations this library calls, and the request or response members it
#: needs in botocore's model. An older botocore drops unknown response members
#: without a word (AvailableChallenges), so the model is checked on first use.
REQUIRED_MODEL: Mapping[str, tuple[str, ...]] = {
    "InitiateAuth": ("AuthFlow", "AuthParameters", "ClientMetadata", "AvailableChallenges"),
    "AdminInitiateAuth": ("AuthFlow", "AuthParameters", "ClientMetadata", "AvailableChallenges"),
    "RespondToAuthChallenge": ("ChallengeName", "ChallengeResponses", "Session"),
    "AdminRespondToAuthChallenge": ("ChallengeName", "ChallengeResponses", "Session"),
    "AssociateSoftwareToken": ("Session", "SecretCode"),
    "VerifySoftwareToken": ("Session", "UserCode", "FriendlyDeviceName", "Status"),
    "ConfirmDevice": ("DeviceSecretVerifierConfig", "UserConfirmationNecessary"),
    "UpdateDeviceStatus": ("DeviceRememberedStatus",),
    "GetTokensFromRefreshToken": ("RefreshToken", "ClientSecret", "DeviceKey"),
    "ForgetDevice": ("AccessToken", "DeviceKey"),
    "RevokeToken": ("Token", "ClientSecret"),
    "GlobalSignOut": ("AccessToken",),
    "AdminUserGlobalSignOut": ("Username",),
    "ForgotPassword": ("SecretHash", "UserContextData", "CodeDeliveryDetails"),
    "ConfirmForgotPassword": ("ConfirmationCode", "Password"),
    "SignUp": ("UserAttributes", "ValidationData", "UserSub", "Session"),
    "ConfirmSignUp": ("ConfirmationCode", "Session"),
    "ResendConfirmationCode": ("CodeDeliveryDetails",),
}


def _missing_from_model(idp: Any) -> list[str]:
    """What REQUIRED_MODEL names that this client's service model lacks."""
    model = getattr(getattr(idp, "meta", None), "service_model", None)
    if model is None:
        return []  # not a botocore client (a test double): nothing to check
    missing = []
    names = set(model.operation_names)
    for operation, needed in REQUIRED_MODEL.items():
        if operation not in names:
            missing.append(operation)
            continue
        spec = model.operation_model(operation)
        have = set(spec.input_shape.members)
        if spec.output_shape is not None:  # ForgetDevice answers nothing
            have |= set(spec.output_shape.members)
        missing.extend(f"{operation}.{member}" for member in needed if member not in have)
    return missing


@attrs.define
class Transport:
    """Sends the core's calls on one aiobotocore client, on the event loop that first used it."""

    idp: Any = attrs.field(repr=False)
    #: Attempts of a retry-safe call that meets a retryable failure.
    max_attempts: int = 3
    #: The event loop that first used the client (aiobotocore's pool lives there).
    loop: asyncio.AbstractEventLoop | None = attrs.field(default=None, init=False, repr=False)

    async def send(self, call: Call) -> Mapping[str, Any]:
        """Send ``call``; again after a retryable failure only if the core marked it retry_safe."""
        self.check_loop()
        attempt = 1
        while True:
            try:
                return await self._send_once(call)
            except CognitoFlowError as exc:
                if not (call.retry_safe and exc.retryable and attempt < self.max_attempts):
                    raise
                # Full jitter, as AWS's own SDKs back off: no herd of retries.
                ceiling = min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt)
                delay = random.uniform(0, ceiling)  # noqa: S311 - jitter, not a secret
                logger.debug(
                    "%s failed (%s); attempt %d in %.2f s",
                    call.api_name,
                    type(exc).__name__,
                    attempt + 1,
                    delay,
                )
                await asyncio.sleep(delay)
                attempt += 1

    async def _send_once(self, call: Call) -> Mapping[str, Any]:
        logger.debug("-> %s", call.api_name)
        method = getattr(self.idp, call.operation, None)
        if method is None:
            raise ConfigurationError(
                f"this aiobotocore client has no {call.operation}(): its botocore is too old "
                "for cognito_flow; upgrade aiobotocore"
            )
        try:
            response = await method(**call.params)
        except Exception as exc:  # not BaseException: cancellation passes through
            raise translate_error(exc, call) from exc
        if not isinstance(response, Mapping):
            raise UnexpectedResponseError(f"{call.api_name} answered with no object")
        logger.debug("<- %s ok", call.api_name)
        return response

    def check_loop(self) -> None:
        # aiobotocore's connection pool belongs to the loop that first used it;
        # from another loop it fails in ways that look like network faults.
        loop = asyncio.get_running_loop()
        owner = self.loop
        if owner is None:
            missing = _missing_from_model(self.idp)
            if missing:
                raise ConfigurationError(
                    "this aiobotocore client's service model is too old for cognito_flow "
                    f"(it lacks {', '.join(missing)}): install aiobotocore 2.23.0 or newer"
                )
            self.loop = loop
            if _resends(self.idp):
                logger.warning(
                    "this aiobotocore client re-sends failed calls (botocore retries): a "
                    "re-sent RespondToAuthChallenge spends its single-use Session twice; "
                    "create it with config=cognito_flow.safe_aio_config()"
                )
        elif owner is not loop:
            raise ConfigurationError(
                "this CognitoAuthClient is bound to the event loop that first used it, and "
                "was called from another one: create one client per event loop (per thread)"
            )


def translate_error(exc: Exception, call: Call) -> CognitoFlowError:
    """The one place where what aiobotocore raised becomes an error of this library.

    Service refusals keep their code; request secrets are masked in the new
    error and in the botocore error too (it travels on as ``__cause__`` and
    ends up in logged tracebacks). Anything else that escapes a call (a body
    that is ``null``, not UTF-8 or nested too deep, a reset connection, a
    timeout) becomes UnexpectedResponseError or TransportError, never a bare
    AttributeError or UnicodeDecodeError. Cancellation is not an Exception
    and is never caught.
    """
    api = call.api_name
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = str(error.get("Message", ""))
        if code.isdigit():
            # An HTTP error without a Cognito error code (a proxy, a crashed
            # stand-in, a service that lacks the operation): its body is no
            # message worth keeping.
            status = int(code)
            if status >= 500:
                return TransportError(
                    f"{api} failed with HTTP {status} and no Cognito error code",
                    http_status=status,
                )
            return UnexpectedResponseError(
                f"{api} failed with HTTP {status} and no Cognito error code"
            )
        session = call.params.get("Session")
        translated = error_for_service(
            code,
            message,
            operation=api,
            secrets=call.secrets,
            with_device=call.has_device,
            session=session if isinstance(session, str) else None,
            challenge=call.answering,
        )
        if message:
            error["Message"] = translated.message
        # botocore also copies the modelled error's members (``message``) to
        # the top level of the response.
        raw: dict[str, Any] = exc.response  # type: ignore[assignment]
        for key, value in raw.items():
            if isinstance(value, str):
                raw[key] = redact(value, call.secrets)
        exc.args = tuple(
            redact(arg, call.secrets) if isinstance(arg, str) else arg for arg in exc.args
        )
        logger.debug("<- %s %s", api, code)
        return translated
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return ConfigurationError(
            f"{api} needs AWS credentials and none were found: admin=True calls are signed "
            "with IAM credentials (environment, profile or role); use admin=False for the "
            "public API"
        )
    if isinstance(exc, botocore.exceptions.NoRegionError):
        return ConfigurationError(f"{api} needs a region: pass region_name=")
    if isinstance(exc, botocore.exceptions.ParamValidationError):
        return ConfigurationError(f"{api} parameters were refused by botocore's validation")
    if isinstance(exc, botocore.parsers.ResponseParserError):
        return UnexpectedResponseError(f"{api}'s answer could not be parsed")
    if isinstance(exc, botocore.exceptions.BotoCoreError | OSError | TimeoutError):
        # Timeouts, refused or reset connections, TLS failures.
        return TransportError(f"{api} failed: {type(exc).__name__}")
    # A 200 whose body is null, a list, not UTF-8 or nested too deep trips
    # botocore's parser in ways it does not wrap (AttributeError,
    # UnicodeDecodeError, RecursionError): the service's answer is at fault.
    return UnexpectedResponseError(f"{api}'s answer could not be read ({type(exc).__name__})")

"""CognitoAuthClient: the thin async shell around the sans-IO core.

This is the only module that awaits aiobotocore. Its loop asks the core
(``_flow.SignIn``) what to do next, does it, and feeds the outcome back.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import attrs
import botocore.exceptions
import botocore.parsers

from . import srp
from ._answers import parse_answers
from ._config import FlowConfig, check_pool_id
from ._devices import DeviceOutcome, DeviceStore, NewDeviceSteps
from ._errors import check_text
from ._events import Call, Compute
from ._flow import SignIn
from ._models import AuthenticationResult, AuthFlow, Challenge, RememberedDevice
from ._registry import ChallengeContext, Handler, HandlerRegistry
from ._worker import worker
from .exceptions import (
    CognitoFlowError,
    ConfigurationError,
    HandlerError,
    ServiceError,
    TransportError,
    UnexpectedResponseError,
    UnhandledChallengeError,
    error_for_service,
    redact,
)

if TYPE_CHECKING:
    from types_aiobotocore_cognito_idp import CognitoIdentityProviderClient

__all__ = ["CognitoAuthClient", "safe_aio_config", "translate_error"]

logger = logging.getLogger("cognito_flow")


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


def _check_metadata(client_metadata: object) -> Mapping[str, str] | None:
    if client_metadata is None:
        return None
    if not isinstance(client_metadata, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in client_metadata.items()
    ):
        raise ConfigurationError("client_metadata must be a mapping of strings to strings")
    check_text(client_metadata, "client_metadata", ConfigurationError)
    return dict(client_metadata)


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
        have = set(spec.input_shape.members) | set(spec.output_shape.members)
        missing.extend(f"{operation}.{member}" for member in needed if member not in have)
    return missing


@attrs.define
class _ClientState:
    """What a frozen client learns as it runs."""

    #: The event loop that first used the client (aiobotocore's pool lives there).
    loop: asyncio.AbstractEventLoop | None = None
    #: False once the service turned out to lack GetTokensFromRefreshToken.
    get_tokens: bool = True


def _flow_config(client: CognitoAuthClient) -> FlowConfig:
    if not isinstance(client.admin, bool):
        raise ConfigurationError("admin must be True or False")
    if isinstance(client.max_attempts, bool) or not isinstance(client.max_attempts, int):
        raise ConfigurationError("max_attempts must be an integer")
    if client.max_attempts < 1:
        raise ConfigurationError("max_attempts must be at least 1")
    return FlowConfig(
        user_pool_id=client.user_pool_id,
        client_id=client.client_id,
        client_secret=client._client_secret,
        admin=client.admin,
        max_rounds=client.max_rounds,
        totp_issuer=client.totp_issuer,
    )


@attrs.frozen(repr=False)
class CognitoAuthClient:
    """Signs users into one Cognito app client.

    Pass an aiobotocore ``cognito-idp`` client you own, or use
    ``CognitoAuthClient.connect(...)`` to have one created and closed for you.
    One instance serves any number of concurrent sign-ins, on the event loop
    that first uses it: make one per event loop (per thread). It is frozen:
    ``attrs.evolve(auth, admin=False)`` makes a changed copy.

    Args:
        idp: an aiobotocore ``cognito-idp`` client.
        user_pool_id: e.g. ``"eu-west-1_AbC123"``.
        client_id: the app client id.
        client_secret: the app client secret, if it has one (SECRET_HASH is
            then computed for every call).
        admin: True for AdminInitiateAuth / AdminRespondToAuthChallenge (IAM
            credentials); False for the public InitiateAuth /
            RespondToAuthChallenge.
        max_rounds: the loop guard: challenges one sign-in may see.
        device_store: where remembered devices are kept; None turns device
            tracking off.
        remember_devices: mark newly confirmed devices as remembered.
        device_name: the DeviceName sent to ConfirmDevice.
        totp_issuer: the issuer in the ``otpauth://`` URI of MFA_SETUP.
        executor: where SRP maths runs (default: one shared worker thread).
        max_attempts: attempts of a call that spends nothing (InitiateAuth)
            when it meets throttling or a fault; a call that spends a Session
            is never sent twice.
    """

    _idp: CognitoIdentityProviderClient = attrs.field(alias="idp")
    user_pool_id: str = attrs.field(kw_only=True)
    client_id: str = attrs.field(kw_only=True)
    _client_secret: str | None = attrs.field(default=None, kw_only=True, alias="client_secret")
    admin: bool = attrs.field(default=True, kw_only=True)
    max_rounds: int = attrs.field(default=10, kw_only=True)
    device_store: DeviceStore | None = attrs.field(default=None, kw_only=True)
    remember_devices: bool = attrs.field(default=True, kw_only=True)
    device_name: str = attrs.field(default="cognito_flow", kw_only=True)
    totp_issuer: str = attrs.field(default="Amazon Cognito", kw_only=True)
    _executor: Executor | None = attrs.field(default=None, kw_only=True, alias="executor")
    max_attempts: int = attrs.field(default=3, kw_only=True)
    _config: FlowConfig = attrs.field(
        init=False, default=attrs.Factory(_flow_config, takes_self=True)
    )
    _state: _ClientState = attrs.field(init=False, factory=_ClientState)

    def __repr__(self) -> str:
        api = "admin" if self.admin else "public"
        secret = ", with client secret" if self._client_secret else ""
        return (
            f"<CognitoAuthClient pool={self.user_pool_id} client={self.client_id} "
            f"api={api}{secret}>"
        )

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(
        cls,
        *,
        user_pool_id: str,
        client_id: str,
        client_secret: str | None = None,
        admin: bool = True,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        session: Any = None,
        config: Any = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        **options: Any,
    ) -> AsyncIterator[CognitoAuthClient]:
        """Create an aiobotocore client, yield a CognitoAuthClient on it, close it.

        ``region_name`` defaults to the pool id's region; ``session`` is an
        ``aiobotocore.session.AioSession`` (a new one by default); ``config`` an
        ``AioConfig`` whose settings override ``safe_aio_config()`` (5 s to
        connect, 15 s to read, no automatic re-sends); the ``aws_*`` keys
        override the usual credential chain; other keyword arguments go to
        the constructor.
        """
        import aiobotocore.session

        check_pool_id(user_pool_id)
        aio_session = session or aiobotocore.session.get_session()
        async with aio_session.create_client(
            "cognito-idp",
            region_name=region_name or user_pool_id.split("_", 1)[0],
            endpoint_url=endpoint_url,
            config=safe_aio_config() if config is None else safe_aio_config().merge(config),
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
        ) as idp:
            yield cls(
                idp,
                user_pool_id=user_pool_id,
                client_id=client_id,
                client_secret=client_secret,
                admin=admin,
                **options,
            )

    # -- public API ---------------------------------------------------------

    async def authenticate(
        self,
        username: str,
        password: str | None = None,
        *,
        handlers: HandlerRegistry | Mapping[str, Handler] | None = None,
        flow: AuthFlow | str | None = None,
        client_metadata: Mapping[str, str] | None = None,
        preferred_challenge: str | None = None,
    ) -> AuthenticationResult:
        """Sign in and answer every challenge with ``handlers`` until tokens arrive.

        Raises ``UnhandledChallengeError`` (whose ``.challenge`` can be resumed)
        when a challenge has no handler.
        """
        step = await self.start(
            username,
            password,
            handlers=handlers,
            flow=flow,
            client_metadata=client_metadata,
            preferred_challenge=preferred_challenge,
        )
        if isinstance(step, Challenge):
            raise UnhandledChallengeError(step)
        return step

    async def start(
        self,
        username: str,
        password: str | None = None,
        *,
        handlers: HandlerRegistry | Mapping[str, Handler] | None = None,
        flow: AuthFlow | str | None = None,
        client_metadata: Mapping[str, str] | None = None,
        preferred_challenge: str | None = None,
    ) -> Challenge | AuthenticationResult:
        """Sign in, answering challenges that have a handler; stop at the first that has none.

        Returns the tokens, or the pending ``Challenge`` for the caller to
        answer later with ``resume()`` (keep it with ``to_dict()``).
        """
        registry = HandlerRegistry.coerce(handlers)
        metadata = _check_metadata(client_metadata)
        device = await self._load_device(username)
        sign_in = SignIn(self._config, device=device, client_metadata=metadata)
        event = sign_in.initiate(username, password, flow, preferred_challenge=preferred_challenge)
        return await self._drive(sign_in, event, registry, device_owner=username)

    async def resume(
        self,
        challenge: Challenge,
        answers: Mapping[str, str],
        *,
        handlers: HandlerRegistry | Mapping[str, Handler] | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> Challenge | AuthenticationResult:
        """Answer a challenge returned by ``start()`` and carry on as ``start()`` does.

        Nothing but the challenge survives between requests: pass
        ``client_metadata`` again if the sign-in uses it, and put ``PASSWORD``
        in the answers when answering SELECT_CHALLENGE with PASSWORD or
        PASSWORD_SRP (``start()`` fills it in from its own argument).
        """
        registry = HandlerRegistry.coerce(handlers)
        metadata = _check_metadata(client_metadata)
        device = None
        if isinstance(challenge, Challenge) and challenge.device_key is not None:
            device = await self._load_device(challenge.username)
            if device is None or device.device_key != challenge.device_key:
                raise ConfigurationError(
                    "this challenge belongs to a sign-in with a remembered device "
                    "that the device store no longer has"
                )
        sign_in = SignIn(self._config, device=device, client_metadata=metadata)
        event = sign_in.resume(challenge, answers)
        return await self._drive(sign_in, event, registry, device_owner=challenge.username)

    async def refresh(
        self,
        refresh_token: str,
        *,
        username: str | None = None,
        client_metadata: Mapping[str, str] | None = None,
    ) -> AuthenticationResult:
        """New tokens from a refresh token.

        Uses GetTokensFromRefreshToken, which app clients that rotate refresh
        tokens require; on a service without it (moto), REFRESH_TOKEN_AUTH.
        ``result.refresh_token`` is the token to keep from now on: the new one
        where the client rotates them, else the one passed in. ``username``
        finds the remembered device (for its DEVICE_KEY), and is needed for
        SECRET_HASH only on the REFRESH_TOKEN_AUTH fallback.
        """
        metadata = _check_metadata(client_metadata)
        device = await self._load_device(username) if username else None
        sign_in = SignIn(self._config, device=device, client_metadata=metadata)
        call = sign_in.refresh(refresh_token, username, get_tokens=self._state.get_tokens)
        result = await self._drive(sign_in, call, HandlerRegistry.coerce(None))
        if sign_in.fell_back:
            self._state.get_tokens = False
        assert isinstance(result, AuthenticationResult)  # the core allows nothing else
        return result

    # -- the loop -------------------------------------------------------------

    async def _drive(
        self,
        sign_in: SignIn,
        event: Any,
        registry: HandlerRegistry,
        *,
        device_owner: str | None = None,
    ) -> Challenge | AuthenticationResult:
        """Run the conversation: send its calls, run its maths, ask the handlers.

        ``device_owner`` is the user name the remembered device was found
        under, to forget it there if the service has forgotten it.
        """
        while True:
            if isinstance(event, Call):
                try:
                    response = await self._send(event)
                except (ServiceError, TransportError) as exc:
                    retry = sign_in.failed(exc)
                    if sign_in.dropped_device is not None and device_owner is not None:
                        await self._forget_device(device_owner)
                    if retry is None:
                        raise
                    logger.debug("%s failed; the core goes on another way", event.api_name)
                    event = retry
                    continue
                event = sign_in.receive(response)
            elif isinstance(event, Compute):
                event = sign_in.computed(await self._run(event))
            elif isinstance(event, AuthenticationResult):
                logger.debug("sign-in complete (flow %s)", sign_in.flow or "resume")
                return await self._confirm_new_device(event, sign_in.username)
            elif isinstance(event, Challenge):
                logger.debug("challenge %s (round %d)", event.name, sign_in.rounds)
                handler = registry.get(event.name)
                if handler is None:
                    return event
                context = ChallengeContext(
                    client=self,
                    round=sign_in.rounds,
                    flow=sign_in.flow,
                    client_metadata=sign_in.client_metadata,
                )
                answers = await self._ask(handler, event, context)
                event = sign_in.answer(event, answers)
            else:  # pragma: no cover - the core returns nothing else
                raise UnexpectedResponseError(f"unknown step {type(event).__name__}")

    async def _ask(
        self, handler: Handler, challenge: Challenge, context: ChallengeContext
    ) -> dict[str, str]:
        name = getattr(handler, "__qualname__", None) or type(handler).__name__
        try:
            result: Any = handler(challenge, context)
            if inspect.isawaitable(result):
                result = await result
        except CognitoFlowError:
            raise
        except Exception as exc:
            # The handler's own message may quote what the user typed, so only
            # its type is repeated here; the exception stays as __cause__.
            raise HandlerError(
                f"the handler {name} for {challenge.name} raised {type(exc).__name__} "
                "(the original exception is its __cause__)",
                challenge_name=challenge.name,
                handler=name,
            ) from exc
        try:
            return parse_answers(challenge.name, result)
        except ConfigurationError as exc:
            raise HandlerError(
                f"the handler {name} returned bad answers: {exc}",
                challenge_name=challenge.name,
                handler=name,
            ) from None

    async def _run(self, compute: Compute) -> Any:
        loop = asyncio.get_running_loop()
        try:
            if self._executor is None:
                return await worker.submit(compute.fn, srp.release_gil)
            return await loop.run_in_executor(self._executor, compute.fn, srp.release_gil)
        except CognitoFlowError:
            raise
        except ValueError as exc:
            # srp.py refuses values a broken peer sent (SRP_B = 0 mod N, a
            # SECRET_BLOCK that is not base64); its messages hold no values.
            raise UnexpectedResponseError(f"{compute.purpose}: {exc}") from exc

    async def _send(self, call: Call) -> Mapping[str, Any]:
        """Send ``call``; again after a retryable failure only if the core marked it retry_safe."""
        self._check_loop()
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
        method = getattr(self._idp, call.operation, None)
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

    def _check_loop(self) -> None:
        # aiobotocore's connection pool belongs to the loop that first used it;
        # from another loop it fails in ways that look like network faults.
        loop = asyncio.get_running_loop()
        owner = self._state.loop
        if owner is None:
            missing = _missing_from_model(self._idp)
            if missing:
                raise ConfigurationError(
                    "this aiobotocore client's service model is too old for cognito_flow "
                    f"(it lacks {', '.join(missing)}): install aiobotocore 2.23.0 or newer"
                )
            self._state.loop = loop
            if _resends(self._idp):
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

    # -- remembered devices -----------------------------------------------------

    async def _load_device(self, username: str | None) -> RememberedDevice | None:
        if self.device_store is None or not isinstance(username, str) or not username:
            return None
        return await self.device_store.get(self.user_pool_id, username)

    async def _forget_device(self, username: str) -> None:
        # The service forgot the device (deleted, or expired): forget it too.
        if self.device_store is not None:
            logger.info("remembered device is unknown to the service; dropping it")
            await self.device_store.delete(self.user_pool_id, username)

    async def _confirm_new_device(
        self, result: AuthenticationResult, username: str
    ) -> AuthenticationResult:
        if result.new_device_metadata is None or self.device_store is None:
            return result
        steps = NewDeviceSteps(
            access_token=result.access_token,
            metadata=result.new_device_metadata,
            device_name=self.device_name,
            remember=self.remember_devices,
            fallback_username=username or None,
        )
        event: Call | Compute | DeviceOutcome = steps.start()
        while not isinstance(event, DeviceOutcome):
            step = event
            try:
                if isinstance(step, Compute):
                    event = steps.computed(await self._run(step))
                else:
                    event = steps.receive(await self._send(step))
            except CognitoFlowError as exc:
                what = step.api_name if isinstance(step, Call) else step.purpose
                code = getattr(exc, "code", type(exc).__name__)
                event = steps.failed(f"{what} failed with {code}")
        outcome = event
        if outcome.device is None:
            # The tokens were issued before these steps: never lose them.
            logger.warning(
                "the new device was not remembered (%s); the sign-in goes on without it",
                outcome.reason,
            )
        elif outcome.username is not None:
            await self.device_store.put(self.user_pool_id, outcome.username, outcome.device)
            logger.debug("confirmed and stored a new device (%s)", outcome.status.value)
        return attrs.evolve(result, new_device=outcome.device, device_status=outcome.status)

"""CognitoAuthClient: the thin async shell around the sans-IO core.

This is the only module that awaits aiobotocore. Its loop asks the core
(``_flow.SignIn``) what to do next, does it, and feeds the outcome back.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import attrs
import botocore.exceptions

from . import srp
from ._account import AccountMethods
from ._answers import parse_answers
from ._config import FlowConfig, check_pool_id
from ._context import RequestContext
from ._device_methods import DeviceMethods, check_device
from ._devices import DeviceStore
from ._errors import check_text
from ._events import Call, Compute, LoadDevice
from ._flow import SignIn
from ._models import AuthenticationResult, AuthFlow, Challenge, RememberedDevice
from ._registry import ChallengeContext, Handler, HandlerRegistry
from ._transport import Transport, safe_aio_config
from ._worker import worker
from .exceptions import (
    CognitoFlowError,
    ConfigurationError,
    HandlerError,
    ServiceError,
    TransportError,
    UnexpectedResponseError,
    UnhandledChallengeError,
)

if TYPE_CHECKING:
    from types_aiobotocore_cognito_idp import CognitoIdentityProviderClient

__all__ = ["CognitoAuthClient"]

logger = logging.getLogger("cognito_flow")


def _check_metadata(client_metadata: object) -> Mapping[str, str] | None:
    if client_metadata is None:
        return None
    if not isinstance(client_metadata, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in client_metadata.items()
    ):
        raise ConfigurationError("client_metadata must be a mapping of strings to strings")
    check_text(client_metadata, "client_metadata", ConfigurationError)
    return dict(client_metadata)


@attrs.define
class _ClientState:
    """What a frozen client learns as it runs."""

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
class CognitoAuthClient(AccountMethods, DeviceMethods):
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
    _transport: Transport = attrs.field(
        init=False,
        default=attrs.Factory(
            lambda self: Transport(self._idp, self.max_attempts), takes_self=True
        ),
    )

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
        async with contextlib.AsyncExitStack() as stack:
            try:
                idp = await stack.enter_async_context(
                    aio_session.create_client(
                        "cognito-idp",
                        region_name=region_name or user_pool_id.split("_", 1)[0],
                        endpoint_url=endpoint_url,
                        config=(
                            safe_aio_config() if config is None else safe_aio_config().merge(config)
                        ),
                        aws_access_key_id=aws_access_key_id,
                        aws_secret_access_key=aws_secret_access_key,
                        aws_session_token=aws_session_token,
                    )
                )
            except botocore.exceptions.BotoCoreError as exc:
                # A missing profile, a bad region or endpoint: the setup, not the service.
                raise ConfigurationError(
                    f"the cognito-idp client could not be created: {type(exc).__name__}: {exc}"
                ) from exc
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
        device: RememberedDevice | None = None,
        remember_device: bool | None = None,
        context: RequestContext | None = None,
        session: str | None = None,
    ) -> AuthenticationResult:
        """Sign in and answer every challenge with ``handlers`` until tokens arrive.

        Raises ``UnhandledChallengeError`` (whose ``.challenge`` can be resumed)
        when a challenge has no handler. The keyword arguments are ``start()``'s.
        """
        step = await self.start(
            username,
            password,
            handlers=handlers,
            flow=flow,
            client_metadata=client_metadata,
            preferred_challenge=preferred_challenge,
            device=device,
            remember_device=remember_device,
            context=context,
            session=session,
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
        device: RememberedDevice | None = None,
        remember_device: bool | None = None,
        context: RequestContext | None = None,
        session: str | None = None,
    ) -> Challenge | AuthenticationResult:
        """Sign in, answering challenges that have a handler; stop at the first that has none.

        Returns the tokens, or the pending ``Challenge`` for the caller to
        answer later with ``resume()`` (keep it with ``to_dict()``, or seal it
        with ``cognito_flow.web.Sealer``).

        Args:
            device: the remembered device of this browser (or process); None
                with a ``device_store`` looks one up there.
            remember_device: whether to remember the device the service
                creates in this sign-in, where the pool lets the user decide
                (None: the client's ``remember_devices``).
            context: the person's request (``RequestContext``), sent to
                Cognito's threat protection.
            session: the Session from ``confirm_sign_up()``: with
                ``flow="USER_AUTH"`` it signs the new user in without a password.
        """
        registry = HandlerRegistry.coerce(handlers)
        metadata = _check_metadata(client_metadata)
        check_device(device, remember_device, context)
        look_up = device is None and self.device_store is not None
        if look_up:
            device = await self._load_device(username)
        sign_in = SignIn(
            self._config,
            device=device,
            client_metadata=metadata,
            context=context,
            look_up_devices=look_up,
        )
        event = sign_in.initiate(
            username, password, flow, preferred_challenge=preferred_challenge, session=session
        )
        return await self._drive(
            sign_in,
            event,
            registry,
            remember=self._device_choice(device=device, remember_device=remember_device),
            device_owner=username,
        )

    async def resume(
        self,
        challenge: Challenge,
        answers: Mapping[str, str],
        *,
        handlers: HandlerRegistry | Mapping[str, Handler] | None = None,
        client_metadata: Mapping[str, str] | None = None,
        device: RememberedDevice | None = None,
        remember_device: bool | None = None,
        context: RequestContext | None = None,
    ) -> Challenge | AuthenticationResult:
        """Answer a challenge returned by ``start()`` and carry on as ``start()`` does.

        Nothing but the challenge survives between requests: pass
        ``client_metadata``, ``device`` and ``context`` again if the sign-in
        uses them, and put ``PASSWORD`` in the answers when answering
        SELECT_CHALLENGE with PASSWORD or PASSWORD_SRP (``start()`` fills it
        in from its own argument).
        """
        registry = HandlerRegistry.coerce(handlers)
        metadata = _check_metadata(client_metadata)
        check_device(device, remember_device, context)
        if isinstance(challenge, Challenge) and challenge.device_key is not None:
            if device is None:
                device = await self._load_device(challenge.username)
            if device is None or device.device_key != challenge.device_key:
                raise ConfigurationError(
                    "this challenge belongs to a sign-in with a remembered device that the "
                    "device store no longer has: pass that device= again"
                )
        else:
            device = None  # the sign-in started without one; DEVICE_KEY cannot join now
        sign_in = SignIn(self._config, device=device, client_metadata=metadata, context=context)
        event = sign_in.resume(challenge, answers)
        return await self._drive(
            sign_in,
            event,
            registry,
            remember=self._device_choice(device=device, remember_device=remember_device),
            device_owner=challenge.username,
        )

    async def refresh(
        self,
        refresh_token: str,
        *,
        username: str | None = None,
        client_metadata: Mapping[str, str] | None = None,
        device: RememberedDevice | None = None,
        context: RequestContext | None = None,
    ) -> AuthenticationResult:
        """New tokens from a refresh token.

        Uses GetTokensFromRefreshToken, which app clients that rotate refresh
        tokens require; on a service without it (moto), REFRESH_TOKEN_AUTH.
        ``result.refresh_token`` is the token to keep from now on: the new one
        where the client rotates them, else the one passed in. ``device`` (or,
        with a device store, ``username``) sends the remembered device's key;
        ``username`` is needed for SECRET_HASH only on the REFRESH_TOKEN_AUTH
        fallback.
        """
        metadata = _check_metadata(client_metadata)
        check_device(device, None, context)
        if device is None and username:
            device = await self._load_device(username)
        sign_in = SignIn(self._config, device=device, client_metadata=metadata, context=context)
        call = sign_in.refresh(refresh_token, username, get_tokens=self._state.get_tokens)
        result = await self._drive(
            sign_in, call, HandlerRegistry.coerce(None), remember=None, device_owner=None
        )
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
        remember: bool | None,
        device_owner: str | None,
    ) -> Challenge | AuthenticationResult:
        """Run the conversation: send its calls, run its maths, ask the handlers.

        ``remember`` says what to do with a device the service creates: None
        leaves it unconfirmed (nobody would keep it), else it is confirmed
        and remembered or not. ``device_owner`` is the user name the
        remembered device was found under, to forget it there if the service
        has forgotten it.
        """
        while True:
            if isinstance(event, Call):
                try:
                    response = await self._transport.send(event)
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
            elif isinstance(event, LoadDevice):
                event = sign_in.device_loaded(await self._load_device(event.username))
            elif isinstance(event, AuthenticationResult):
                logger.debug("sign-in complete (flow %s)", sign_in.flow or "resume")
                if remember is None:
                    return event
                return await self._confirm_new_device(event, sign_in.username, remember=remember)
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

"""Service conversations written once, played by the core alone and by a stubbed client.

Not a test module. A ``Conversation`` is the service's side of one sign-in:
request -> response steps, each with the exact request the library must send
(built by ``stubbed.py`` independently of the library: Session, USERNAME and
SECRET_HASH included) and the response or service error to give back.
``Play`` runs it, h11 ``ConnectionPair`` style, with one of two players:

- ``core``: drives the sans-IO ``SignIn`` directly, with no botocore client;
  each ``Call`` is checked against the next step and answered from it
  (service errors go through the same translation as the shell's).
- ``stubber``: a public ``CognitoAuthClient`` on a real aiobotocore client
  whose calls aiobotocore's ``AioStubber`` checks and answers.

and one of two ways of answering challenges:

- ``handlers``: ``authenticate()`` with a handler for every challenge;
- ``resume``: ``start()`` / ``resume()``, every challenge kept as JSON
  (``to_dict`` / ``from_dict``) between two steps, as a web backend does.

The caller's side is a list of answers, one per challenge, in order. A
handler given by a test (a built-in one) must answer exactly what that list
says. An error carrying a challenge (a wrong code) is recorded and, if
answers remain, the challenge it carries is resumed with the next ones.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, Protocol

import attrs
from aiobotocore.stub import AioStubber
from botocore.exceptions import ClientError, StubResponseError
from stubbed import (
    CLIENT_ID,
    POOL_ID,
    TOKENS,
    initiate_method,
    initiate_params,
    password_flow,
    respond_method,
    respond_params,
    stubbed_client,
)

from cognito_flow import (
    AuthenticationResult,
    Challenge,
    ChallengeContext,
    CognitoAuthClient,
    CognitoFlowError,
    Handler,
    HandlerRegistry,
)
from cognito_flow._config import FlowConfig
from cognito_flow._events import Call, Compute, LoadDevice
from cognito_flow._flow import SignIn
from cognito_flow._transport import translate_error

__all__ = [
    "MODES",
    "PLAYERS",
    "Conversation",
    "Mode",
    "Outcome",
    "Play",
    "Player",
    "Same",
    "Start",
    "Step",
    "answer_with",
    "assert_signed_in",
    "round_trip",
]

Player = Literal["core", "stubber"]
Mode = Literal["handlers", "resume"]
PLAYERS: tuple[Player, ...] = ("core", "stubber")
MODES: tuple[Mode, ...] = ("handlers", "resume")

#: Where a start() or resume() stops.
Reached = Challenge | AuthenticationResult
#: The handlers of a sign-in (handlers mode), or None (resume mode).
Handlers = Mapping[str, Handler] | None
Answers = Mapping[str, str]
Metadata = Mapping[str, str] | None


class Same:
    """In an expected request: a value the script cannot know (an SRP signature),
    any at its first comparison, then only that one: it must be sent again unchanged."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self) -> None:
        self.seen: list[object] = []

    def __eq__(self, other: object) -> bool:
        if not self.seen:
            self.seen.append(other)
        return bool(other == self.seen[0])

    def __repr__(self) -> str:
        return f"<the same as {self.seen[0]!r}>" if self.seen else "<any, then the same>"


@attrs.frozen
class Step:
    """One request the library must send, and what the service answers."""

    operation: str
    params: dict[str, Any]
    response: dict[str, Any] | None = None
    #: (code, message) of the service error to fail the call with.
    error: tuple[str, str] | None = None
    http_status: int = 400

    def client_error(self) -> ClientError:
        """The botocore error aiobotocore raises for this step's service error."""
        assert self.error is not None
        code, message = self.error
        response: Any = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": self.http_status},
        }
        api = "".join(part.capitalize() for part in self.operation.split("_"))
        return ClientError(response, api)


@attrs.define
class Conversation:
    """The service's side of one sign-in, as request -> response steps."""

    admin: bool
    secret: str | None
    #: ClientMetadata the caller passes, which every auth call must carry.
    client_metadata: Mapping[str, str] | None = None
    steps: list[Step] = attrs.field(factory=list)

    @property
    def password_flow(self) -> str:
        """ADMIN_USER_PASSWORD_AUTH or USER_PASSWORD_AUTH, to match ``admin``."""
        return password_flow(self.admin)

    def call(
        self,
        operation: str,
        params: Mapping[str, Any],
        response: Mapping[str, Any] | None = None,
        *,
        error: tuple[str, str] | None = None,
        http_status: int = 400,
    ) -> None:
        """Expect ``operation`` with exactly ``params``; answer ``response`` or fail with ``error``."""
        body = None if error is not None else dict(response or {})
        self.steps.append(Step(operation, dict(params), body, error, http_status))

    def initiate(
        self,
        response: Mapping[str, Any] | None,
        *,
        username: str,
        flow: str | None = None,
        error: tuple[str, str] | None = None,
        http_status: int = 400,
        auth: Mapping[str, str] | None = None,
        **auth_parameters: Any,
    ) -> None:
        """Expect (Admin)InitiateAuth for ``username`` with ``auth`` and ``auth_parameters``.

        A parameter the script cannot know (SRP_A) may be botocore's ``stub.ANY``.

        Answer ``response``, or fail with the service ``error``.
        """
        params = initiate_params(
            admin=self.admin,
            secret=self.secret,
            flow=flow or self.password_flow,
            auth_parameters={"USERNAME": username, **(auth or {}), **auth_parameters},
            client_metadata=self.client_metadata,
        )
        self.call(
            initiate_method(self.admin), params, response, error=error, http_status=http_status
        )

    def respond(
        self,
        challenge: str,
        answers: Mapping[str, Any],
        response: Mapping[str, Any] | None,
        *,
        username: str,
        session: str | None,
        error: tuple[str, str] | None = None,
    ) -> None:
        """Expect (Admin)RespondToAuthChallenge answering ``challenge`` with ``answers``."""
        params = respond_params(
            admin=self.admin,
            secret=self.secret,
            challenge=challenge,
            username=username,
            session=session,
            answers=answers,
            client_metadata=self.client_metadata,
        )
        self.call(respond_method(self.admin), params, response, error=error)

    def challenge_names(self) -> set[str]:
        """Every challenge the service asks in this conversation."""
        return {
            str(step.response["ChallengeName"])
            for step in self.steps
            if step.response is not None and "ChallengeName" in step.response
        }

    def stub(self, stubber: AioStubber) -> None:
        """Queue every step on ``stubber``, each with its exact expected request."""
        for step in self.steps:
            if step.error is None:
                response = copy.deepcopy(step.response or {})
                stubber.add_response(step.operation, response, step.params)
            else:
                code, message = step.error
                stubber.add_client_error(
                    step.operation,
                    service_error_code=code,
                    service_message=message,
                    http_status_code=step.http_status,
                    expected_params=step.params,
                )


@attrs.define
class Outcome:
    """What the caller saw: every challenge asked, every error raised, the tokens."""

    challenges: list[Challenge] = attrs.field(factory=list)
    errors: list[CognitoFlowError] = attrs.field(factory=list)
    result: AuthenticationResult | None = None
    #: The contexts handlers were called with (handlers mode).
    contexts: list[ChallengeContext] = attrs.field(factory=list)

    @property
    def error(self) -> CognitoFlowError:
        """The error the conversation ended with."""
        assert self.result is None, "the sign-in ended with tokens"
        assert self.errors, "the sign-in ended with no error"
        return self.errors[-1]


@attrs.frozen
class Start:
    """How the caller opens the sign-in."""

    username: str
    password: str | None = None
    flow: str | None = None
    preferred_challenge: str | None = None
    client_metadata: Mapping[str, str] | None = None


class Side(Protocol):
    """One player: the library as the caller meets it."""

    async def start(self, how: Start, handlers: Handlers) -> Reached: ...

    async def resume(
        self, challenge: Challenge, answers: Answers, handlers: Handlers, metadata: Metadata
    ) -> Reached: ...


@attrs.define
class CoreSide:
    """The sans-IO core alone: each Call is checked against the script and answered from it."""

    config: FlowConfig
    script: deque[Step]

    async def start(self, how: Start, handlers: Handlers) -> Reached:
        sign_in = SignIn(self.config, client_metadata=how.client_metadata)
        event = sign_in.initiate(
            how.username, how.password, how.flow, preferred_challenge=how.preferred_challenge
        )
        return await self._drive(sign_in, event, handlers)

    async def resume(
        self, challenge: Challenge, answers: Answers, handlers: Handlers, metadata: Metadata
    ) -> Reached:
        sign_in = SignIn(self.config, client_metadata=metadata)
        return await self._drive(sign_in, sign_in.resume(challenge, answers), handlers)

    async def _drive(self, sign_in: SignIn, event: object, handlers: Handlers) -> Reached:
        while True:
            if isinstance(event, Call):
                assert self.script, f"unexpected {event.api_name}: the conversation is over"
                step = self.script.popleft()
                sent = (event.operation, dict(event.params))
                assert sent == (step.operation, step.params), f"sent {sent}, expected {step}"
                if step.error is None:
                    event = sign_in.receive(copy.deepcopy(step.response))
                    continue
                cause = step.client_error()
                error = translate_error(cause, event)
                retry = sign_in.failed(error)
                if retry is None:
                    raise error from cause
                event = retry
            elif isinstance(event, Compute):
                event = sign_in.computed(event.fn(None))
            elif isinstance(event, LoadDevice):
                event = sign_in.device_loaded(None)
            elif isinstance(event, Challenge) and handlers and event.name in handlers:
                context = ChallengeContext(
                    client=None,
                    round=sign_in.rounds,
                    flow=sign_in.flow,
                    client_metadata=sign_in.client_metadata,
                )
                event = sign_in.answer(event, await handlers[event.name](event, context))
            else:
                assert isinstance(event, Challenge | AuthenticationResult)
                return event


@attrs.define
class ClientSide:
    """The public CognitoAuthClient on a stubbed aiobotocore client."""

    auth: CognitoAuthClient

    async def start(self, how: Start, handlers: Handlers) -> Reached:
        options: dict[str, Any] = {
            "flow": how.flow,
            "preferred_challenge": how.preferred_challenge,
            "client_metadata": how.client_metadata,
        }
        if handlers is not None:
            # A HandlerRegistry here, a plain mapping on resume(): both are accepted.
            registry = HandlerRegistry(handlers=dict(handlers))
            return await self.auth.authenticate(
                how.username, how.password, handlers=registry, **options
            )
        return await self.auth.start(how.username, how.password, **options)

    async def resume(
        self, challenge: Challenge, answers: Answers, handlers: Handlers, metadata: Metadata
    ) -> Reached:
        return await self.auth.resume(
            challenge, answers, handlers=handlers, client_metadata=metadata
        )


@contextlib.asynccontextmanager
async def _side(talk: Conversation, player: Player, options: Any) -> AsyncIterator[Side]:
    if player == "core":
        script = deque(talk.steps)
        # max_attempts is the shell's (it re-sends calls); the core never re-sends.
        options.pop("max_attempts", None)
        config = FlowConfig(
            user_pool_id=POOL_ID,
            client_id=CLIENT_ID,
            client_secret=talk.secret,
            admin=talk.admin,
            **options,
        )
        yield CoreSide(config, script)
        # On a clean exit, like the stubber: every scripted call was made.
        assert not script, f"{len(script)} scripted calls were never made"
        return
    async with stubbed_client(admin=talk.admin, secret=talk.secret, **options) as (auth, stubber):
        talk.stub(stubber)
        yield ClientSide(auth)


def round_trip(challenge: Challenge) -> Challenge:
    """What a web backend does between two requests: keep the challenge as JSON, read it back."""
    restored = Challenge.from_dict(json.loads(json.dumps(challenge.to_dict())))
    assert restored == challenge
    assert restored.session == challenge.session
    return restored


@attrs.frozen
class Play:
    """Plays a conversation with one player, answering challenges one way (a fixture)."""

    player: Player
    mode: Mode

    async def __call__(
        self,
        talk: Conversation,
        username: str,
        password: str | None = None,
        *,
        answers: Sequence[Mapping[str, str]] = (),
        handlers: Mapping[str, Handler] | None = None,
        flow: str | None = None,
        preferred_challenge: str | None = None,
        **options: Any,
    ) -> Outcome:
        """Run ``talk``, answering its challenges in order from ``answers``.

        ``flow`` defaults to the plain-password flow of the API when a password
        is given; ``options`` go to the client (``max_rounds``...). Every
        scripted call must be made, and no other.
        """
        if flow is None and password is not None:
            flow = talk.password_flow
        how = Start(username, password, flow, preferred_challenge, talk.client_metadata)
        return await self._run(talk, how, deque(answers), handlers, options)

    def side(
        self, talk: Conversation, **options: Any
    ) -> contextlib.AbstractAsyncContextManager[Side]:
        """The player alone, for a test that calls start() / resume() itself."""
        return _side(talk, self.player, options)

    async def _run(
        self,
        talk: Conversation,
        how: Start,
        queue: deque[Mapping[str, str]],
        handlers: Mapping[str, Handler] | None,
        options: dict[str, Any],
    ) -> Outcome:
        outcome = Outcome()
        registry = None
        if self.mode == "handlers":
            registry = _answering(talk, queue, outcome, handlers or {})
        async with _side(talk, self.player, options) as side:
            action = functools.partial(side.start, how, registry)
            while True:
                try:
                    step = await action()
                except CognitoFlowError as exc:
                    if isinstance(exc.__cause__, StubResponseError):
                        # The stubber refused a request: the library translated
                        # the refusal like any other failure, but it fails the test.
                        raise exc.__cause__ from None
                    outcome.errors.append(exc)
                    # A wrong code hands the challenge back: answer it again.
                    challenge: Challenge | None = getattr(exc, "challenge", None)
                    if challenge is None or not queue:
                        return outcome
                else:
                    if isinstance(step, AuthenticationResult):
                        outcome.result = step
                        return outcome
                    outcome.challenges.append(step)
                    challenge = step
                    if not queue:
                        return outcome
                if self.mode == "resume":
                    challenge = round_trip(challenge)
                action = functools.partial(
                    side.resume, challenge, queue.popleft(), registry, how.client_metadata
                )


def _answering(
    talk: Conversation,
    queue: deque[Mapping[str, str]],
    outcome: Outcome,
    given: Mapping[str, Handler],
) -> dict[str, Handler]:
    """A handler for every challenge of ``talk``: each takes the next answers from ``queue``.

    Where the test gives a handler, it runs and must answer just that.
    """

    def make_handler(name: str) -> Handler:
        async def handler(challenge: Challenge, context: ChallengeContext) -> Mapping[str, str]:
            outcome.challenges.append(challenge)
            outcome.contexts.append(context)
            assert queue, f"no answer left for {challenge.name}"
            expected = queue.popleft()
            if name in given:
                answered = await given[name](challenge, context)
                assert dict(answered) == dict(expected)
            return expected

        return handler

    return {name: make_handler(name) for name in talk.challenge_names() | set(given)}


def answer_with(
    value: str, seen: list[Challenge] | None = None
) -> Callable[[Challenge], Awaitable[str]]:
    """An async callback for the built-in handler factories: records its challenge, returns ``value``."""

    async def callback(challenge: Challenge) -> str:
        if seen is not None:
            seen.append(challenge)
        return value

    return callback


def assert_signed_in(outcome: Outcome) -> AuthenticationResult:
    """The conversation ended with the scripted tokens."""
    result = outcome.result
    assert result is not None, f"no tokens: {outcome.errors!r}"
    assert result.access_token == TOKENS["AccessToken"]
    assert result.refresh_token == TOKENS["RefreshToken"]
    assert result.expires_in == TOKENS["ExpiresIn"]
    return result

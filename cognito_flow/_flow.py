"""The sans-IO core: every rule of Cognito's challenge protocol, and no IO.

Theory of operation
-------------------

A sign-in is a conversation with the service. ``SignIn`` is one such
conversation as a state machine that never awaits and never touches the
network; the async shell (``_client.py``) drives it::

    event = sign_in.initiate(...)      # or .resume(challenge, answers), or .refresh(token)
    loop:
        Call      -> send it; feed the answer to sign_in.receive(response), or a
                     failure to sign_in.failed(error) (which may give a Call to send instead)
        Compute   -> run event.fn off the event loop; feed its value to sign_in.computed()
        Challenge -> somebody must answer: sign_in.answer(challenge, answers),
                     or hand the Challenge to the caller and stop
        AuthenticationResult -> done

What the conversation waits for is one small frozen record in ``SignIn.state``
(``AwaitingAuth``, ``AwaitingSrpA``, ``AwaitingClaim``, ...): ``receive()``,
``computed()``, ``answer()`` and ``failed()`` dispatch on it, and its repr
says what the sign-in waits for. What happens when challenge X arrives is
on one screen in ``_challenges.py``: ``ANSWERED_BY_THE_CORE`` (the core
answers it without the caller, when it can) and ``CALLER_ANSWERS`` (what the
core adds to the caller's answers). Everything else goes out as it came in.

The core owns every protocol rule: which operation comes next; USERNAME as
the canonical name the service returned (USER_ID_FOR_SRP where given), with
SECRET_HASH from that same name (``_requests.py`` builds the requests); the
Session of the latest answer, or none where none came (real Cognito sends
PASSWORD_VERIFIER without one); the extra calls of MFA_SETUP
(AssociateSoftwareToken, VerifySoftwareToken); the loop guard; the refresh
rule (GetTokensFromRefreshToken, or REFRESH_TOKEN_AUTH where the service
lacks it; never a challenge); and a remembered device that the service has
forgotten (dropped, and the sign-in starts again without it).

SRP maths is pure but heavy (milliseconds of big-integer work), so the core
does not run it: it returns a ``Compute`` whose function the shell runs in a
worker thread, keeping the web server's event loop responsive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._answers import (
    parse_answers,
)
from ._challenges import ANSWERED_BY_THE_CORE, CALLER_ANSWERS, ChallengeRules
from ._config import PLAIN_PASSWORD_FLOWS, FlowConfig, check_refresh, check_start
from ._context import RequestContext
from ._errors import ConfigurationError, InvalidChallengeError, check_text
from ._events import Call, Event, LoadDevice
from ._models import AuthenticationResult, Challenge, RememberedDevice
from ._names import AuthFlow, ChallengeName
from ._requests import Requests
from ._responses import (
    associated,
    auth_response,
    lacks_operation,
    refreshed,
    response_object,
    verified_session,
)
from ._states import (
    AwaitingAnswer,
    AwaitingAuth,
    AwaitingClaim,
    AwaitingDevice,
    AwaitingRefresh,
    AwaitingSecret,
    AwaitingSrpA,
    AwaitingVerification,
    Done,
    Idle,
    PendingAnswer,
    PendingInitiate,
    SrpA,
    State,
)
from .exceptions import (
    CognitoFlowError,
    DeviceNotFoundError,
    ServiceError,
    TooManyChallengesError,
)

__all__ = ["SignIn"]


@attrs.define
class SignIn(ChallengeRules):
    """One sign-in conversation (see the module docstring).

    Not thread-safe and not reusable: make one per ``start()``/``resume()``.
    """

    config: FlowConfig = attrs.field(repr=False)
    device: RememberedDevice | None = attrs.field(default=None, repr=False)
    client_metadata: Mapping[str, str] | None = attrs.field(default=None, repr=False)
    context: RequestContext | None = attrs.field(default=None, repr=False)
    #: Ask for the remembered device kept under USER_ID_FOR_SRP (``LoadDevice``)
    #: when PASSWORD_VERIFIER names the user otherwise than the name looked up.
    look_up_devices: bool = attrs.field(default=False, kw_only=True)

    #: What the conversation waits for.
    state: State = attrs.field(factory=Idle, init=False)
    flow: str = attrs.field(default="", init=False)
    rounds: int = attrs.field(default=0, init=False)
    #: This refresh went to REFRESH_TOKEN_AUTH (the service lacks GetTokensFromRefreshToken).
    fell_back: bool = attrs.field(default=False, init=False)
    #: The remembered device the service no longer knows, dropped by this sign-in.
    dropped_device: RememberedDevice | None = attrs.field(default=None, init=False, repr=False)
    _username: str = attrs.field(default="", init=False, repr=False)
    _password: str | None = attrs.field(default=None, init=False, repr=False)
    _preferred: str | None = attrs.field(default=None, init=False, repr=False)
    _srp: SrpA | None = attrs.field(default=None, init=False, repr=False)
    _refresh_token: str = attrs.field(default="", init=False, repr=False)
    _signup_session: str | None = attrs.field(default=None, init=False, repr=False)
    _looked_up: set[str] = attrs.field(factory=set, init=False, repr=False)
    _requests: Requests = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._requests = Requests(self.config, self.device, self.client_metadata, self.context)

    @property
    def username(self) -> str:
        """The user name the service knows the user by, as far as this sign-in has learnt it."""
        return self._username

    # -- entry points -----------------------------------------------------------

    def initiate(
        self,
        username: str,
        password: str | None,
        flow: str | None = None,
        *,
        preferred_challenge: str | None = None,
        session: str | None = None,
    ) -> Event:
        """Begin a sign-in: the first InitiateAuth / AdminInitiateAuth.

        ``session`` is the Session ConfirmSignUp returned: with USER_AUTH it
        signs the new user in without a password.
        """
        self._expect(Idle)
        self.flow = check_start(self.config, username, password, flow, preferred_challenge)
        if session is not None:
            if self.flow != AuthFlow.USER_AUTH:
                raise ConfigurationError("session= (from confirm_sign_up) needs flow USER_AUTH")
            if not isinstance(session, str) or len(session) < 20:
                raise ConfigurationError("session must be the Session string confirm_sign_up gave")
            check_text(session, "session", ConfigurationError)
        self._signup_session = session
        self._looked_up.add(username)
        self._username = username
        self._password = password
        self._preferred = preferred_challenge
        return self._first_request()

    def refresh(self, refresh_token: str, username: str | None, *, get_tokens: bool = True) -> Call:
        """New tokens from a refresh token.

        GetTokensFromRefreshToken by default: the only way on an app client
        that rotates refresh tokens (it refuses REFRESH_TOKEN_AUTH), and it
        takes ClientSecret itself, so no user name is needed. A service that
        lacks the operation (moto) gets REFRESH_TOKEN_AUTH instead (see
        ``failed``); ``get_tokens=False`` starts there, once the shell knows.
        """
        self._expect(Idle)
        check_refresh(refresh_token, username)
        self.flow = AuthFlow.REFRESH_TOKEN_AUTH
        self._username = username or ""
        self._refresh_token = refresh_token
        if get_tokens:
            self.state = AwaitingRefresh(get_tokens=True)
            return self._requests.get_tokens(refresh_token)
        return self._refresh_token_auth()

    def resume(self, challenge: Challenge, answers: object) -> Event:
        """Answer a challenge returned earlier, perhaps by another process."""
        self._expect(Idle)
        if not isinstance(challenge, Challenge):
            raise InvalidChallengeError(
                f"resume() needs a Challenge, not {type(challenge).__name__}; "
                "use Challenge.from_dict() on stored data"
            )
        check_text(challenge.to_dict(), "the challenge", InvalidChallengeError)
        self._username = challenge.username
        self.state = AwaitingAnswer(challenge)
        return self.answer(challenge, answers)

    # -- events from the shell --------------------------------------------------

    def receive(self, response: object) -> Event:
        """Feed the service's answer to the last ``Call``."""
        match self.state:
            case AwaitingAuth():
                event = auth_response(
                    response_object(response, "the service"),
                    username=self._username,
                    device_key=self.device.device_key if self.device else None,
                )
                if isinstance(event, AuthenticationResult):
                    self.state = Done()
                    return event
                return self._challenge(event)
            case AwaitingRefresh():
                self.state = Done()
                return refreshed(response_object(response, "the refresh"), self._refresh_token)
            case AwaitingSecret(challenge):
                answer = response_object(response, "AssociateSoftwareToken")
                with_secret = associated(answer, challenge, issuer=self.config.totp_issuer)
                self.state = AwaitingAnswer(with_secret)
                return with_secret
            case AwaitingVerification(challenge):
                self.state = Done()  # until the code is known to be right
                answer = response_object(response, "VerifySoftwareToken")
                session = verified_session(answer, challenge)
                return self._respond(ChallengeName.MFA_SETUP, challenge.username, session, {})
            case _:
                raise self._out_of_order("a service answer")

    def computed(self, value: Any) -> Event:
        """Feed the value of the last ``Compute``'s function."""
        match self.state:
            case AwaitingSrpA(PendingInitiate(parameters, secrets)):
                self._srp = value
                return self._initiate_call({**parameters, "SRP_A": value.a_hex}, secrets)
            case AwaitingSrpA(PendingAnswer(challenge, answers, answering)):
                self._srp = value
                return self._respond(
                    challenge.name,
                    challenge.username,
                    challenge.session,
                    {**answers, "SRP_A": value.a_hex},
                    answering=answering,
                )
            case AwaitingClaim(challenge, username):
                return self._send_claim(challenge, username, value)
            case _:
                raise self._out_of_order("a computed value")

    def device_loaded(self, device: RememberedDevice | None) -> Event:
        """Feed the device ``LoadDevice`` found (or None): it signs in from here on."""
        match self.state:
            case AwaitingDevice(challenge):
                if device is not None:
                    self._use_device(device)
                    challenge = attrs.evolve(challenge, device_key=device.device_key)
                return self._route(challenge)
            case _:
                raise self._out_of_order("a loaded device")

    def answer(self, challenge: Challenge, answers: object) -> Event:
        """Answer ``challenge`` (the one just returned) with the caller's answers."""
        self._expect(AwaitingAnswer)
        given = parse_answers(challenge.name, answers)
        how = CALLER_ANSWERS.get(challenge.name, SignIn._answer_as_given)
        return how(self, challenge, given)

    def failed(self, error: CognitoFlowError) -> Event | None:
        """The last call failed with ``error``: the next step, or None when the conversation is over.

        Three failures have a next step. A service without
        GetTokensFromRefreshToken (moto answers it with a bare HTTP 500) is
        asked with REFRESH_TOKEN_AUTH, and ``fell_back`` tells the shell to
        start there next time. A PASSWORD_VERIFIER answered with USERNAME =
        USER_ID_FOR_SRP, refused as an unknown user by a service that also
        named the user differently (moto, in pools where users sign in with a
        user name), is answered once more with that USERNAME; Cognito itself
        never refuses USER_ID_FOR_SRP. And a remembered device the service no
        longer knows is dropped (``dropped_device``): a sign-in started here
        starts again without it.

        (A wrong code leaves the Session usable for a few more tries: the
        error already carries the challenge to resume, from ``Call.answering``.)
        """
        self._expect(AwaitingAuth | AwaitingRefresh | AwaitingSecret | AwaitingVerification)
        match self.state:
            case AwaitingRefresh(get_tokens=True) if lacks_operation(error):
                return self._refresh_token_auth()
            case AwaitingAuth(fallback=Call() as fallback, fallback_username=name) if (
                isinstance(error, ServiceError) and error.code == "UserNotFoundException"
            ):
                self._username = name
                self.state = AwaitingAuth()
                return fallback
        if isinstance(error, DeviceNotFoundError) and self.device is not None:
            self.dropped_device = self.device
            self._use_device(None)
            if self.flow and self.flow != AuthFlow.REFRESH_TOKEN_AUTH:
                # The service forgot the device (deleted, or expired): sign in
                # as from a new device, with a fresh conversation.
                self.rounds = 0
                self._srp = None
                return self._first_request()
        self.state = Done()
        return None

    # -- the first request ------------------------------------------------------

    def _first_request(self) -> Event:
        """The (Admin)InitiateAuth that opens the flow: with the password, SRP_A, or neither."""
        password, preferred = self._password, self._preferred
        parameters = {"USERNAME": self._username}
        secrets = frozenset({password} if password else ())
        if self.flow in PLAIN_PASSWORD_FLOWS:
            parameters["PASSWORD"] = password or ""
        elif self.flow == AuthFlow.USER_AUTH and preferred is not None:
            parameters["PREFERRED_CHALLENGE"] = preferred
            if preferred == ChallengeName.PASSWORD:
                parameters["PASSWORD"] = password or ""
            elif preferred == ChallengeName.PASSWORD_SRP:
                return self._srp_a_for(PendingInitiate(parameters, secrets))
        elif self.flow == AuthFlow.CUSTOM_AUTH and password is not None:
            # Custom auth that opens with SRP: the password step comes first.
            parameters["CHALLENGE_NAME"] = "SRP_A"
            return self._srp_a_for(PendingInitiate(parameters, secrets))
        elif self.flow == AuthFlow.USER_SRP_AUTH:
            return self._srp_a_for(PendingInitiate(parameters, secrets))
        return self._initiate_call(parameters, secrets)

    def _initiate_call(self, parameters: Mapping[str, str], secrets: frozenset[str]) -> Call:
        self.state = AwaitingAuth()
        return self._requests.initiate(
            AuthFlow(self.flow),
            parameters,
            secrets,
            username=self._username,
            session=self._signup_session,
        )

    def _refresh_token_auth(self) -> Call:
        if self.config.client_secret is not None and not self._username:
            raise ConfigurationError(
                "this service has no GetTokensFromRefreshToken, and REFRESH_TOKEN_AUTH on an "
                "app client with a secret needs username= to compute SECRET_HASH"
            )
        self.fell_back = True
        self.state = AwaitingRefresh(get_tokens=False)
        return self._requests.initiate(
            AuthFlow.REFRESH_TOKEN_AUTH,
            {"REFRESH_TOKEN": self._refresh_token},
            {self._refresh_token},
            username=self._username or None,
        )

    # -- challenges ---------------------------------------------------------------

    def _challenge(self, challenge: Challenge) -> Event:
        """Count the round, then answer what the core can answer alone; hand the rest on."""
        self._username = challenge.username
        self.rounds += 1
        if self.rounds > self.config.max_rounds:
            self.state = Done()
            raise TooManyChallengesError(self.config.max_rounds, challenge.name)
        if (
            challenge.name == ChallengeName.PASSWORD_VERIFIER
            and self.look_up_devices
            and self.device is None
            and challenge.username not in self._looked_up
        ):
            # Signed in with an alias: the device is kept under the canonical
            # name, which USER_ID_FOR_SRP now gives, and DEVICE_KEY is first
            # needed in this answer (Amplify looks it up the same way).
            self._looked_up.add(challenge.username)
            self.state = AwaitingDevice(challenge)
            return LoadDevice(challenge.username)
        return self._route(challenge)

    def _route(self, challenge: Challenge) -> Event:
        """Answer what the core can answer alone; hand the rest to the caller."""
        how = ANSWERED_BY_THE_CORE.get(challenge.name)
        event = how(self, challenge) if how is not None else None
        if event is None:
            self.state = AwaitingAnswer(challenge)
            return challenge
        return event

    # -- internals ----------------------------------------------------------------

    def _use_device(self, device: RememberedDevice | None) -> None:
        self.device = device
        self._requests = attrs.evolve(self._requests, device=device)

    def _expect(self, state: Any) -> None:
        if not isinstance(self.state, state):
            raise self._out_of_order(f"a call that needs {state}")

    def _out_of_order(self, what: str) -> RuntimeError:
        return RuntimeError(f"SignIn awaits {self.state!r}, not {what}")

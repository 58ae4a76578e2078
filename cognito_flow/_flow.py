"""The sans-IO core: every rule of Cognito's challenge protocol, and no IO.

Theory of operation
-------------------

A sign-in is a conversation with the service. ``SignIn`` is one such
conversation as a state machine that never awaits and never touches the
network; the async shell (``_client.py``) drives it:

    event = sign_in.initiate(...)            # or sign_in.resume(challenge, answers)
    loop:
        Call           -> send it, feed the response dict to sign_in.receive()
                          (a service error goes to sign_in.failed() first)
        Compute        -> run event.fn off the event loop, feed the value to
                          sign_in.computed()
        Challenge      -> somebody must answer: sign_in.answer(challenge, answers)
                          or hand the Challenge to the caller and stop
        AuthenticationResult -> done

The core owns every protocol rule: which operation comes next, the parameters
of each request (USERNAME as the canonical name the service returned,
USER_ID_FOR_SRP where given; SECRET_HASH computed from the USERNAME of that same
request; DEVICE_KEY on every call of a sign-in that has a remembered device;
the Session of the latest answer), which challenges are answered without the
caller (PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER, PASSWORD
and PASSWORD_SRP when the password is known), the extra calls that MFA_SETUP
needs (AssociateSoftwareToken, VerifySoftwareToken, each returning a new
Session), and the loop guard. Handlers only ever supply their own answers.

SRP maths is pure but heavy (milliseconds of big-integer work), so the core
does not run it: it returns a ``Compute`` whose function the shell runs in a
worker thread, keeping the web server's event loop responsive.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import attrs

from . import srp
from ._events import Call, Compute, Event, YieldHook
from ._models import AuthenticationResult, AuthFlow, Challenge, ChallengeName, RememberedDevice
from .exceptions import (
    CodeMismatchError,
    CognitoFlowError,
    ConfigurationError,
    InvalidChallengeError,
    ServiceError,
    TooManyChallengesError,
    TransportError,
    UnexpectedResponseError,
)

__all__ = [
    "Call",
    "Compute",
    "FlowConfig",
    "SignIn",
    "check_text",
    "otpauth_uri",
    "parse_answers",
    "secret_hash",
]

#: Answer keys the core fills in; a handler that returns one is refused.
RESERVED_ANSWER_KEYS = frozenset({"USERNAME", "SECRET_HASH", "DEVICE_KEY", "SESSION", "Session"})

#: What each known challenge needs in its answers (one of the listed sets).
_REQUIRED_ANSWERS: dict[str, tuple[frozenset[str], ...]] = {
    ChallengeName.NEW_PASSWORD_REQUIRED: (frozenset({"NEW_PASSWORD"}),),
    ChallengeName.SMS_MFA: (frozenset({"SMS_MFA_CODE"}),),
    ChallengeName.SOFTWARE_TOKEN_MFA: (frozenset({"SOFTWARE_TOKEN_MFA_CODE"}),),
    ChallengeName.EMAIL_OTP: (frozenset({"EMAIL_OTP_CODE"}),),
    ChallengeName.SMS_OTP: (frozenset({"SMS_OTP_CODE"}),),
    ChallengeName.SELECT_MFA_TYPE: (frozenset({"ANSWER"}),),
    ChallengeName.CUSTOM_CHALLENGE: (frozenset({"ANSWER"}),),
    ChallengeName.SELECT_CHALLENGE: (frozenset({"ANSWER"}),),
    ChallengeName.WEB_AUTHN: (frozenset({"CREDENTIAL"}),),
    ChallengeName.PASSWORD: (frozenset({"PASSWORD"}),),
    ChallengeName.PASSWORD_SRP: (frozenset({"PASSWORD"}),),
    ChallengeName.MFA_SETUP: (
        frozenset({"SOFTWARE_TOKEN_MFA_CODE"}),
        frozenset({"EMAIL"}),
        frozenset({"ANSWER"}),
    ),
}

#: Challenges whose ANSWER names a factor or a challenge, not a secret.
_CHOICE_CHALLENGES = frozenset(
    {ChallengeName.SELECT_MFA_TYPE, ChallengeName.SELECT_CHALLENGE, ChallengeName.MFA_SETUP}
)

#: Flows each API accepts, and whether they need the password up front.
_ADMIN_FLOWS = frozenset(
    {
        AuthFlow.ADMIN_USER_PASSWORD_AUTH,
        AuthFlow.ADMIN_NO_SRP_AUTH,
        AuthFlow.USER_SRP_AUTH,
        AuthFlow.CUSTOM_AUTH,
        AuthFlow.USER_AUTH,
    }
)
_PUBLIC_FLOWS = frozenset(
    {AuthFlow.USER_PASSWORD_AUTH, AuthFlow.USER_SRP_AUTH, AuthFlow.CUSTOM_AUTH, AuthFlow.USER_AUTH}
)
_PASSWORD_FLOWS = frozenset(
    {
        AuthFlow.ADMIN_USER_PASSWORD_AUTH,
        AuthFlow.ADMIN_NO_SRP_AUTH,
        AuthFlow.USER_PASSWORD_AUTH,
        AuthFlow.USER_SRP_AUTH,
    }
)


#: Codes of a service that does not know the operation (AWS JSON protocol).
_UNKNOWN_OPERATION_CODES = frozenset({"UnknownOperationException", "InvalidAction"})


def _lacks_operation(error: CognitoFlowError) -> bool:
    """Whether ``error`` says the service does not implement the operation at all."""
    if isinstance(error, ServiceError):
        return error.code in _UNKNOWN_OPERATION_CODES
    # A bare HTTP 500/501 with no Cognito error code: not Cognito (which
    # would say InternalErrorException) but an emulator without it (moto).
    return isinstance(error, TransportError) and error.http_status in (500, 501)


def check_text(value: object, what: str, error: type[CognitoFlowError]) -> None:
    """Refuse text that cannot be sent: a lone surrogate (``"\\ud800"``) has no UTF-8 form.

    Such a value would otherwise surface as a UnicodeEncodeError deep inside
    botocore or hashlib. ``error`` says whose fault it is: ConfigurationError
    for the caller's input, UnexpectedResponseError for the service's data.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise error(f"{what} holds text that is not valid Unicode") from None
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """SECRET_HASH: Base64(HMAC-SHA256(client secret, username + client id))."""
    digest = hmac.new(
        client_secret.encode(), (username + client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def otpauth_uri(secret_code: str, *, account_name: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI authenticator apps read from a QR code."""
    label = f"{quote(issuer, safe='')}:{quote(account_name, safe='')}"
    return f"otpauth://totp/{label}?secret={quote(secret_code, safe='')}&issuer={quote(issuer, safe='')}"


@attrs.frozen(kw_only=True)
class FlowConfig:
    """What every request of one app client shares."""

    user_pool_id: str
    client_id: str
    client_secret: str | None = attrs.field(default=None, repr=False)
    admin: bool = True
    max_rounds: int = 10
    totp_issuer: str = "Amazon Cognito"
    #: Draws SRP secret exponents; tests inject a fixed one.
    srp_secret: Callable[[], int] = srp.generate_secret
    #: Gives the TIMESTAMP string of an SRP answer; tests inject a clock.
    srp_timestamp: Callable[[], str] = srp.format_timestamp

    def __attrs_post_init__(self) -> None:
        for name in ("user_pool_id", "client_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"{name} must be a non-empty string")
        if "_" not in self.user_pool_id:
            raise ConfigurationError(
                "user_pool_id must look like '<region>_<id>', e.g. 'eu-west-1_AbC123'"
            )
        if self.client_secret is not None and (
            not isinstance(self.client_secret, str) or not self.client_secret
        ):
            raise ConfigurationError("client_secret must be a non-empty string or None")
        if isinstance(self.max_rounds, bool) or not isinstance(self.max_rounds, int):
            raise ConfigurationError("max_rounds must be an integer")
        if self.max_rounds < 1:
            raise ConfigurationError("max_rounds must be at least 1")


class _State(enum.Enum):
    IDLE = "idle"
    AWAIT_RESPONSE = "await-response"
    AWAIT_COMPUTE = "await-compute"
    AWAIT_ANSWER = "await-answer"
    DONE = "done"


def parse_answers(challenge_name: str, answers: object) -> dict[str, str]:
    """Check answers to ``challenge_name`` and return them as a plain dict.

    Raises ``ConfigurationError`` naming the problem (never a value).
    """
    if not isinstance(answers, Mapping):
        raise ConfigurationError(
            f"answers to {challenge_name} must be a mapping of strings, "
            f"not {type(answers).__name__}"
        )
    out: dict[str, str] = {}
    for key, value in answers.items():
        if not isinstance(key, str):
            raise ConfigurationError(
                f"answers to {challenge_name}: keys must be strings, not {type(key).__name__}"
            )
        if not isinstance(value, str):
            raise ConfigurationError(
                f"answers to {challenge_name}: {key} must be a string, not {type(value).__name__}"
            )
        if key in RESERVED_ANSWER_KEYS:
            raise ConfigurationError(
                f"answers to {challenge_name} must not set {key}: the library adds it"
            )
        out[key] = value
    check_text(out, f"answers to {challenge_name}", ConfigurationError)
    options = _REQUIRED_ANSWERS.get(challenge_name)
    if options and not any(option <= out.keys() for option in options):
        wanted = " or ".join("+".join(sorted(option)) for option in options)
        raise ConfigurationError(f"answers to {challenge_name} must include {wanted}")
    return out


@attrs.define
class SignIn:
    """One sign-in conversation (see the module docstring).

    Not thread-safe and not reusable: make one per ``start()``/``resume()``.
    """

    config: FlowConfig
    device: RememberedDevice | None = attrs.field(default=None, repr=False)
    client_metadata: Mapping[str, str] | None = attrs.field(default=None, repr=False)

    _state: _State = attrs.field(default=_State.IDLE, init=False)
    _rounds: int = attrs.field(default=0, init=False)
    _username: str = attrs.field(default="", init=False)
    _password: str | None = attrs.field(default=None, init=False, repr=False)
    _srp_a: int | None = attrs.field(default=None, init=False, repr=False)
    _srp_a_hex: str = attrs.field(default="", init=False, repr=False)
    # What the pending Call's response is, for the calls that are not auth calls.
    _expect: str = attrs.field(default="", init=False)
    # The challenge that the pending auxiliary call (MFA_SETUP) serves.
    _pending: Challenge | None = attrs.field(default=None, init=False, repr=False)
    _continue: Callable[[Any], Event] | None = attrs.field(default=None, init=False, repr=False)
    flow: str = attrs.field(default="", init=False)
    # The other way to send the pending answer, and the name it uses (failed()).
    _retry: tuple[Call, str] | None = attrs.field(default=None, init=False, repr=False)
    # The challenge whose answer is on its way (for CodeMismatchError).
    _answering: Challenge | None = attrs.field(default=None, init=False, repr=False)
    _refresh_token: str = attrs.field(default="", init=False, repr=False)
    #: This refresh went to REFRESH_TOKEN_AUTH (the service lacks GetTokensFromRefreshToken).
    fell_back: bool = attrs.field(default=False, init=False)

    # -- entry points ----------------------------------------------------

    def initiate(
        self,
        username: str,
        password: str | None,
        flow: str | None = None,
        *,
        preferred_challenge: str | None = None,
    ) -> Event:
        """Begin a sign-in: the first InitiateAuth / AdminInitiateAuth."""
        self._require(_State.IDLE)
        if not isinstance(username, str) or not username:
            raise ConfigurationError("username must be a non-empty string")
        if password is not None and (not isinstance(password, str) or not password):
            raise ConfigurationError("password must be a non-empty string or None")
        check_text(username, "username", ConfigurationError)
        check_text(password, "password", ConfigurationError)
        chosen = self._check_flow(flow)
        if chosen in _PASSWORD_FLOWS and password is None:
            raise ConfigurationError(f"{chosen} needs a password")
        if preferred_challenge is not None:
            if chosen != AuthFlow.USER_AUTH:
                raise ConfigurationError("preferred_challenge applies to the USER_AUTH flow only")
            if not isinstance(preferred_challenge, str) or not preferred_challenge:
                raise ConfigurationError("preferred_challenge must be a challenge name")
            check_text(preferred_challenge, "preferred_challenge", ConfigurationError)
        self.flow = chosen
        self._username = username
        self._password = password

        params: dict[str, str] = {"USERNAME": username}
        secret_values = set()
        if password is not None:
            secret_values.add(password)
        if chosen in (
            AuthFlow.ADMIN_USER_PASSWORD_AUTH,
            AuthFlow.ADMIN_NO_SRP_AUTH,
            AuthFlow.USER_PASSWORD_AUTH,
        ):
            params["PASSWORD"] = password or ""
        elif chosen == AuthFlow.USER_AUTH and preferred_challenge is not None:
            params["PREFERRED_CHALLENGE"] = preferred_challenge
            if preferred_challenge == ChallengeName.PASSWORD:
                if password is None:
                    raise ConfigurationError("PREFERRED_CHALLENGE=PASSWORD needs a password")
                params["PASSWORD"] = password
            elif preferred_challenge == ChallengeName.PASSWORD_SRP:
                if password is None:
                    raise ConfigurationError("PREFERRED_CHALLENGE=PASSWORD_SRP needs a password")
                return self._with_srp_a(params, secret_values)
        elif chosen == AuthFlow.CUSTOM_AUTH and password is not None:
            # Custom auth that opens with SRP: the password step comes first.
            params["CHALLENGE_NAME"] = "SRP_A"
            return self._with_srp_a(params, secret_values)
        elif chosen == AuthFlow.USER_SRP_AUTH:
            return self._with_srp_a(params, secret_values)
        return self._initiate_call(params, secret_values)

    def refresh(self, refresh_token: str, username: str | None, *, get_tokens: bool = True) -> Call:
        """New tokens from a refresh token.

        GetTokensFromRefreshToken by default: the only way on an app client
        that rotates refresh tokens (it refuses REFRESH_TOKEN_AUTH), and it
        takes ClientSecret itself, so no user name is needed. A service that
        lacks the operation (moto) gets REFRESH_TOKEN_AUTH instead (see
        ``failed``); ``get_tokens=False`` starts there, once the shell knows.
        """
        self._require(_State.IDLE)
        if not isinstance(refresh_token, str) or not refresh_token:
            raise ConfigurationError("refresh_token must be a non-empty string")
        if username is not None and (not isinstance(username, str) or not username):
            raise ConfigurationError("username must be a non-empty string or None")
        check_text([refresh_token, username], "refresh()'s arguments", ConfigurationError)
        self.flow = AuthFlow.REFRESH_TOKEN_AUTH
        self._username = username or ""
        self._refresh_token = refresh_token
        self._expect = "refresh"
        if get_tokens:
            return self._get_tokens_call()
        return self._refresh_token_auth()

    def _get_tokens_call(self) -> Call:
        token = self._refresh_token
        params: dict[str, Any] = {"ClientId": self.config.client_id, "RefreshToken": token}
        secrets = {token}
        if self.config.client_secret is not None:
            params["ClientSecret"] = self.config.client_secret
            secrets.add(self.config.client_secret)
        if self.device is not None:
            params["DeviceKey"] = self.device.device_key
        if self.client_metadata:
            params["ClientMetadata"] = dict(self.client_metadata)
        self._state = _State.AWAIT_RESPONSE
        # Not retry_safe: with rotation, a lost answer may have spent the token.
        return Call(
            "get_tokens_from_refresh_token",
            params,
            frozenset(secrets),
            has_device=self.device is not None,
        )

    def _refresh_token_auth(self) -> Call:
        if self.config.client_secret is not None and not self._username:
            raise ConfigurationError(
                "this service has no GetTokensFromRefreshToken, and REFRESH_TOKEN_AUTH on an "
                "app client with a secret needs username= to compute SECRET_HASH"
            )
        self._expect = "refresh"
        self.fell_back = True
        params = {"REFRESH_TOKEN": self._refresh_token}
        return self._initiate_call(
            params, {self._refresh_token}, with_username=bool(self._username)
        )

    def resume(self, challenge: Challenge, answers: object) -> Event:
        """Answer a challenge returned earlier, perhaps by another process."""
        self._require(_State.IDLE)
        if not isinstance(challenge, Challenge):
            raise InvalidChallengeError(
                f"resume() needs a Challenge, not {type(challenge).__name__}; "
                "use Challenge.from_dict() on stored data"
            )
        check_text(challenge.to_dict(), "the challenge", InvalidChallengeError)
        self._username = challenge.username
        self._state = _State.AWAIT_ANSWER
        return self.answer(challenge, answers)

    # -- events from the shell ------------------------------------------

    def receive(self, response: object) -> Event:
        """Feed the service's answer to the last ``Call``."""
        self._require(_State.AWAIT_RESPONSE)
        if not isinstance(response, Mapping):
            raise UnexpectedResponseError(
                f"the service's answer is not an object but {type(response).__name__}"
            )
        expect, self._expect = self._expect, ""
        self._retry = None
        self._answering = None
        if expect == "refresh":
            return self._on_refresh(response)
        if expect == "associate":
            return self._on_associate(response)
        if expect == "verify":
            return self._on_verify(response)
        return self._on_auth_response(response)

    def computed(self, value: Any) -> Event:
        """Feed the value of the last ``Compute``'s function."""
        self._require(_State.AWAIT_COMPUTE)
        cont, self._continue = self._continue, None
        assert cont is not None
        return cont(value)

    def answer(self, challenge: Challenge, answers: object) -> Event:
        """Answer ``challenge`` (the one just returned) with the caller's answers."""
        self._require(_State.AWAIT_ANSWER)
        name = challenge.name
        given = parse_answers(name, answers)
        self._answering = challenge
        session = challenge.session
        if name == ChallengeName.NEW_PASSWORD_REQUIRED:
            missing = [
                attr
                for attr in challenge.required_attributes
                if f"userAttributes.{attr}" not in given
            ]
            if missing:
                raise ConfigurationError(
                    "answers to NEW_PASSWORD_REQUIRED must set the required attributes: "
                    + ", ".join(f"userAttributes.{attr}" for attr in missing)
                )
        if name == ChallengeName.MFA_SETUP and "EMAIL" not in given:
            if "SOFTWARE_TOKEN_MFA_CODE" in given:
                return self._verify_totp(challenge, given)
            # ANSWER picks the factor to set up when several are offered.
            if given["ANSWER"] != ChallengeName.SOFTWARE_TOKEN_MFA:
                raise ConfigurationError(
                    "answers to MFA_SETUP: ANSWER can only choose SOFTWARE_TOKEN_MFA; "
                    "set up email MFA by answering EMAIL"
                )
            if ChallengeName.SOFTWARE_TOKEN_MFA not in challenge.mfas_can_setup:
                raise ConfigurationError("this MFA_SETUP does not offer SOFTWARE_TOKEN_MFA")
            return self._associate(challenge)
        if name == ChallengeName.PASSWORD_SRP or (
            name == ChallengeName.SELECT_CHALLENGE
            and given.get("ANSWER") == ChallengeName.PASSWORD_SRP
        ):
            self._password = given.pop("PASSWORD", None) or self._password
            if self._password is None:
                raise ConfigurationError(f"answering {name} with PASSWORD_SRP needs PASSWORD")
            return self._respond_with_srp_a(challenge, given)
        if (
            name == ChallengeName.SELECT_CHALLENGE
            and given.get("ANSWER") == ChallengeName.PASSWORD
            and "PASSWORD" not in given
        ):
            if self._password is None:
                raise ConfigurationError("answering SELECT_CHALLENGE with PASSWORD needs PASSWORD")
            given["PASSWORD"] = self._password
        return self._respond(challenge.name, challenge.username, session, given)

    def failed(self, error: CognitoFlowError) -> Call | None:
        """The last call failed with ``error``.

        Returns a corrected call to send instead, or None: the conversation
        is over. Two corrections. A service without GetTokensFromRefreshToken
        (moto answers it with a bare HTTP 500) is asked with REFRESH_TOKEN_AUTH
        instead, and ``fell_back`` tells the shell to start there next time.
        And a PASSWORD_VERIFIER answered with
        USERNAME = USER_ID_FOR_SRP, refused as an unknown user by a service
        that also named the user differently (moto does, in pools where users
        sign in with a user name), is answered once more with that USERNAME.
        Cognito itself never refuses USER_ID_FOR_SRP, so this never fires there.

        (A wrong code leaves the Session usable for a few more tries: the
        error already carries the challenge to resume, from ``Call.answering``.)
        """
        retry, self._retry = self._retry, None
        if self._expect == "refresh" and not self.fell_back and _lacks_operation(error):
            return self._refresh_token_auth()
        if (
            retry is not None
            and isinstance(error, ServiceError)
            and error.code == "UserNotFoundException"
        ):
            call, username = retry
            self._username = username
            self._state = _State.AWAIT_RESPONSE
            return call
        self._state = _State.DONE
        return None

    @property
    def username(self) -> str:
        """The user name the service knows the user by, as far as this sign-in has learnt it."""
        return self._username

    @property
    def rounds(self) -> int:
        """How many challenges this conversation has received so far."""
        return self._rounds

    # -- internals -------------------------------------------------------

    def _require(self, state: _State) -> None:
        if self._state is not state:
            raise RuntimeError(f"SignIn is in state {self._state.value}, not {state.value}")

    def _check_flow(self, flow: str | None) -> str:
        if flow is None:
            return (
                AuthFlow.ADMIN_USER_PASSWORD_AUTH if self.config.admin else AuthFlow.USER_SRP_AUTH
            )
        if not isinstance(flow, str):
            raise ConfigurationError(
                f"flow must be an AuthFlow or a string, not {type(flow).__name__}"
            )
        allowed = _ADMIN_FLOWS if self.config.admin else _PUBLIC_FLOWS
        if flow not in allowed:
            api = (
                "AdminInitiateAuth (admin=True)"
                if self.config.admin
                else "InitiateAuth (admin=False)"
            )
            raise ConfigurationError(
                f"flow {flow!r} is not supported by {api}; use one of: "
                + ", ".join(sorted(allowed))
                + (" (refresh tokens go through refresh())" if "REFRESH" in flow else "")
            )
        return AuthFlow(flow)

    def _common(self) -> dict[str, Any]:
        params: dict[str, Any] = {"ClientId": self.config.client_id}
        if self.config.admin:
            params["UserPoolId"] = self.config.user_pool_id
        if self.client_metadata:
            params["ClientMetadata"] = dict(self.client_metadata)
        return params

    def _sign(self, values: dict[str, str], username: str | None, secret_values: set[str]) -> None:
        """Add SECRET_HASH (from this request's USERNAME) and DEVICE_KEY."""
        if self.config.client_secret is not None and username:
            values["SECRET_HASH"] = secret_hash(
                username, self.config.client_id, self.config.client_secret
            )
            secret_values.add(values["SECRET_HASH"])
        if self.device is not None:
            values["DEVICE_KEY"] = self.device.device_key

    def _initiate_call(
        self, auth_params: dict[str, str], secret_values: set[str], *, with_username: bool = True
    ) -> Call:
        self._sign(auth_params, self._username if with_username else None, secret_values)
        params = self._common()
        params["AuthFlow"] = self.flow
        params["AuthParameters"] = auth_params
        self._state = _State.AWAIT_RESPONSE
        op = "admin_initiate_auth" if self.config.admin else "initiate_auth"
        # InitiateAuth spends nothing, so it may be sent again after a fault.
        return Call(
            op,
            params,
            frozenset(secret_values),
            has_device=self.device is not None,
            retry_safe=True,
        )

    def _respond(
        self,
        name: str,
        username: str,
        session: str | None,
        answers: dict[str, str],
        extra_secrets: set[str] | None = None,
    ) -> Call:
        values = dict(answers)
        values["USERNAME"] = username
        # Every answer is treated as secret (a custom challenge's ANSWER is often
        # a one-time code) except the names of factors and challenges chosen.
        public = ("EMAIL",) if name not in _CHOICE_CHALLENGES else ("ANSWER", "EMAIL")
        secret_values = {v for k, v in answers.items() if k not in public}
        secret_values |= extra_secrets or set()
        self._sign(values, username, secret_values)
        params = self._common()
        params["ChallengeName"] = name
        params["ChallengeResponses"] = values
        # Real Cognito sends PASSWORD_VERIFIER without a Session (its state
        # rides in SECRET_BLOCK); such a challenge is answered without one.
        if session is not None:
            params["Session"] = session
            secret_values.add(session)
        self._state = _State.AWAIT_RESPONSE
        op = "admin_respond_to_auth_challenge" if self.config.admin else "respond_to_auth_challenge"
        return Call(
            op,
            params,
            frozenset(secret_values),
            has_device=self.device is not None,
            answering=self._answering,
        )

    def _compute(
        self, fn: Callable[[YieldHook], Any], purpose: str, then: Callable[[Any], Event]
    ) -> Compute:
        self._state = _State.AWAIT_COMPUTE
        self._continue = then
        return Compute(fn, purpose)

    # SRP: the public value A is computed off the loop too (it is a 3072-bit
    # modular exponentiation), then sent with the request that needs it.

    def _new_srp_a(self) -> Callable[[YieldHook], tuple[int, str]]:
        draw = self.config.srp_secret

        def make(yield_hook: YieldHook) -> tuple[int, str]:
            a = draw()
            return a, srp.public_a_hex(a, yield_hook=yield_hook)

        return make

    def _with_srp_a(self, params: dict[str, str], secret_values: set[str]) -> Compute:
        def then(value: tuple[int, str]) -> Event:
            self._srp_a, self._srp_a_hex = value
            params["SRP_A"] = self._srp_a_hex
            return self._initiate_call(params, secret_values)

        return self._compute(self._new_srp_a(), "srp-a", then)

    def _respond_with_srp_a(self, challenge: Challenge, given: dict[str, str]) -> Compute:
        def then(value: tuple[int, str]) -> Event:
            self._srp_a, self._srp_a_hex = value
            given["SRP_A"] = self._srp_a_hex
            return self._respond(challenge.name, challenge.username, challenge.session, given)

        return self._compute(self._new_srp_a(), "srp-a", then)

    def _on_refresh(self, response: Mapping[str, Any]) -> AuthenticationResult:
        # A refresh ends in tokens; a challenge here is not part of the protocol.
        name = response.get("ChallengeName")
        result = response.get("AuthenticationResult")
        if result is None:
            what = f"a {name} challenge" if isinstance(name, str) else "no AuthenticationResult"
            raise UnexpectedResponseError(f"the refresh answered with {what}")
        self._state = _State.DONE
        tokens = AuthenticationResult.from_response(result)
        # The token to keep: the rotated one, else the one that was used.
        return attrs.evolve(tokens, refresh_token=tokens.refresh_token or self._refresh_token)

    def _on_auth_response(self, response: Mapping[str, Any]) -> Event:
        result = response.get("AuthenticationResult")
        if result is not None:
            self._state = _State.DONE
            return AuthenticationResult.from_response(result)
        name = response.get("ChallengeName")
        if not isinstance(name, str) or not name:
            raise UnexpectedResponseError(
                "the service answered with neither AuthenticationResult nor ChallengeName"
            )
        # The service model marks Session optional, and real Cognito leaves it
        # out of PASSWORD_VERIFIER: what comes is threaded, nothing is invented.
        session = response.get("Session")
        if session is not None and (not isinstance(session, str) or not session):
            raise UnexpectedResponseError(f"the {name} challenge's Session is not a string")
        try:
            raw_params = response.get("ChallengeParameters") or {}
            available = response.get("AvailableChallenges") or ()
            probe = Challenge(
                name=name, parameters=raw_params, username="-", available_challenges=available
            )
            # What the core and the handlers read from JSON-valued parameters.
            probe.mfas_can_setup, probe.mfas_can_choose, probe.required_attributes  # noqa: B018
            probe.user_attributes  # noqa: B018
        except InvalidChallengeError as exc:
            raise UnexpectedResponseError(f"the {name} challenge is malformed: {exc}") from None
        check_text(
            {"name": name, "session": session, "parameters": dict(probe.parameters),
             "available": list(probe.available_challenges)},
            f"the {name} challenge",
            UnexpectedResponseError,
        )  # fmt: skip
        username = (
            probe.parameters.get("USER_ID_FOR_SRP")
            or probe.parameters.get("USERNAME")
            or self._username
        )
        self._username = username
        challenge = attrs.evolve(
            probe,
            session=session,
            username=username,
            device_key=self.device.device_key if self.device else None,
        )
        self._rounds += 1
        if self._rounds > self.config.max_rounds:
            self._state = _State.DONE
            raise TooManyChallengesError(self.config.max_rounds, name)
        return self._route(challenge)

    def _route(self, challenge: Challenge) -> Event:
        """Answer what the core can answer alone; hand the rest to the caller."""
        name = challenge.name
        if name == ChallengeName.PASSWORD_VERIFIER:
            return self._password_verifier(challenge)
        if name == ChallengeName.DEVICE_SRP_AUTH and self.device is not None:
            return self._respond_with_srp_a(challenge, {})
        if name == ChallengeName.DEVICE_PASSWORD_VERIFIER and self.device is not None:
            return self._device_verifier(challenge)
        if name == ChallengeName.PASSWORD and self._password is not None:
            return self._respond(
                name, challenge.username, challenge.session, {"PASSWORD": self._password}
            )
        if name == ChallengeName.PASSWORD_SRP and self._password is not None:
            return self._respond_with_srp_a(challenge, {})
        if (
            name == ChallengeName.MFA_SETUP
            and ChallengeName.SOFTWARE_TOKEN_MFA in challenge.mfas_can_setup
            and ChallengeName.EMAIL_OTP not in challenge.mfas_can_setup
            and not challenge.secret_code
        ):
            # Only an authenticator app can be set up, and the caller needs its
            # secret to show a QR code: fetch it now. When email MFA is offered
            # too, the person chooses first (ANSWER=SOFTWARE_TOKEN_MFA or EMAIL),
            # as Amplify does, so no secret is made for a factor nobody wants.
            return self._associate(challenge)
        self._state = _State.AWAIT_ANSWER
        return challenge

    def _associate(self, challenge: Challenge) -> Call:
        # AssociateSoftwareToken hands back a new Session along with the secret.
        self._expect = "associate"
        self._pending = challenge
        session = challenge.session
        if session is None:
            raise UnexpectedResponseError(
                "the MFA_SETUP challenge came without a Session, which AssociateSoftwareToken needs"
            )
        self._state = _State.AWAIT_RESPONSE
        return Call("associate_software_token", {"Session": session}, frozenset({session}))

    def _password_verifier(self, challenge: Challenge) -> Event:
        params = self._srp_parameters(challenge)
        if self._password is None or self._srp_a is None:
            raise UnexpectedResponseError(
                "PASSWORD_VERIFIER arrived, but this sign-in did not start SRP "
                "(use flow USER_SRP_AUTH, or PASSWORD_SRP, with a password)"
            )
        password, a, a_hex = self._password, self._srp_a, self._srp_a_hex
        # USERNAME and SECRET_HASH of the answer use this name, not the alias
        # the person typed.
        user_id = params.get("USER_ID_FOR_SRP") or challenge.username

        def sign(timestamp: str, yield_hook: YieldHook) -> str:
            return srp.password_claim(
                pool_id=self.config.user_pool_id,
                user_id_for_srp=user_id,
                password=password,
                a=a,
                srp_b_hex=params["SRP_B"],
                salt_hex=params["SALT"],
                secret_block_b64=params["SECRET_BLOCK"],
                timestamp=timestamp,
                srp_a_hex=a_hex,
                yield_hook=yield_hook,
            )

        return self._answer_verifier(challenge, user_id, sign, "srp-password-claim")

    def _device_verifier(self, challenge: Challenge) -> Event:
        params = self._srp_parameters(challenge)
        device, a, a_hex = self.device, self._srp_a, self._srp_a_hex
        if device is None or a is None:
            raise UnexpectedResponseError(
                "DEVICE_PASSWORD_VERIFIER arrived before DEVICE_SRP_AUTH was answered"
            )

        def sign(timestamp: str, yield_hook: YieldHook) -> str:
            return srp.device_claim(
                device_group_key=device.device_group_key,
                device_key=device.device_key,
                device_password=device.device_password,
                a=a,
                srp_b_hex=params["SRP_B"],
                salt_hex=params["SALT"],
                secret_block_b64=params["SECRET_BLOCK"],
                timestamp=timestamp,
                srp_a_hex=a_hex,
                yield_hook=yield_hook,
            )

        return self._answer_verifier(challenge, challenge.username, sign, "srp-device-claim")

    @staticmethod
    def _srp_parameters(challenge: Challenge) -> Mapping[str, str]:
        params = challenge.parameters
        missing = [k for k in ("SRP_B", "SALT", "SECRET_BLOCK") if not params.get(k)]
        if missing:
            raise UnexpectedResponseError(f"{challenge.name} without {', '.join(missing)}")
        return params

    def _answer_verifier(
        self,
        challenge: Challenge,
        username: str,
        sign: Callable[[str, YieldHook], str],
        purpose: str,
    ) -> Compute:
        """Sign a *_PASSWORD_VERIFIER off the loop, then answer it."""
        block = challenge.parameters["SECRET_BLOCK"]
        timestamp = self.config.srp_timestamp

        def claim(yield_hook: YieldHook) -> dict[str, str]:
            # The clock is read right before signing: the service refuses a
            # TIMESTAMP that is a few minutes off.
            when = timestamp()
            return {
                "PASSWORD_CLAIM_SECRET_BLOCK": block,
                "TIMESTAMP": when,
                "PASSWORD_CLAIM_SIGNATURE": sign(when, yield_hook),
            }

        def then(answers: dict[str, str]) -> Event:
            self._srp_a = None
            signature = answers["PASSWORD_CLAIM_SIGNATURE"]
            session = challenge.session
            other = challenge.parameters.get("USERNAME")
            if challenge.name == ChallengeName.PASSWORD_VERIFIER and other and other != username:
                fallback = self._respond(challenge.name, other, session, answers, {signature})
                self._retry = (fallback, other)
            return self._respond(challenge.name, username, session, answers, {signature})

        return self._compute(claim, purpose, then)

    def _on_associate(self, response: Mapping[str, Any]) -> Event:
        challenge, self._pending = self._pending, None
        assert challenge is not None
        code = response.get("SecretCode")
        session = response.get("Session", challenge.session)
        if not isinstance(code, str) or not code:
            raise UnexpectedResponseError("AssociateSoftwareToken answered without a SecretCode")
        if not isinstance(session, str) or not session:
            raise UnexpectedResponseError("AssociateSoftwareToken's Session is not a string")
        check_text(code, "AssociateSoftwareToken's SecretCode", UnexpectedResponseError)
        parameters = dict(challenge.parameters)
        parameters["SECRET_CODE"] = code
        parameters["OTPAUTH_URI"] = otpauth_uri(
            code, account_name=challenge.username, issuer=self.config.totp_issuer
        )
        self._state = _State.AWAIT_ANSWER
        return attrs.evolve(challenge, parameters=parameters, session=session)

    def _verify_totp(self, challenge: Challenge, given: dict[str, str]) -> Call:
        if not challenge.secret_code:
            raise InvalidChallengeError(
                "this MFA_SETUP challenge has no authenticator secret yet: answer "
                "ANSWER=SOFTWARE_TOKEN_MFA first to fetch one, or EMAIL for email MFA"
            )
        code = given["SOFTWARE_TOKEN_MFA_CODE"]
        session = challenge.session
        if session is None:
            raise InvalidChallengeError(
                "this MFA_SETUP challenge has no Session, which VerifySoftwareToken needs"
            )
        params: dict[str, str] = {"Session": session, "UserCode": code}
        if given.get("FRIENDLY_DEVICE_NAME"):
            params["FriendlyDeviceName"] = given["FRIENDLY_DEVICE_NAME"]
        self._expect = "verify"
        self._pending = challenge
        self._state = _State.AWAIT_RESPONSE
        return Call(
            "verify_software_token", params, frozenset({session, code}), answering=challenge
        )

    def _on_verify(self, response: Mapping[str, Any]) -> Event:
        challenge, self._pending = self._pending, None
        assert challenge is not None
        # Status is optional in the model; only ERROR says the code was wrong.
        status = response.get("Status")
        if status == "ERROR":
            self._state = _State.DONE
            raise CodeMismatchError(
                "CodeMismatchException",
                "VerifySoftwareToken returned status ERROR",
                operation="VerifySoftwareToken",
                challenge=challenge,
            )
        if status not in (None, "SUCCESS"):
            raise UnexpectedResponseError("VerifySoftwareToken answered with an unknown Status")
        session = response.get("Session", challenge.session)
        if session is not None and (not isinstance(session, str) or not session):
            raise UnexpectedResponseError("VerifySoftwareToken's Session is not a string")
        return self._respond(ChallengeName.MFA_SETUP, challenge.username, session, {})

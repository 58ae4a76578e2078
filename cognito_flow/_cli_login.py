"""``cognito-flow login``: a sign-in typed at the terminal, every challenge prompted.

Secrets (passwords, one-time codes, custom answers) are read with getpass:
never echoed, never in argv or shell history. A wrong code or a refused new
password is asked again while the service keeps the Session (three tries).
MFA setup draws the authenticator's QR code on the terminal itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from typing import TextIO

import attrs

from . import handlers
from ._cli_base import EXIT_OK, EXIT_UNSUPPORTED, CliError, Console, NoQrCodeError, choose
from ._cli_tokens import device_store, open_client, write_tokens
from ._client import CognitoAuthClient
from ._models import AuthenticationResult, AuthFlow, Challenge, ChallengeName
from ._registry import ChallengeContext, HandlerRegistry
from .exceptions import CodeMismatchError, InvalidPasswordError, UnhandledChallengeError

__all__ = ["LoginPrompts", "login"]

#: Tries of one challenge (a code, a new password) before giving up.
TRIES = 3

_PASSWORDS = (ChallengeName.PASSWORD, ChallengeName.PASSWORD_SRP)

#: What each factor means, for the menus.
NOTES: dict[str, str] = {
    ChallengeName.SOFTWARE_TOKEN_MFA: "authenticator app",
    ChallengeName.SMS_MFA: "code by text message",
    ChallengeName.SMS_OTP: "code by text message",
    ChallengeName.EMAIL_OTP: "code by email",
    ChallengeName.PASSWORD: "password",
    ChallengeName.PASSWORD_SRP: "password, sent as an SRP proof",
    ChallengeName.WEB_AUTHN: "passkey: needs a browser",
}


def _grouped(secret: str) -> str:
    """The authenticator key in groups of four, as apps show and accept it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@attrs.define
class LoginPrompts:
    """The challenge handlers of ``login``: each asks the person through the console."""

    console: Console
    #: The password start() was given; None in sign-ins that began without one.
    password: str | None = attrs.field(default=None, repr=False)
    show_secret: bool = False
    _shown: set[str] = attrs.field(factory=set, repr=False)

    def answer(self, prompt: str, *, secret: bool = True) -> str:
        """A non-empty answer, asked up to three times."""
        for _ in range(TRIES):
            answer = (self.console.ask_secret if secret else self.console.ask)(prompt)
            if answer.strip():
                return answer.strip() if not secret else answer
            self.console.say("Nothing was typed.")
        raise CliError("no answer was given")

    def one_time_code(self, prompt: str) -> str:
        """A code, not echoed either; spaces typed within it ("123 456") dropped."""
        return "".join(self.answer(prompt).split())

    def ask_password(self, prompt: str = "Password: ") -> str:
        """The account's password."""
        return self.answer(prompt)

    async def new_password(self, challenge: Challenge) -> str | tuple[str, Mapping[str, str]]:
        """NEW_PASSWORD_REQUIRED: typed twice; then the attributes the pool requires."""
        self.console.say("A new password is required.")
        for _ in range(TRIES):
            first = self.answer("New password: ")
            if self.console.ask_secret("New password again: ") == first:
                break
            self.console.say("The two passwords differ; try again.")
        else:
            raise CliError("the new password was not typed the same way twice")
        attributes = {
            name: self.answer(f"{name}: ", secret=False) for name in challenge.required_attributes
        }
        return (first, attributes) if attributes else first

    async def code(self, challenge: Challenge) -> str:
        """A one-time code: authenticator, text message or email."""
        if challenge.name == ChallengeName.SOFTWARE_TOKEN_MFA:
            return self.one_time_code("Code from your authenticator app: ")
        medium = {"SMS": "by text message", "EMAIL": "by email"}.get(
            challenge.delivery_medium or "",
            "by text message" if "SMS" in challenge.name else "by email",
        )
        where = f" to {challenge.destination}" if challenge.destination else ""
        return self.one_time_code(f"Code sent {medium}{where}: ")

    async def choose_mfa(self, challenge: Challenge) -> str:
        """SELECT_MFA_TYPE: a menu of the factors the user has."""
        options = challenge.mfas_can_choose
        if len(options) == 1:
            return options[0]
        return choose(self.console, "Choose a second factor:", options, NOTES)

    async def totp_setup(self, secret: str, uri: str, challenge: Challenge) -> str:
        """MFA_SETUP for an app: the QR code (and, if asked, the key), then the first code."""
        if secret not in self._shown:
            self.console.say("Set up an authenticator app: scan this QR code with it.")
            try:
                self.console.show_qr_code(uri)
            except NoQrCodeError:
                if not self.show_secret:
                    raise
                self.console.say("(No QR code: drawing it needs the web extra.)")
            if self.show_secret:
                self.console.show_private(f"Or type this key into the app: {_grouped(secret)}")
            self._shown.add(secret)
        return self.one_time_code("First code from the app: ")

    async def mfa_setup(self, challenge: Challenge, context: object) -> Mapping[str, str]:
        """MFA_SETUP: choose the factor if there is a choice, then set it up."""
        secret, uri = challenge.secret_code, challenge.otpauth_uri
        if secret and uri:
            return {"SOFTWARE_TOKEN_MFA_CODE": await self.totp_setup(secret, uri, challenge)}
        offered = [
            name
            for name in challenge.mfas_can_setup
            if name in (ChallengeName.SOFTWARE_TOKEN_MFA, ChallengeName.EMAIL_OTP)
        ]
        if not offered:
            raise CliError(
                "the pool asks to set up "
                f"{', '.join(challenge.mfas_can_setup) or 'a second factor'}, "
                "which this command line cannot do (an authenticator app or email only)",
                EXIT_UNSUPPORTED,
            )
        choice = offered[0]
        if len(offered) > 1:
            choice = choose(self.console, "Set up a second factor:", offered, NOTES)
        if choice == ChallengeName.SOFTWARE_TOKEN_MFA:
            return {"ANSWER": choice}
        return {"EMAIL": self.answer("Email address for sign-in codes: ", secret=False)}

    async def custom(self, challenge: Challenge) -> str:
        """CUSTOM_CHALLENGE: the Lambda's public parameters, then the answer."""
        self.console.say("The service sends a custom challenge:")
        for key, value in challenge.parameters.items():
            self.console.say(f"  {key}: {value}")
        return self.answer("Answer: ")

    async def select_challenge(self, challenge: Challenge, context: object) -> Mapping[str, str]:
        """SELECT_CHALLENGE: a menu of the ways in this command line can take."""
        options = [c for c in challenge.available_challenges if c != ChallengeName.WEB_AUTHN]
        if not options:
            raise CliError(
                "the only way in offered is a passkey (WEB_AUTHN), which needs a browser",
                EXIT_UNSUPPORTED,
            )
        choice = options[0]
        if len(options) > 1:
            choice = choose(self.console, "Choose how to sign in:", options, NOTES)
        answers = {"ANSWER": choice}
        if choice in _PASSWORDS and self.password is None:
            answers["PASSWORD"] = self.password = self.ask_password()
        return answers

    async def password_challenge(self, challenge: Challenge, context: object) -> Mapping[str, str]:
        """PASSWORD / PASSWORD_SRP in a sign-in that began without the password."""
        self.password = self.ask_password()
        return {"PASSWORD": self.password}

    def registry(self) -> HandlerRegistry:
        """A handler for every challenge a terminal can answer; not WEB_AUTHN."""
        registry = HandlerRegistry()
        names = ChallengeName
        registry.register(names.NEW_PASSWORD_REQUIRED, handlers.new_password(self.new_password))
        registry.register(names.SOFTWARE_TOKEN_MFA, handlers.software_token_mfa(self.code))
        registry.register(names.SMS_MFA, handlers.sms_mfa(self.code))
        registry.register(names.EMAIL_OTP, handlers.email_otp(self.code))
        registry.register(names.SMS_OTP, handlers.sms_otp(self.code))
        registry.register(names.SELECT_MFA_TYPE, handlers.select_mfa_type(self.choose_mfa))
        registry.register(names.MFA_SETUP, self.mfa_setup)
        registry.register(names.CUSTOM_CHALLENGE, handlers.custom_challenge(self.custom))
        registry.register(names.SELECT_CHALLENGE, self.select_challenge)
        registry.register(names.PASSWORD, self.password_challenge)
        registry.register(names.PASSWORD_SRP, self.password_challenge)
        return registry


def _first_password(prompts: LoginPrompts, flow: str | None, preferred: str | None) -> str | None:
    """The password to start with: always, except in flows that may not need one."""
    if flow == AuthFlow.USER_AUTH:
        # Choice-based sign-in: asked for when the password is chosen.
        return prompts.ask_password() if preferred in _PASSWORDS else None
    if flow == AuthFlow.CUSTOM_AUTH:
        # With a password, custom auth opens with SRP; without, the Lambda asks.
        return prompts.console.ask_secret("Password (Enter for none): ") or None
    return prompts.ask_password()


async def _sign_in(
    auth: CognitoAuthClient,
    prompts: LoginPrompts,
    registry: HandlerRegistry,
    start: Callable[[], Awaitable[Challenge | AuthenticationResult]],
) -> AuthenticationResult:
    """Run the sign-in; a wrong code or refused new password is asked for again."""
    next_step, tries = start, 1
    while True:
        try:
            step = await next_step()
        except (CodeMismatchError, InvalidPasswordError) as exc:
            pending, handler = exc.challenge, None
            if pending is not None:
                handler = registry.get(pending.name)
            if pending is None or handler is None or tries >= TRIES:
                raise
            tries += 1
            refused = "code" if isinstance(exc, CodeMismatchError) else "new password"
            prompts.console.say(f"The {refused} was refused ({exc.code}); try again.")
            context = ChallengeContext(client=auth, round=0, flow="")
            answers = await handler(pending, context)

            def next_step(
                pending: Challenge = pending, answers: Mapping[str, str] = answers
            ) -> Awaitable[Challenge | AuthenticationResult]:
                return auth.resume(pending, answers, handlers=registry)

            continue
        if isinstance(step, Challenge):
            raise UnhandledChallengeError(step)
        return step


async def login(args: argparse.Namespace, console: Console, stdin: TextIO, out: TextIO) -> int:
    """``login``: sign in at the terminal; print the tokens (``--json``) or a summary."""
    store = device_store(args)
    prompts = LoginPrompts(console, show_secret=args.show_secret)
    username: str = args.username or prompts.answer("Username: ", secret=False)
    flow: str | None = args.flow
    preferred: str | None = args.preferred_challenge
    if preferred is not None and flow is None:
        flow = AuthFlow.USER_AUTH
    prompts.password = _first_password(prompts, flow, preferred)
    registry = prompts.registry()
    async with open_client(args, store=store) as auth:

        def start() -> Awaitable[Challenge | AuthenticationResult]:
            return auth.start(
                username,
                prompts.password,
                handlers=registry,
                flow=flow,
                preferred_challenge=preferred,
            )

        async with console.progress("Signing in"):
            result = await _sign_in(auth, prompts, registry, start)
    if store is not None and result.new_device is not None:
        console.say(
            f"This machine is now a remembered device ({result.device_status}); "
            f"its key is kept in {store.path}."
        )
    write_tokens(out, result, as_json=args.json, heading="Signed in")
    return EXIT_OK

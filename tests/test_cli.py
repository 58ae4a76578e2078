"""cognito-flow, the command line: options, exit codes, output, and login in a real terminal."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import io
import itertools
import json
import os
import re
import select
import socket
import stat
import struct
import sys
import termios
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import botocore.exceptions
import pytest
import pytest_asyncio
import segno

from cognito_flow import (
    AuthenticationResult,
    Challenge,
    CodeMismatchError,
    ConfigurationError,
    ExpiredTokenError,
    HandlerError,
    InvalidTokenError,
    NotAuthorizedError,
    RememberedDevice,
    ServiceError,
    TooManyChallengesError,
    TransportError,
    UnexpectedResponseError,
    UnhandledChallengeError,
    _cli_base,
)
from cognito_flow._cli import build_parser, exit_status, main, run_command
from cognito_flow._cli_base import (
    CliError,
    TerminalConsole,
    can_draw_half_blocks,
    choose,
    qr_lines,
)
from cognito_flow._cli_devices import FileDeviceStore
from cognito_flow._cli_login import LoginPrompts
from cognito_flow._cli_tokens import TOKEN_KEYS, read_token, summary, token_json
from cognito_flow.handlers import otpauth_uri
from cognito_flow.testing import LocalCognito, fresh_totp_code, local_cognito, wrong_totp_code

if TYPE_CHECKING:
    from fake_cognito import FakeCognito

PASSWORD = "Correct-horse-battery-1"
TEMPORARY = "Temporary-Passw0rd!"
NEW_PASSWORD = "Brand-new-Passw0rd!"
#: moto's AssociateSoftwareToken always hands out this secret.
MOTO_TOTP_SECRET = "asdfasdfasdf"
#: The first characters of every JWT: '{"' in base64.
JWT_START = "eyJ"


@pytest.fixture(autouse=True)
def _no_defaults_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The options' environment defaults are read when the parser is built."""
    for name in ("COGNITO_FLOW_POOL_ID", "COGNITO_FLOW_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)


# -- a console that answers from a script ----------------------------------------------


@attrs.define
class Script:
    """A Console: answers in order; records every prompt and line, secret or not."""

    answers: list[str]
    transcript: list[str] = attrs.field(factory=list)
    secret_prompts: list[str] = attrs.field(factory=list)
    private: list[str] = attrs.field(factory=list)

    def say(self, text: str) -> None:
        self.transcript.append(text)

    def _next(self, prompt: str) -> str:
        self.transcript.append(prompt)
        if not self.answers:
            raise EOFError
        return self.answers.pop(0)

    def ask(self, prompt: str) -> str:
        return self._next(prompt)

    def ask_secret(self, prompt: str) -> str:
        self.secret_prompts.append(prompt)
        return self._next(prompt)

    def show_private(self, text: str) -> None:
        self.private.append(text)

    def show_qr_code(self, uri: str) -> None:
        self.private.extend(qr_lines(uri))

    @contextlib.asynccontextmanager
    async def progress(self, label: str) -> AsyncIterator[None]:
        yield

    @property
    def text(self) -> str:
        return "\n".join(self.transcript + self.private)


def parse(*argv: str) -> argparse.Namespace:
    parser, _ = build_parser()
    return parser.parse_args(list(argv))


async def run(*argv: str, answers: Sequence[str] = (), stdin: str = "") -> tuple[int, str, Script]:
    """Run a command in this process; returns the exit code, stdout and the console."""
    console = Script(list(answers))
    out = io.StringIO()
    code = await run_command(parse(*argv), console, io.StringIO(stdin), out)
    return code, out.getvalue(), console


def moto_options(cognito: LocalCognito) -> list[str]:
    return [
        "--pool-id",
        cognito.user_pool_id,
        "--client-id",
        cognito.client_id,
        "--endpoint-url",
        cognito.endpoint_url,
    ]


def fake_options(service: FakeCognito, client: str = "plain") -> list[str]:
    from fake_cognito import POOL_ID

    return ["--pool-id", POOL_ID, "--client-id", client, "--endpoint-url", service.endpoint_url]


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """--admin signs its calls: moto takes any credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


# moto spends about half a second creating a pool (it imports an RSA key), so
# the moto tests share two, on the module's event loop, each test with users
# of its own.
on_pool = pytest.mark.asyncio(loop_scope="module")
_users = itertools.count(1)


@pytest.fixture
def user() -> str:
    """A user name no other test of the module uses."""
    return f"user-{next(_users)}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pool(moto_endpoint: str) -> AsyncIterator[LocalCognito]:
    """A user pool on moto for this module's tests."""
    async with local_cognito(moto_endpoint) as cognito:
        yield cognito


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def mfa_pool(moto_endpoint: str) -> AsyncIterator[LocalCognito]:
    """A pool that requires MFA: new users meet MFA_SETUP."""
    async with local_cognito(moto_endpoint) as cognito:
        await cognito.require_mfa()
        yield cognito


# -- options -----------------------------------------------------------------------------


def test_help_lists_the_commands_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """--help names every command and documents every exit code."""
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for word in ("login", "refresh", "verify", "sign-out", "demo", "COGNITO_FLOW_POOL_ID"):
        assert word in out
    for code in ("0", "1", "2", "3", "4", "5", "130"):
        assert re.search(rf"^  {code} +\S", out, flags=re.MULTILINE), code


@pytest.mark.parametrize("command", ["login", "refresh", "verify", "sign-out"])
def test_each_command_documents_the_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command's --help ends with the table of exit codes."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "exit codes:" in out
    assert "130" in out


def test_no_option_takes_a_secret() -> None:
    """Options about passwords, secrets, tokens and codes are flags, choices or -env names."""
    _, commands = build_parser()
    for name, parser in commands.items():
        for action in parser._actions:
            for option in action.option_strings:
                if not re.search("password|secret|token|code|answer", option):
                    continue
                named = option.endswith("-env") and action.metavar == "NAME"
                assert action.nargs == 0 or named or action.choices, (name, option)


@pytest.mark.parametrize(
    "argv",
    [
        ["login", "--password", PASSWORD],
        ["refresh", "--refresh-token", "refresh-token-value"],
        ["verify", "--token", "access-token-value"],
        ["login", "--client-secret", "s3cret"],
    ],
)
def test_a_secret_on_the_command_line_is_refused(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """No option takes a secret, nor abbreviates into one: refused, exit 2, the value not repeated."""
    with pytest.raises(SystemExit) as info:
        main([*argv, "--pool-id", "us-east-1_X", "--client-id", "c"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"unrecognized arguments: {argv[1]} (and 1 value, not shown)" in err
    assert argv[2] not in err


def test_pool_and_client_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """COGNITO_FLOW_POOL_ID and COGNITO_FLOW_CLIENT_ID are the defaults; options win."""
    monkeypatch.setenv("COGNITO_FLOW_POOL_ID", "eu-west-1_Env")
    monkeypatch.setenv("COGNITO_FLOW_CLIENT_ID", "env-client")
    args = parse("login")
    assert (args.pool_id, args.client_id) == ("eu-west-1_Env", "env-client")
    assert parse("login", "--client-id", "given").client_id == "given"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["login", "--client-id", "c"], "--pool-id is required"),
        (["login", "--pool-id", "us-east-1_X"], "--client-id is required"),
        (["login", "--pool-id", "nope", "--client-id", "c"], "--pool-id: user_pool_id must"),
        (["login", "--endpoint-url", "localhost:5000"], "--endpoint-url must be"),
        (["login", "--flow", "REFRESH_TOKEN_AUTH"], "invalid choice"),
        (["sign-out", "--global", "--refresh-token-env", "T"], "use --access-token-env"),
        (["sign-out", "--username", "alice"], "go with --global"),
        (["sign-out", "--global", "--username", "alice"], "needs --admin"),
        (
            ["sign-out", "--global", "--admin", "--username", "a", "--access-token-env", "T"],
            "exclude each other",
        ),
        (["verify", "--token-use", "refresh"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing or bad options are named on stderr, exit 2, before any call."""
    defaults = ["--pool-id", "us-east-1_X", "--client-id", "c"]
    given = {a for a in argv if a.startswith("--")}
    extra = [a for pair in zip(defaults[::2], defaults[1::2], strict=True) for a in pair]
    extra = [] if given & {"--pool-id", "--client-id"} else extra
    with pytest.raises(SystemExit) as info:
        main([*argv, *extra])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.fixture
def _logging_restored() -> Iterator[None]:
    """--debug configures logging for the process; put it back afterwards."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), logging.getLogger("cognito_flow").level
    yield
    root.handlers[:] = handlers
    logging.getLogger("cognito_flow").setLevel(level)


@pytest.mark.usefixtures("_logging_restored")
def test_main_runs_a_command_and_reports_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """main(): a JWKS nobody serves is exit 3 in one line; --debug adds the traceback."""
    import base64

    header = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"k1"}').decode().rstrip("=")
    token = f"{header}.e30.c2lnbmF0dXJl"  # well formed; its key is never found
    monkeypatch.setattr(sys, "stdin", io.StringIO(token))
    argv = ["verify", "--pool-id", "us-east-1_X", "--client-id", "c"]
    argv += ["--jwks-url", "http://127.0.0.1:9/jwks.json"]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert err.startswith("cognito-flow: error: could not fetch the JWKS")
    assert err.count("\n") == 1
    monkeypatch.setattr(sys, "stdin", io.StringIO(token))
    assert main([*argv, "--debug"]) == 3
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_ctrl_c_is_exit_130() -> None:
    """A KeyboardInterrupt while a command runs: 'interrupted' and 130."""
    from cognito_flow._cli import _run

    async def interrupted() -> int:
        raise KeyboardInterrupt

    console = Script([])
    assert _run(interrupted(), console) == 130
    assert console.transcript[-1] == "cognito-flow: interrupted"


def test_prog_names_how_the_command_was_called(monkeypatch: pytest.MonkeyPatch) -> None:
    """python -m cognito_flow, or the cognito-flow entry point, in usage and messages."""
    from cognito_flow._cli_options import prog

    monkeypatch.setattr(sys, "argv", ["/x/site-packages/cognito_flow/__main__.py"])
    assert prog() == "python -m cognito_flow"
    monkeypatch.setattr(sys, "argv", ["/x/pytest/__main__.py"])
    assert prog() == "cognito-flow"


def _service_error(kind: type[ServiceError], code: str) -> ServiceError:
    return kind(code, "message", operation="InitiateAuth")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (_service_error(NotAuthorizedError, "NotAuthorizedException"), 1),
        (_service_error(CodeMismatchError, "CodeMismatchException"), 1),
        (TooManyChallengesError(10, "CUSTOM_CHALLENGE"), 1),
        (ConfigurationError("bad"), 2),
        (CliError("no terminal"), 2),
        (EOFError(), 2),
        (botocore.exceptions.ProfileNotFound(profile="nope"), 2),
        (botocore.exceptions.InvalidRegionError(region_name="bad region"), 2),
        (TransportError("down"), 3),
        (UnexpectedResponseError("garbage"), 3),
        (UnhandledChallengeError(Challenge(name="WEB_AUTHN", username="alice")), 4),
        (UnhandledChallengeError(Challenge(name="SOMETHING_NEW", username="alice")), 4),
        (InvalidTokenError("bad signature", check="signature"), 5),
        (ExpiredTokenError("expired", check="expiry"), 5),
    ],
)
def test_exit_codes(error: Exception, code: int) -> None:
    """Each kind of failure has its documented exit code."""
    assert exit_status(error)[0] == code


def test_a_prompt_failing_inside_a_handler_keeps_its_exit_code() -> None:
    """The library wraps a handler's exception in HandlerError; its cause decides."""
    for cause, code in ((CliError("WEB_AUTHN only", 4), 4), (EOFError(), 2)):
        wrapped = HandlerError("the handler raised", challenge_name="X", handler="h")
        wrapped.__cause__ = cause
        assert exit_status(wrapped)[0] == code


def test_an_unexpected_error_is_one_line_without_its_message() -> None:
    """A bug's message could quote anything: only its type is printed (--debug has more)."""
    code, message = exit_status(ValueError(PASSWORD))
    assert code == 1
    assert PASSWORD not in message
    assert "ValueError" in message


def test_web_authn_says_it_needs_a_browser() -> None:
    """WEB_AUTHN: exit 4, and the message says a browser is needed."""
    code, message = exit_status(UnhandledChallengeError(Challenge(name="WEB_AUTHN", username="a")))
    assert code == 4
    assert "browser" in message


async def test_select_challenge_with_only_a_passkey_exits_4() -> None:
    """SELECT_CHALLENGE offering WEB_AUTHN alone: nothing a terminal can do, exit 4."""
    challenge = Challenge(
        name="SELECT_CHALLENGE", username="alice", available_challenges=["WEB_AUTHN"]
    )
    with pytest.raises(CliError) as info:
        await LoginPrompts(Script([])).select_challenge(challenge, None)
    assert info.value.code == 4


# -- the prompts, challenge by challenge ---------------------------------------------------


def _challenge(name: str, **parameters: str) -> Challenge:
    return Challenge(name=name, parameters=parameters, session="s" * 20, username="alice")


async def test_codes_say_where_they_were_sent() -> None:
    """SMS and email codes name their medium and masked destination; spaces typed are dropped."""
    console = Script(["123 456", "654321"])
    prompts = LoginPrompts(console)
    sms = _challenge(
        "SMS_MFA", CODE_DELIVERY_DELIVERY_MEDIUM="SMS", CODE_DELIVERY_DESTINATION="+*******1234"
    )
    assert await prompts.code(sms) == "123456"
    assert await prompts.code(_challenge("EMAIL_OTP")) == "654321"
    assert console.secret_prompts == [
        "Code sent by text message to +*******1234: ",
        "Code sent by email: ",
    ]


async def test_an_empty_answer_is_asked_again_three_times() -> None:
    """Enter alone asks again; three empty answers end the sign-in (exit 2)."""
    console = Script(["", "  ", PASSWORD])
    assert LoginPrompts(console).ask_password() == PASSWORD
    assert console.transcript.count("Nothing was typed.") == 2
    with pytest.raises(CliError) as info:
        LoginPrompts(Script(["", "", ""])).ask_password()
    assert info.value.code == 2


async def test_new_password_with_required_attributes() -> None:
    """NEW_PASSWORD_REQUIRED: the pool's required attributes are asked (shown as typed)."""
    challenge = _challenge("NEW_PASSWORD_REQUIRED", requiredAttributes='["userAttributes.name"]')
    console = Script([NEW_PASSWORD, NEW_PASSWORD, "Alice Liddell"])
    assert await LoginPrompts(console).new_password(challenge) == (
        NEW_PASSWORD,
        {"name": "Alice Liddell"},
    )
    assert console.secret_prompts == ["New password: ", "New password again: "]


async def test_new_password_typed_differently_three_times_gives_up() -> None:
    """Three pairs that differ: exit 2, and neither password is shown."""
    console = Script(["a1", "b1", "a2", "b2", "a3", "b3"])
    with pytest.raises(CliError) as info:
        await LoginPrompts(console).new_password(_challenge("NEW_PASSWORD_REQUIRED"))
    assert info.value.code == 2
    assert "a1" not in console.text


async def test_select_mfa_type_is_a_menu() -> None:
    """SELECT_MFA_TYPE: the factors the user has, numbered; one factor is taken without asking."""
    both = _challenge("SELECT_MFA_TYPE", MFAS_CAN_CHOOSE='["SMS_MFA","SOFTWARE_TOKEN_MFA"]')
    console = Script(["2"])
    assert await LoginPrompts(console).choose_mfa(both) == "SOFTWARE_TOKEN_MFA"
    assert "  2. SOFTWARE_TOKEN_MFA (authenticator app)" in console.transcript
    one = _challenge("SELECT_MFA_TYPE", MFAS_CAN_CHOOSE='["SMS_MFA"]')
    assert await LoginPrompts(Script([])).choose_mfa(one) == "SMS_MFA"


async def test_mfa_setup_with_a_choice_of_factors() -> None:
    """MFA_SETUP offering an app and email: a menu; the app is ANSWER, email asks the address."""
    offered = _challenge("MFA_SETUP", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]')
    assert await LoginPrompts(Script(["1"])).mfa_setup(offered, None) == {
        "ANSWER": "SOFTWARE_TOKEN_MFA"
    }
    console = Script(["2", "alice@example.com"])
    assert await LoginPrompts(console).mfa_setup(offered, None) == {"EMAIL": "alice@example.com"}
    assert "Email address for sign-in codes: " not in console.secret_prompts


async def test_mfa_setup_of_sms_only_exits_4() -> None:
    """MFA_SETUP that offers only SMS: nothing this command line sets up, exit 4."""
    with pytest.raises(CliError) as info:
        await LoginPrompts(Script([])).mfa_setup(
            _challenge("MFA_SETUP", MFAS_CAN_SETUP='["SMS_MFA"]'), None
        )
    assert info.value.code == 4


async def test_without_segno_the_key_is_shown_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No web extra: without --show-secret exit 2 saying so; with it, the key alone."""
    monkeypatch.setitem(sys.modules, "segno", None)
    uri = otpauth_uri(MOTO_TOTP_SECRET, account_name="alice", issuer="Amazon Cognito")
    challenge = _challenge("MFA_SETUP", SECRET_CODE=MOTO_TOTP_SECRET, OTPAUTH_URI=uri)
    with pytest.raises(CliError, match="web") as info:
        await LoginPrompts(Script(["123456"])).mfa_setup(challenge, None)
    assert info.value.code == 2
    console = Script(["123456"])
    answers = await LoginPrompts(console, show_secret=True).mfa_setup(challenge, None)
    assert answers == {"SOFTWARE_TOKEN_MFA_CODE": "123456"}
    assert console.private == ["Or type this key into the app: asdf asdf asdf"]


async def test_custom_challenge_shows_the_lambdas_parameters() -> None:
    """CUSTOM_CHALLENGE: the public parameters are shown, the answer is not echoed."""
    console = Script(["42"])
    answer = await LoginPrompts(console).custom(_challenge("CUSTOM_CHALLENGE", question="6 x 7?"))
    assert answer == "42"
    assert "  question: 6 x 7?" in console.transcript
    assert console.secret_prompts == ["Answer: "]


async def test_select_challenge_with_one_way_in_takes_it() -> None:
    """SELECT_CHALLENGE with one usable choice takes it; a password is asked if none was given."""
    challenge = Challenge(
        name="SELECT_CHALLENGE",
        username="alice",
        available_challenges=["PASSWORD", "WEB_AUTHN"],
    )
    console = Script([PASSWORD])
    answers = await LoginPrompts(console).select_challenge(challenge, None)
    assert answers == {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD}
    known = LoginPrompts(Script([]), password=PASSWORD)
    assert await known.select_challenge(challenge, None) == {"ANSWER": "PASSWORD"}
    assert await LoginPrompts(Script([PASSWORD])).password_challenge(challenge, None) == {
        "PASSWORD": PASSWORD
    }


# -- output and input -----------------------------------------------------------------------


def _jwt(claims: dict[str, Any]) -> str:
    import base64

    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{body}.c2ln"


RESULT = AuthenticationResult(
    access_token=_jwt({"username": "alice", "token_use": "access"}),
    id_token=_jwt(
        {"cognito:username": "alice", "email": "alice@example.com", "token_use": "id", "exp": 0}
    ),
    refresh_token="refresh-token-value",
    expires_in=3600,
)


def test_json_output_holds_the_tokens_and_nothing_else() -> None:
    """--json: exactly access_token, id_token, refresh_token, expires_in, token_type."""
    data = json.loads(token_json(RESULT))
    assert list(data) == list(TOKEN_KEYS)
    assert data["refresh_token"] == "refresh-token-value"
    assert (data["expires_in"], data["token_type"]) == (3600, "Bearer")


def test_summary_shows_claims_but_no_token() -> None:
    """Without --json: who signed in and the ID token's claims; never a token."""
    text = summary(RESULT, "Signed in")
    assert text.startswith("Signed in as alice")
    assert "alice@example.com" in text
    assert "3600 s" in text
    assert JWT_START not in text
    assert "refresh-token-value" not in text


def test_tokens_are_read_from_a_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """--...-env NAME reads the token from that variable; an unset one is exit 2."""
    monkeypatch.setenv("MY_TOKEN", " token-value\n")
    assert read_token(Script([]), io.StringIO(), "MY_TOKEN", "refresh_token", "t") == "token-value"
    monkeypatch.delenv("MY_TOKEN")
    with pytest.raises(CliError) as info:
        read_token(Script([]), io.StringIO(), "MY_TOKEN", "refresh_token", "t")
    assert info.value.code == 2
    assert "MY_TOKEN" in str(info.value)


def test_tokens_are_read_from_stdin_plain_or_as_login_json() -> None:
    """Piped stdin holds the token itself, or login --json's output."""
    read = read_token
    assert read(Script([]), io.StringIO("abc\n"), None, "refresh_token", "t") == "abc"
    piped = io.StringIO(token_json(RESULT))
    assert read(Script([]), piped, None, "refresh_token", "t") == "refresh-token-value"
    with pytest.raises(CliError, match="no refresh_token"):
        read(Script([]), io.StringIO('{"id_token": "x"}'), None, "refresh_token", "t")
    with pytest.raises(CliError, match="no t was given"):
        read(Script([]), io.StringIO(""), None, "refresh_token", "t")


def test_a_token_on_a_terminal_is_asked_without_echo() -> None:
    """stdin a terminal: the token is asked for like a password; bad JSON is exit 2."""
    console = Script(["the-token"])
    assert read_token(console, _TtyText(), None, "refresh_token", "refresh token") == "the-token"
    assert console.secret_prompts == ["Refresh token: "]
    with pytest.raises(CliError, match="neither a token nor JSON"):
        read_token(Script([]), io.StringIO("{nope"), None, "refresh_token", "t")


def test_summary_of_lists_flags_and_times() -> None:
    """Groups as a list, booleans as true/false, the expiry as a time when the service sent none."""
    token = _jwt(
        {
            "cognito:username": "alice",
            "cognito:groups": ["admins", "ops"],
            "email_verified": True,
            "auth_time": 0,
            "exp": 3600,
        }
    )
    text = summary(AuthenticationResult(access_token="x.y.z", id_token=token), "Refreshed")
    assert "admins, ops" in text
    assert "true" in text
    assert "1970-01-01 00:00:00 UTC" in text
    assert "1970-01-01 01:00:00 UTC" in text
    bare = summary(AuthenticationResult(access_token="not a jwt", id_token=None), "Signed in")
    assert bare.startswith("Signed in\n")


def test_verify_without_the_tokens_extra_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """verify names the extra it needs when joserfc/aiohttp are not installed."""
    import asyncio

    monkeypatch.setitem(sys.modules, "cognito_flow.tokens", None)
    code, _, console = asyncio.run(run("verify", "--pool-id", "us-east-1_X", "--client-id", "c"))
    assert code == 2
    assert "tokens" in console.transcript[-1]


def test_choose_takes_a_number_or_a_name() -> None:
    """The menus take '2' or the option's name, and ask again after nonsense."""
    options = ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    assert choose(Script(["2"]), "Pick", options) == "SOFTWARE_TOKEN_MFA"
    assert choose(Script(["9", "SMS_MFA"]), "Pick", options) == "SMS_MFA"
    with pytest.raises(CliError):
        choose(Script(["x", "y", "z"]), "Pick", options)


# -- the terminal console ---------------------------------------------------------------


class _TtyText(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_progress_spins_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long wait draws a spinner on a terminal's stderr, cleared after; a pipe gets nothing."""
    import asyncio

    monkeypatch.setattr(_cli_base, "_QUIET", 0.05)
    tty, pipe = _TtyText(), io.StringIO()
    for stream in (tty, pipe):
        console = TerminalConsole(stderr=stream, stdin=io.StringIO())
        async with console.progress("Signing in"):
            await asyncio.sleep(0.2)
    assert re.search(r"\rSigning in [|/\\-] 0s", tty.getvalue())
    assert tty.getvalue().endswith("\r")  # the line is blanked again
    assert pipe.getvalue() == ""


def test_a_secret_is_never_shown_without_a_terminal() -> None:
    """No terminal: the QR code and the key are refused (exit 2), not sent to stderr."""
    stderr = io.StringIO()
    console = TerminalConsole(stderr=stderr, stdin=io.StringIO())  # not entered: no /dev/tty
    with pytest.raises(CliError) as info:
        console.show_qr_code(otpauth_uri("SECRET", account_name="a", issuer="i"))
    assert info.value.code == 2
    assert stderr.getvalue() == ""


def test_without_a_terminal_prompts_go_to_stderr_and_answers_come_from_stdin() -> None:
    """No terminal: a prompt on stderr, the answer from stdin; the input ending is EOFError."""
    stderr = io.StringIO()
    console = TerminalConsole(stderr=stderr, stdin=io.StringIO(f"alice\n{PASSWORD}\n"))
    assert console.ask("Username: ") == "alice"
    assert console.ask_secret("Password: ") == PASSWORD
    assert stderr.getvalue() == "Username: \nPassword: \n"  # no "may be echoed" warning
    with pytest.raises(EOFError):
        console.ask_secret("Code: ")


def test_on_a_terminal_prompts_and_the_qr_code_go_to_the_terminal_device() -> None:
    """With a terminal, prompts, answers and the QR code use it; stderr gets only messages."""
    master, slave = os.openpty()
    stderr = io.StringIO()
    console = TerminalConsole(stderr=stderr, stdin=io.StringIO())
    console._tty = _cli_base.open_tty(os.ttyname(slave))
    os.close(slave)
    try:
        os.write(master, b"alice\n")
        assert console.ask("Username: ") == "alice"
        console.show_qr_code(otpauth_uri("SECRET", account_name="a", issuer="i"))
        console.say("a message")
        screen = b""
        while select.select([master], [], [], 0.1)[0]:
            screen += os.read(master, 65536)
    finally:
        console.__exit__(None, None, None)
        os.close(master)
    assert b"Username: " in screen
    assert "▀".encode() in screen
    assert stderr.getvalue() == "a message\n"


def test_half_blocks_only_where_the_encoding_has_them() -> None:
    """A terminal whose encoding lacks the half blocks gets coloured spaces instead."""
    ascii_stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert can_draw_half_blocks(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    assert not can_draw_half_blocks(ascii_stream)


def test_the_console_opens_and_closes_the_terminal() -> None:
    """As a context manager the console opens /dev/tty where there is one, and closes it."""
    with TerminalConsole() as console:
        tty = console._tty
    assert console._tty is None
    assert tty is None or tty.closed


def _matrix_from_terminal(lines: Sequence[str]) -> list[list[bool]]:
    """The QR modules drawn by half blocks, two rows per line."""
    halves = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}
    rows: list[list[bool]] = []
    for line in lines:
        cells = [halves[c] for c in re.sub(r"\x1b\[[0-9;]*m", "", line)]
        rows += [[top for top, _ in cells], [bottom for _, bottom in cells]]
    return rows


def _segno_matrix(uri: str) -> list[list[bool]]:
    code = segno.make(uri, error="m", micro=False)
    return [[bool(m) for m in row] for row in code.matrix_iter(border=4)]


def test_qr_code_in_half_blocks_is_the_uri() -> None:
    """Half blocks draw two rows a line, black on white, quiet zone included."""
    uri = otpauth_uri(MOTO_TOTP_SECRET, account_name="alice", issuer="Amazon Cognito")
    lines = qr_lines(uri)
    expected = _segno_matrix(uri)
    assert len(lines) == (len(expected) + 1) // 2
    assert all(line.startswith("\x1b[30;107m") and line.endswith("\x1b[0m") for line in lines)
    assert _matrix_from_terminal(lines)[: len(expected)] == expected
    plain = qr_lines(uri, unicode=False)
    assert len(plain) == len(expected)


# -- the device file -------------------------------------------------------------------------


DEVICE = RememberedDevice(
    device_key="us-east-1_dev", device_group_key="-group", device_password="device-password"
)


async def test_device_file_is_private_and_round_trips(tmp_path: Path) -> None:
    """put() writes a 0600 JSON file (no temporary left); get() and delete() read it back."""
    path = tmp_path / "device.json"
    store = FileDeviceStore(path)
    assert await store.get("pool", "alice") is None
    await store.put("pool", "alice", DEVICE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [entry.name for entry in tmp_path.iterdir()] == ["device.json"]
    assert await FileDeviceStore(path).get("pool", "alice") == DEVICE
    assert await store.get("other-pool", "alice") is None
    await store.delete("pool", "alice")
    assert await store.get("pool", "alice") is None
    assert "device-password" not in repr(store)


async def test_device_file_open_to_others_is_refused(tmp_path: Path) -> None:
    """A device file that others can read is refused, as ssh refuses such a key: exit 2."""
    path = tmp_path / "device.json"
    await FileDeviceStore(path).put("pool", "alice", DEVICE)
    path.chmod(0o644)
    with pytest.raises(CliError, match="chmod 600") as info:
        await FileDeviceStore(path).get("pool", "alice")
    assert info.value.code == 2


async def test_a_file_that_is_not_a_device_file_is_refused(tmp_path: Path) -> None:
    """Anything but the device file's JSON is refused, and not overwritten."""
    path = tmp_path / "notes.txt"
    path.write_text("my notes")
    path.chmod(0o600)
    with pytest.raises(CliError, match="not a cognito-flow device file"):
        await FileDeviceStore(path).put("pool", "alice", DEVICE)
    assert path.read_text() == "my notes"


async def test_a_device_file_that_cannot_be_read_or_written_is_exit_2(tmp_path: Path) -> None:
    """A path that is no file, or a folder that does not exist: exit 2 with the reason."""
    (tmp_path / "file").write_text("")
    with pytest.raises(CliError, match="cannot read") as info:
        await FileDeviceStore(tmp_path / "file" / "device.json").get("pool", "alice")
    assert info.value.code == 2
    missing = FileDeviceStore(tmp_path / "nowhere" / "device.json")
    with pytest.raises(CliError, match="cannot write"):
        missing.check()
    with pytest.raises(CliError, match="cannot write"):
        await missing.put("pool", "alice", DEVICE)


async def test_an_unusable_device_file_stops_login_before_any_call(tmp_path: Path) -> None:
    """login --device-file checks the file first: exit 2, no prompt, no call."""
    path = tmp_path / "device.json"
    path.write_text("{}")
    path.chmod(0o644)
    argv = ["login", "--pool-id", "us-east-1_X", "--client-id", "c", "--username", "alice"]
    code, _, console = await run(
        *argv, "--endpoint-url", "http://127.0.0.1:9", "--device-file", str(path)
    )
    assert code == 2
    assert console.secret_prompts == []
    assert "chmod 600" in console.transcript[-1]


# -- the commands, in this process ------------------------------------------------------------


@on_pool
async def test_wrong_password_exits_1(pool: LocalCognito, user: str, aws_credentials: None) -> None:
    """A refused password is one line on the console, exit 1, nothing on stdout."""
    await pool.create_user(user, PASSWORD)
    argv = ["login", *moto_options(pool), "--admin", "--username", user]
    code, out, console = await run(*argv, answers=["not-the-password"])
    assert code == 1
    assert out == ""
    assert "NotAuthorizedException" in console.transcript[-1]
    assert "not-the-password" not in console.text


async def test_unreachable_service_exits_3() -> None:
    """Nobody listening at the endpoint: exit 3."""
    argv = ["login", "--pool-id", "us-east-1_X", "--client-id", "c", "--username", "alice"]
    code, _, console = await run(*argv, "--endpoint-url", "http://127.0.0.1:9", answers=["pw"])
    assert code == 3
    assert console.transcript[-1].startswith("cognito-flow: error:")


async def test_input_ending_early_exits_2() -> None:
    """stdin (or the terminal) ends before the password: exit 2, before any call."""
    argv = [
        "login",
        "--pool-id",
        "us-east-1_X",
        "--client-id",
        "c",
        "--endpoint-url",
        "http://127.0.0.1:9",
    ]
    code, _, console = await run(*argv, answers=["alice"])
    assert code == 2
    assert "input ended" in console.transcript[-1]


@on_pool
async def test_client_secret_comes_from_the_named_variable(
    pool: LocalCognito, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--client-secret-env NAME: the secret app client signs in; an unset NAME is exit 2."""
    await pool.create_user(user, PASSWORD)
    argv = [
        "login",
        "--pool-id",
        pool.user_pool_id,
        "--client-id",
        pool.secret_client_id,
        "--endpoint-url",
        pool.endpoint_url,
        "--username",
        user,
        "--flow",
        "USER_PASSWORD_AUTH",
        "--client-secret-env",
        "CS",
    ]
    code, _, console = await run(*argv, answers=[PASSWORD])
    assert code == 2
    assert "CS" in console.transcript[-1]
    monkeypatch.setenv("CS", pool.client_secret)
    code, out, _ = await run(*argv, answers=[PASSWORD])
    assert code == 0
    assert out.startswith(f"Signed in as {user}")


@on_pool
async def test_new_password_is_typed_twice(
    pool: LocalCognito, user: str, aws_credentials: None
) -> None:
    """NEW_PASSWORD_REQUIRED: two different entries are asked again; then signed in."""
    await pool.create_user(user, TEMPORARY, temporary=True)
    argv = ["login", *moto_options(pool), "--admin", "--username", user]
    answers = [TEMPORARY, NEW_PASSWORD, "typo", NEW_PASSWORD, NEW_PASSWORD]
    code, _out, console = await run(*argv, answers=answers)
    assert code == 0, console.transcript
    assert "The two passwords differ; try again." in console.transcript
    assert console.secret_prompts.count("New password again: ") == 2
    code, _, _ = await run(*argv, "--flow", "ADMIN_USER_PASSWORD_AUTH", answers=[NEW_PASSWORD])
    assert code == 0


@on_pool
async def test_wrong_totp_code_is_asked_again(
    pool: LocalCognito, user: str, aws_credentials: None
) -> None:
    """SOFTWARE_TOKEN_MFA: a wrong code is refused and asked again; the right one signs in."""
    await pool.create_user(user, PASSWORD)
    first = await pool.auth_client().authenticate(user, PASSWORD)
    secret = await pool.enable_totp(first.access_token)
    argv = ["login", *moto_options(pool), "--admin", "--username", user, "--json"]
    right = await fresh_totp_code(secret)
    code, out, console = await run(*argv, answers=[PASSWORD, wrong_totp_code(secret), right])
    assert code == 0, console.transcript
    assert any("code was refused" in line for line in console.transcript)
    assert console.secret_prompts == ["Password: "] + ["Code from your authenticator app: "] * 2
    assert right not in out


@on_pool
async def test_totp_setup_shows_the_key_only_when_asked(
    mfa_pool: LocalCognito, user: str, aws_credentials: None
) -> None:
    """MFA_SETUP: the QR code once, a wrong first code asked again; the key only with --show-secret."""
    passwords = [TEMPORARY, NEW_PASSWORD, NEW_PASSWORD]
    await mfa_pool.create_user(user, TEMPORARY, temporary=True)
    argv = ["login", *moto_options(mfa_pool), "--admin", "--username", user]
    wrong, right = wrong_totp_code(MOTO_TOTP_SECRET), await fresh_totp_code(MOTO_TOTP_SECRET)
    code, _, console = await run(*argv, answers=[*passwords, wrong, f"{right[:3]} {right[3:]}"])
    assert code == 0, console.transcript
    assert any("code was refused" in line for line in console.transcript)
    assert console.secret_prompts.count("First code from the app: ") == 2
    qr_code = [line for line in console.private if line.startswith("\x1b[30;107m")]
    uri = otpauth_uri(MOTO_TOTP_SECRET, account_name=user, issuer="Amazon Cognito")
    assert len(qr_code) == (len(_segno_matrix(uri)) + 1) // 2  # once, not again on the retry
    assert not any("asdf" in line for line in console.private)
    await mfa_pool.create_user(f"{user}-b", TEMPORARY, temporary=True)
    argv[-1] = f"{user}-b"
    code, out, console = await run(
        *argv, "--show-secret", answers=[*passwords, await fresh_totp_code(MOTO_TOTP_SECRET)]
    )
    assert code == 0, console.transcript
    assert "Or type this key into the app: asdf asdf asdf" in console.private
    assert MOTO_TOTP_SECRET not in out + "\n".join(console.transcript)


@on_pool
async def test_login_json_then_refresh_verify_and_global_sign_out(
    pool: LocalCognito, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """login --json prints the tokens alone; refresh and verify read them from stdin;
    after sign-out --global a refresh is refused."""
    await pool.create_user(user, PASSWORD)
    options = moto_options(pool)
    code, tokens, console = await run("login", *options, "--json", answers=[user, PASSWORD])
    assert code == 0
    data = json.loads(tokens)
    assert list(data) == list(TOKEN_KEYS)
    assert all(data[key].startswith(JWT_START) for key in ("access_token", "id_token"))
    assert console.secret_prompts == ["Password: "]
    assert PASSWORD not in tokens

    code, out, _ = await run("refresh", *options, "--username", user, "--json", stdin=tokens)
    assert code == 0
    assert json.loads(out)["refresh_token"] == json.loads(tokens)["refresh_token"]

    jwks = f"{pool.endpoint_url}/{pool.user_pool_id}/.well-known/jwks.json"
    verify = ["verify", *options[:4], "--jwks-url", jwks]
    code, out, _ = await run(*verify, "--token-use", "id", stdin=tokens)
    assert code == 0
    assert json.loads(out)["cognito:username"] == user
    access = json.loads(tokens)["access_token"]
    code, out, console = await run(*verify, "--token-use", "access", stdin=access[:-4] + "AAAA")
    assert (code, out) == (5, "")
    assert "signature" in console.transcript[-1]
    code, _, _ = await run(*verify, "--token-use", "id", stdin=access)
    assert code == 5

    monkeypatch.setenv("ACCESS", access)
    code, _, console = await run("sign-out", *options, "--global", "--access-token-env", "ACCESS")
    assert code == 0, console.transcript
    code, _, _ = await run("refresh", *options, "--username", user, stdin=tokens)
    assert code == 1


@on_pool
async def test_three_wrong_codes_exit_1(pool: LocalCognito, user: str) -> None:
    """Three wrong codes: the third refusal ends the sign-in, exit 1."""
    await pool.create_user(user, PASSWORD)
    first = await pool.auth_client().authenticate(user, PASSWORD)
    secret = await pool.enable_totp(first.access_token)
    wrong = wrong_totp_code(secret)
    argv = ["login", *moto_options(pool), "--username", user, "--flow", "USER_PASSWORD_AUTH"]
    code, out, console = await run(*argv, answers=[PASSWORD, wrong, wrong, wrong])
    assert (code, out) == (1, "")
    assert "CodeMismatchException" in console.transcript[-1]


@on_pool
async def test_admin_signs_a_user_out_everywhere_by_name(
    pool: LocalCognito, user: str, aws_credentials: None
) -> None:
    """sign-out --global --admin --username: AdminUserGlobalSignOut; the refresh token then fails."""
    await pool.create_user(user, PASSWORD)
    options = moto_options(pool)
    _, tokens, _ = await run("login", *options, "--username", user, "--json", answers=[PASSWORD])
    code, _, console = await run("sign-out", *options, "--global", "--admin", "--username", user)
    assert code == 0, console.transcript
    assert user in console.transcript[-1]
    code, _, _ = await run("refresh", *options, "--username", user, stdin=tokens)
    assert code == 1


async def test_custom_auth_and_a_preferred_challenge(service: FakeCognito) -> None:
    """CUSTOM_AUTH takes an optional password (SRP first); --preferred-challenge means USER_AUTH."""
    service.add_user("alice", PASSWORD)
    argv = ["login", *fake_options(service), "--username", "alice"]
    code, _, console = await run(*argv, "--flow", "CUSTOM_AUTH", answers=[PASSWORD])
    assert code == 0, console.transcript
    assert console.secret_prompts == ["Password (Enter for none): "]
    code, _, console = await run(*argv, "--preferred-challenge", "PASSWORD_SRP", answers=[PASSWORD])
    assert code == 0, console.transcript
    assert service.calls("InitiateAuth")[-1]["AuthFlow"] == "USER_AUTH"


async def test_sign_out_revokes_the_refresh_token(service: FakeCognito) -> None:
    """sign-out: RevokeToken on the refresh token from stdin; a refresh with it then fails."""
    service.add_user("alice", PASSWORD)
    options = fake_options(service)
    code, tokens, console = await run(
        "login", *options, "--username", "alice", "--json", answers=[PASSWORD]
    )
    assert code == 0, console.transcript
    code, _, console = await run("sign-out", *options, stdin=tokens)
    assert code == 0
    assert "Signed out" in console.transcript[-1]
    assert service.calls("RevokeToken")
    code, _, _ = await run("refresh", *options, stdin=tokens)
    assert code == 1


async def test_device_file_makes_the_process_a_remembered_device(
    service: FakeCognito, tmp_path: Path
) -> None:
    """--device-file: the first sign-in confirms a device; the next skips MFA with it."""
    secret = "JBSWY3DPEHPK3PXP"
    service.add_user("alice", PASSWORD, totp_secret=secret)
    path = tmp_path / "device.json"
    argv = ["login", *fake_options(service), "--username", "alice", "--device-file", str(path)]
    code, _, console = await run(*argv, answers=[PASSWORD, await fresh_totp_code(secret)])
    assert code == 0, console.transcript
    assert any("remembered device" in line for line in console.transcript)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    code, _, console = await run(*argv, answers=[PASSWORD])
    assert code == 0, console.transcript
    assert console.secret_prompts == ["Password: "]  # no code: the device vouched
    assert service.calls("RespondToAuthChallenge")[-1]["ChallengeName"] == (
        "DEVICE_PASSWORD_VERIFIER"
    )


async def test_user_auth_menu_asks_the_password_when_chosen(service: FakeCognito) -> None:
    """USER_AUTH: SELECT_CHALLENGE is a menu; choosing PASSWORD_SRP asks for the password then."""
    service.add_user("alice", PASSWORD)
    argv = ["login", *fake_options(service), "--username", "alice", "--flow", "USER_AUTH"]
    code, _out, console = await run(*argv, answers=["1", PASSWORD])
    assert code == 0, console.transcript
    assert "  1. PASSWORD_SRP (password, sent as an SRP proof)" in console.transcript
    assert console.transcript.index("Choose 1-2: ") < console.transcript.index("Password: ")


# -- login in a real terminal -------------------------------------------------------------------


class Terminal:
    """``python -m cognito_flow`` on a pseudo-terminal of its own, as a person would run it.

    The child leads a new session whose controlling terminal is the pty, so
    getpass opens /dev/tty and turns the echo off exactly as in a shell. With
    ``pipe_stdout`` stdout is a pipe (as in ``... --json > tokens.json``).
    """

    def __init__(self, argv: Sequence[str], *, pipe_stdout: bool = False) -> None:
        self.master, self._slave = os.openpty()
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 120, 0, 0))
        actions: list[tuple[Any, ...]] = [
            (os.POSIX_SPAWN_OPEN, 0, os.ttyname(self._slave), os.O_RDWR, 0),
            (os.POSIX_SPAWN_DUP2, 0, 2),
        ]
        self._stdout: int | None = None
        if pipe_stdout:
            self._stdout, write_end = os.pipe()
            actions.append((os.POSIX_SPAWN_DUP2, write_end, 1))
        else:
            actions.append((os.POSIX_SPAWN_DUP2, 0, 1))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "LC_ALL": "C.UTF-8",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        argv = [sys.executable, "-m", "cognito_flow", *argv]
        # A new session (setsid) opening the pty makes it the controlling terminal.
        self.pid = os.posix_spawn(sys.executable, argv, env, file_actions=actions, setsid=True)
        if pipe_stdout:
            os.close(write_end)
        self.output = b""
        self._seen = 0
        self.status: int | None = None

    @property
    def screen(self) -> str:
        return self.output.decode("utf-8", "replace")

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            with contextlib.suppress(OSError):
                self.output += os.read(self.master, 65536)

    def expect(self, text: str, timeout: float = 15.0) -> None:
        """Wait until ``text`` appears after what was expected before."""
        deadline = time.monotonic() + timeout
        while (found := self.output.find(text.encode(), self._seen)) < 0:
            left = deadline - time.monotonic()
            if left <= 0 or self._exited():
                self._read(0.2)
                if self.output.find(text.encode(), self._seen) >= 0:
                    break
                pytest.fail(f"{text!r} never appeared; the terminal shows:\n{self.screen}")
            self._read(min(left, 0.1))
        found = self.output.find(text.encode(), self._seen)
        self._seen = found + len(text.encode())

    def type(self, line: str) -> None:
        """Type a line and press Enter."""
        os.write(self.master, line.encode() + b"\r")

    def _exited(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def wait(self, timeout: float = 15.0) -> int:
        """The exit code, once the process ends; what it printed is read meanwhile."""
        deadline = time.monotonic() + timeout
        while not self._exited():
            if time.monotonic() > deadline:
                os.kill(self.pid, 9)
                pytest.fail(f"the command did not end; the terminal shows:\n{self.screen}")
            self._read(0.05)
        self._read(0.05)
        assert self.status is not None
        return self.status

    def stdout(self) -> str:
        """What went to the stdout pipe."""
        assert self._stdout is not None
        chunks = []
        while chunk := os.read(self._stdout, 65536):
            chunks.append(chunk)
        return b"".join(chunks).decode()

    def close(self) -> None:
        if not self._exited():
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        for fd in (self.master, self._slave, self._stdout):
            if fd is not None:
                os.close(fd)


@contextlib.contextmanager
def terminal(argv: Sequence[str], *, pipe_stdout: bool = False) -> Iterator[Terminal]:
    term = Terminal(argv, pipe_stdout=pipe_stdout)
    try:
        yield term
    finally:
        term.close()


pty_only = pytest.mark.skipif(sys.platform != "linux", reason="the pty harness is Linux's")


@on_pool
@pty_only
async def test_terminal_password_login(pool: LocalCognito, user: str) -> None:
    """In a terminal: the user name is asked and echoed, the password is not; a summary follows."""
    await pool.create_user(user, PASSWORD)
    with terminal(["login", *moto_options(pool)]) as term:
        term.expect("Username: ")
        term.type(user)
        term.expect("Password: ")
        term.type(PASSWORD)
        assert term.wait() == 0
    screen = term.screen
    assert f"Username: {user}" in screen
    assert f"Signed in as {user}" in screen
    assert PASSWORD not in screen
    assert JWT_START not in screen


@on_pool
@pty_only
async def test_terminal_totp_login(pool: LocalCognito, user: str) -> None:
    """In a terminal: a wrong code is asked again; neither code nor password shows; --json alone on stdout."""
    await pool.create_user(user, PASSWORD)
    first = await pool.auth_client().authenticate(user, PASSWORD)
    secret = await pool.enable_totp(first.access_token)
    argv = ["login", *moto_options(pool), "--admin", "--username", user, "--json"]
    with terminal(argv, pipe_stdout=True) as term:
        term.expect("Password: ")
        term.type(PASSWORD)
        term.expect("Code from your authenticator app: ")
        wrong = wrong_totp_code(secret)
        term.type(wrong)
        term.expect("try again")
        term.expect("Code from your authenticator app: ")
        right = await fresh_totp_code(secret)
        term.type(right)
        assert term.wait() == 0
        stdout = term.stdout()
    assert list(json.loads(stdout)) == list(TOKEN_KEYS)
    for typed in (PASSWORD, wrong, right):
        assert typed not in term.screen
        assert typed not in stdout
    assert JWT_START not in term.screen


@on_pool
@pty_only
async def test_terminal_totp_setup_draws_the_qr_code(mfa_pool: LocalCognito, user: str) -> None:
    """In a terminal: new password twice, then MFA_SETUP draws the secret's QR code; its first code signs in."""
    await mfa_pool.create_user(user, TEMPORARY, temporary=True)
    argv = ["login", *moto_options(mfa_pool), "--admin", "--username", user, "--json"]
    with terminal(argv, pipe_stdout=True) as term:
        term.expect("Password: ")
        term.type(TEMPORARY)
        term.expect("New password: ")
        term.type(NEW_PASSWORD)
        term.expect("New password again: ")
        term.type(NEW_PASSWORD)
        term.expect("scan this QR code")
        term.expect("First code from the app: ")
        code = await fresh_totp_code(MOTO_TOTP_SECRET)
        term.type(code)
        assert term.wait() == 0
        stdout = term.stdout()
    screen = term.screen
    drawn = [line for line in screen.splitlines() if line.startswith("\x1b[30;107m")]
    uri = otpauth_uri(MOTO_TOTP_SECRET, account_name=user, issuer="Amazon Cognito")
    expected = _segno_matrix(uri)
    assert len(drawn) == (len(expected) + 1) // 2  # two rows of modules a line
    assert all(len(re.sub(r"\x1b\[[0-9;]*m", "", line)) == len(expected) for line in drawn)
    assert {"▀", "▄", "█"} <= set(screen)
    assert _matrix_from_terminal(drawn)[: len(expected)] == expected
    assert list(json.loads(stdout)) == list(TOKEN_KEYS)
    for secret in (TEMPORARY, NEW_PASSWORD, code, MOTO_TOTP_SECRET):
        assert secret not in screen
        assert secret not in stdout


@pty_only
def test_terminal_ctrl_c_at_a_prompt_exits_130() -> None:
    """Ctrl-C at the password prompt: 'interrupted', exit 130, at once."""
    argv = ["login", "--pool-id", "us-east-1_X", "--client-id", "c", "--username", "alice"]
    with terminal(argv) as term:
        term.expect("Password: ")
        os.write(term.master, b"\x03")
        assert term.wait(timeout=5) == 130
    assert "interrupted" in term.screen
    assert "Traceback" not in term.screen


@pty_only
def test_terminal_long_wait_shows_progress_and_ctrl_c_ends_it() -> None:
    """A service that never answers: a spinner counts the seconds; Ctrl-C exits 130 at once."""
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        argv = ["login", "--pool-id", "us-east-1_X", "--client-id", "c", "--username", "alice"]
        with terminal([*argv, "--endpoint-url", endpoint]) as term:
            term.expect("Password: ")
            term.type(PASSWORD)
            term.expect("Signing in ")
            term.expect(" 1s")
            os.write(term.master, b"\x03")
            assert term.wait(timeout=5) == 130
    screen = term.screen
    assert "interrupted" in screen
    assert "Traceback" not in screen, screen
    assert "Unclosed" not in screen, screen

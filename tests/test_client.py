"""CognitoAuthClient against a local Cognito (moto's server), over both APIs."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any, NoReturn

import aiobotocore.session
import botocore.exceptions
import pytest
from conversations import round_trip
from stubbed import CLIENT_ID as STUB_CLIENT_ID
from stubbed import TOKENS, stubbed_client

from cognito_flow import (
    AuthenticationResult,
    AuthFlow,
    Challenge,
    ChallengeContext,
    ChallengeName,
    CodeMismatchError,
    CognitoAuthClient,
    ConfigurationError,
    HandlerRegistry,
    NotAuthorizedError,
    RefreshTokenReuseError,
    SessionExpiredError,
    UnexpectedResponseError,
    UnhandledChallengeError,
    UserNotFoundError,
    handlers,
)
from cognito_flow.testing import (
    EXPLICIT_AUTH_FLOWS,
    LocalCognito,
    aio_config,
    fresh_totp_code,
    wrong_totp_code,
)

PASSWORD = "Initial-Passw0rd!"
TEMPORARY = "Temporary-Passw0rd!"
NEW_PASSWORD = "Brand-new-Passw0rd!"
PHONE = "+15555550100"


# -- helpers -------------------------------------------------------------------


def claims(token: str | None) -> dict[str, Any]:
    """The unverified payload of a JWT."""
    assert token is not None
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload))
    return decoded


def assert_tokens_for(result: object, username: str) -> None:
    assert isinstance(result, AuthenticationResult)
    assert claims(result.id_token)["cognito:username"] == username
    assert claims(result.access_token)["token_use"] == "access"
    assert result.expires_in is not None
    assert result.expires_in > 0


def registry_with(**answers: Any) -> HandlerRegistry:
    registry = HandlerRegistry()
    for name, handler in answers.items():
        registry.register(name, handler)
    return registry


async def new_password_prompt(challenge: Challenge) -> str:
    assert challenge.name == ChallengeName.NEW_PASSWORD_REQUIRED
    return NEW_PASSWORD


class NoCalls:
    """An aiobotocore client stand-in that fails the test on any use."""

    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"the client was used: {name}")


# -- fixtures ------------------------------------------------------------------


@pytest.fixture(params=[False, True], ids=["no-secret", "secret"])
def with_secret(request: pytest.FixtureRequest) -> bool:
    """An app client without, or with, a client secret."""
    value: bool = request.param
    return value


@pytest.fixture
def flow(admin: bool) -> AuthFlow | None:
    """The password flow of the API under test (None: the admin default)."""
    return None if admin else AuthFlow.USER_PASSWORD_AUTH


@pytest.fixture
def auth(local_cognito: LocalCognito, admin: bool, with_secret: bool) -> CognitoAuthClient:
    """A CognitoAuthClient on the test's pool, for each API and secret setting."""
    return local_cognito.auth_client(with_secret=with_secret, admin=admin)


async def totp_user(cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None) -> str:
    """Create alice with TOTP MFA set up and preferred; return the authenticator secret."""
    await cognito.create_user("alice", PASSWORD)
    first = await auth.authenticate("alice", PASSWORD, flow=flow)
    return await cognito.enable_totp(first.access_token)


# -- plain sign-in ------------------------------------------------------------------


async def test_sign_in_returns_the_users_tokens(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None
) -> None:
    """A confirmed user gets tokens whose id token names that user."""
    await local_cognito.create_user("alice", PASSWORD)
    result = await auth.authenticate("alice", PASSWORD, flow=flow)
    assert_tokens_for(result, "alice")
    assert result.refresh_token
    assert result.token_type == "Bearer"
    assert result.new_device_metadata is None


async def test_start_without_challenge_returns_tokens(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None
) -> None:
    """start() returns the tokens at once when the service sends no challenge."""
    await local_cognito.create_user("alice", PASSWORD)
    assert_tokens_for(await auth.start("alice", PASSWORD, flow=flow), "alice")


@pytest.mark.parametrize("with_secret", [False, True], ids=["plain", "secret"])
async def test_admin_no_srp_auth_is_the_legacy_password_flow(
    local_cognito: LocalCognito, with_secret: bool
) -> None:
    """ADMIN_NO_SRP_AUTH (the old name of admin password auth) reaches tokens."""
    await local_cognito.create_user("alice", PASSWORD)
    auth = local_cognito.auth_client(with_secret=with_secret)
    result = await auth.authenticate("alice", PASSWORD, flow=AuthFlow.ADMIN_NO_SRP_AUTH)
    assert_tokens_for(result, "alice")


# -- NEW_PASSWORD_REQUIRED ----------------------------------------------------------


async def test_new_password_required_answered_by_handler(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None
) -> None:
    """new_password() answers NEW_PASSWORD_REQUIRED inside authenticate(); the new password then works.

    The handler is called with a ChallengeContext naming the client, the round and the flow.
    """
    await local_cognito.create_user("alice", TEMPORARY, temporary=True)
    seen: list[Challenge] = []
    contexts: list[ChallengeContext] = []

    async def choose(challenge: Challenge) -> str:
        seen.append(challenge)
        return NEW_PASSWORD

    built_in = handlers.new_password(choose)

    async def answer(challenge: Challenge, context: ChallengeContext) -> Mapping[str, str]:
        contexts.append(context)
        return await built_in(challenge, context)

    registry = registry_with(NEW_PASSWORD_REQUIRED=answer)
    result = await auth.authenticate("alice", TEMPORARY, handlers=registry, flow=flow)
    assert_tokens_for(result, "alice")
    assert [(c.name, c.username) for c in seen] == [("NEW_PASSWORD_REQUIRED", "alice")]
    [context] = contexts
    assert context.client is auth
    assert context.round == 1
    assert context.flow == (flow or AuthFlow.ADMIN_USER_PASSWORD_AUTH)

    assert_tokens_for(await auth.authenticate("alice", NEW_PASSWORD, flow=flow), "alice")
    with pytest.raises(NotAuthorizedError):
        await auth.authenticate("alice", TEMPORARY, flow=flow)


async def test_new_password_required_across_two_requests(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None
) -> None:
    """start() stops at NEW_PASSWORD_REQUIRED; the challenge survives JSON and resume() finishes."""
    await local_cognito.create_user("alice", TEMPORARY, temporary=True)
    step = await auth.start("alice", TEMPORARY, flow=flow)
    assert isinstance(step, Challenge)
    assert step.name == ChallengeName.NEW_PASSWORD_REQUIRED
    assert step.username == "alice"
    assert step.session

    result = await auth.resume(round_trip(step), {"NEW_PASSWORD": NEW_PASSWORD})
    assert_tokens_for(result, "alice")
    assert_tokens_for(await auth.authenticate("alice", NEW_PASSWORD, flow=flow), "alice")


async def test_unhandled_challenge_can_be_resumed(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None
) -> None:
    """authenticate() raises UnhandledChallengeError for a challenge with no handler; its challenge resumes."""
    await local_cognito.create_user("alice", TEMPORARY, temporary=True)
    with pytest.raises(UnhandledChallengeError) as info:
        await auth.authenticate("alice", TEMPORARY, flow=flow)
    pending = info.value.challenge
    assert pending.name == ChallengeName.NEW_PASSWORD_REQUIRED
    assert pending.session
    assert "NEW_PASSWORD_REQUIRED" in str(info.value)

    result = await auth.resume(pending, {"NEW_PASSWORD": NEW_PASSWORD})
    assert_tokens_for(result, "alice")


# -- SOFTWARE_TOKEN_MFA ---------------------------------------------------------------


async def test_software_token_mfa_answered_by_handler(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None
) -> None:
    """software_token_mfa() answers SOFTWARE_TOKEN_MFA with the authenticator's code."""
    secret = await totp_user(local_cognito, auth, flow)
    seen: list[str] = []

    async def code(challenge: Challenge) -> str:
        seen.append(challenge.name)
        return await fresh_totp_code(secret)

    registry = registry_with(SOFTWARE_TOKEN_MFA=handlers.software_token_mfa(code))
    result = await auth.authenticate("alice", PASSWORD, handlers=registry, flow=flow)
    assert_tokens_for(result, "alice")
    assert seen == ["SOFTWARE_TOKEN_MFA"]


async def test_wrong_totp_code_in_resume_can_be_retried(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None
) -> None:
    """start() stops at SOFTWARE_TOKEN_MFA; a wrong code given to resume() raises CodeMismatchError
    carrying the challenge, which resumes with the right code."""
    secret = await totp_user(local_cognito, auth, flow)
    step = await auth.start("alice", PASSWORD, flow=flow)
    assert isinstance(step, Challenge)
    assert step.name == ChallengeName.SOFTWARE_TOKEN_MFA
    pending = round_trip(step)

    with pytest.raises(CodeMismatchError) as info:
        await auth.resume(pending, {"SOFTWARE_TOKEN_MFA_CODE": wrong_totp_code(secret)})
    error = info.value
    assert error.code == "CodeMismatchException"
    assert error.challenge == pending

    assert error.challenge is not None
    answers = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
    assert_tokens_for(await auth.resume(error.challenge, answers), "alice")


async def test_wrong_totp_code_from_handler_can_be_retried(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None
) -> None:
    """A handler's wrong code raises CodeMismatchError whose challenge resumes with the right code."""
    secret = await totp_user(local_cognito, auth, flow)

    async def bad_code(challenge: Challenge) -> str:
        return wrong_totp_code(secret)

    registry = registry_with(SOFTWARE_TOKEN_MFA=handlers.software_token_mfa(bad_code))
    with pytest.raises(CodeMismatchError) as info:
        await auth.authenticate("alice", PASSWORD, handlers=registry, flow=flow)
    pending = info.value.challenge
    assert pending is not None
    assert pending.name == ChallengeName.SOFTWARE_TOKEN_MFA
    assert pending.session

    answers = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
    assert_tokens_for(await auth.resume(round_trip(pending), answers), "alice")


# -- SMS_MFA --------------------------------------------------------------------------


async def test_sms_mfa_answered_by_handler(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None
) -> None:
    """sms_mfa() answers SMS_MFA (moto accepts any code)."""
    await local_cognito.create_user("alice", PASSWORD, attributes={"phone_number": PHONE})
    await local_cognito.idp.admin_set_user_mfa_preference(
        UserPoolId=local_cognito.user_pool_id,
        Username="alice",
        SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    seen: list[Challenge] = []

    async def code(challenge: Challenge) -> str:
        seen.append(challenge)
        return "123456"

    registry = registry_with(SMS_MFA=handlers.sms_mfa(code))
    result = await auth.authenticate("alice", PASSWORD, handlers=registry, flow=flow)
    assert_tokens_for(result, "alice")
    assert [(c.name, c.username) for c in seen] == [("SMS_MFA", "alice")]


# -- MFA_SETUP ----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["handlers", "resume"])
async def test_mfa_setup(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None, how: str
) -> None:
    """NEW_PASSWORD_REQUIRED then MFA_SETUP, its secret already fetched: the first code signs in.

    By mfa_setup_totp() (given the secret and URI), or by resume() after start()
    stopped at MFA_SETUP and the challenge went through JSON.
    """
    await local_cognito.require_mfa()
    await local_cognito.create_user("alice", TEMPORARY, temporary=True)
    seen: list[tuple[str, str, Challenge]] = []

    async def first_code(secret: str, uri: str, challenge: Challenge) -> str:
        seen.append((secret, uri, challenge))
        return await fresh_totp_code(secret)

    registry = registry_with(NEW_PASSWORD_REQUIRED=handlers.new_password(new_password_prompt))
    if how == "handlers":
        registry.register(ChallengeName.MFA_SETUP, handlers.mfa_setup_totp(first_code))
    step = await auth.start("alice", TEMPORARY, handlers=registry, flow=flow)
    if how == "resume":
        assert isinstance(step, Challenge)
        pending = round_trip(step)
        assert pending.secret_code is not None
        assert pending.otpauth_uri is not None
        code = await first_code(pending.secret_code, pending.otpauth_uri, pending)
        step = await auth.resume(pending, {"SOFTWARE_TOKEN_MFA_CODE": code})
    assert_tokens_for(step, "alice")

    [(secret, uri, challenge)] = seen
    assert challenge.name == ChallengeName.MFA_SETUP
    assert challenge.mfas_can_setup == ("SOFTWARE_TOKEN_MFA",)
    assert challenge.secret_code == secret
    assert uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in uri


async def test_wrong_mfa_setup_code_can_be_retried(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None
) -> None:
    """A wrong first code fails VerifySoftwareToken with CodeMismatchError; the challenge resumes."""
    await local_cognito.require_mfa()
    await local_cognito.create_user("alice", TEMPORARY, temporary=True)
    registry = registry_with(NEW_PASSWORD_REQUIRED=handlers.new_password(new_password_prompt))
    step = await auth.start("alice", TEMPORARY, handlers=registry, flow=flow)
    assert isinstance(step, Challenge)
    assert step.secret_code

    with pytest.raises(CodeMismatchError) as info:
        await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": wrong_totp_code(step.secret_code)})
    assert info.value.operation == "VerifySoftwareToken"
    assert info.value.challenge == step

    answers = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(step.secret_code)}
    assert_tokens_for(await auth.resume(step, answers), "alice")


# -- refresh ------------------------------------------------------------------------


async def test_refresh_returns_new_tokens(
    local_cognito: LocalCognito,
    auth: CognitoAuthClient,
    flow: AuthFlow | None,
    with_secret: bool,
) -> None:
    """refresh() trades the refresh token for new tokens (username= only needed with a secret)."""
    await local_cognito.create_user("alice", PASSWORD)
    first = await auth.authenticate("alice", PASSWORD, flow=flow)
    assert first.refresh_token is not None

    refreshed = await auth.refresh(first.refresh_token, username="alice" if with_secret else None)
    assert_tokens_for(refreshed, "alice")
    assert refreshed.access_token != first.access_token
    assert claims(refreshed.access_token)["origin_jti"] == claims(first.access_token)["origin_jti"]


async def test_refresh_with_username_and_no_secret(local_cognito: LocalCognito) -> None:
    """refresh() accepts username= on an app client without a secret too."""
    await local_cognito.create_user("alice", PASSWORD)
    auth = local_cognito.auth_client(admin=False)
    first = await auth.authenticate("alice", PASSWORD, flow=AuthFlow.USER_PASSWORD_AUTH)
    assert first.refresh_token is not None
    assert_tokens_for(await auth.refresh(first.refresh_token, username="alice"), "alice")


async def test_refresh_with_secret_and_no_username_on_moto(local_cognito: LocalCognito) -> None:
    """Where only REFRESH_TOKEN_AUTH exists (moto), a client with a secret needs username=, and says so."""
    auth = local_cognito.auth_client(with_secret=True)
    with pytest.raises(ConfigurationError, match="username"):
        await auth.refresh("some-refresh-token")


def record_operations(idp: Any) -> list[str]:
    """The names of the operations ``idp`` sends from now on, in order."""
    sent: list[str] = []

    def record(model: Any, **_: Any) -> None:
        sent.append(model.name)

    idp.meta.events.register("before-call.cognito-idp", record)
    return sent


async def test_refresh_falls_back_once_where_get_tokens_is_missing(
    local_cognito: LocalCognito,
) -> None:
    """moto lacks GetTokensFromRefreshToken: the first refresh falls back, later ones go straight to REFRESH_TOKEN_AUTH."""
    await local_cognito.create_user("alice", PASSWORD)
    auth = local_cognito.auth_client()
    first = await auth.authenticate("alice", PASSWORD)
    assert first.refresh_token is not None
    sent = record_operations(local_cognito.idp)
    once = await auth.refresh(first.refresh_token)
    twice = await auth.refresh(first.refresh_token)
    assert sent == ["GetTokensFromRefreshToken", "AdminInitiateAuth", "AdminInitiateAuth"]
    for result in (once, twice):
        assert_tokens_for(result, "alice")
        # REFRESH_TOKEN_AUTH issues no new refresh token: keep the one used.
        assert result.refresh_token == first.refresh_token


async def test_refresh_with_rotation_keeps_the_new_token(secret: str | None, admin: bool) -> None:
    """GetTokensFromRefreshToken takes ClientSecret itself (no user name) and its new refresh token is the one to keep."""
    async with stubbed_client(admin=admin, secret=secret) as (auth, stubber):
        expected: dict[str, Any] = {
            "ClientId": STUB_CLIENT_ID,
            "RefreshToken": "old-refresh-token-0123",
            "ClientMetadata": {"tenant": "acme"},
        }
        if secret is not None:
            expected["ClientSecret"] = secret
        stubber.add_response(
            "get_tokens_from_refresh_token",
            {"AuthenticationResult": {**TOKENS, "RefreshToken": "new-refresh-token-4567"}},
            expected,
        )
        result = await auth.refresh("old-refresh-token-0123", client_metadata={"tenant": "acme"})
    assert result.refresh_token == "new-refresh-token-4567"
    assert result.expires_in == TOKENS["ExpiresIn"]


async def test_refresh_without_rotation_keeps_the_old_token() -> None:
    """No RefreshToken and no ExpiresIn in the answer: keep the token used, and invent no lifetime."""
    async with stubbed_client() as (auth, stubber):
        stubber.add_response(
            "get_tokens_from_refresh_token",
            {"AuthenticationResult": {"AccessToken": TOKENS["AccessToken"]}},
            {"ClientId": STUB_CLIENT_ID, "RefreshToken": "old-refresh-token-0123"},
        )
        result = await auth.refresh("old-refresh-token-0123")
    assert result.refresh_token == "old-refresh-token-0123"
    assert result.expires_in is None


async def test_reused_rotated_refresh_token_is_refused() -> None:
    """RefreshTokenReuseException is a RefreshTokenReuseError, a NotAuthorizedError: sign in again."""
    async with stubbed_client() as (auth, stubber):
        stubber.add_client_error(
            "get_tokens_from_refresh_token",
            service_error_code="RefreshTokenReuseException",
            service_message="Refresh token has been revoked",
        )
        with pytest.raises(RefreshTokenReuseError) as info:
            await auth.refresh("old-refresh-token-0123")
    assert isinstance(info.value, NotAuthorizedError)
    assert "old-refresh-token-0123" not in str(info.value)


async def test_refresh_without_tokens_is_unexpected() -> None:
    """A refresh ends in tokens: an answer without AuthenticationResult is UnexpectedResponseError."""
    async with stubbed_client() as (auth, stubber):
        stubber.add_response("get_tokens_from_refresh_token", {})
        with pytest.raises(UnexpectedResponseError, match="refresh"):
            await auth.refresh("old-refresh-token-0123")


# -- errors -------------------------------------------------------------------------


async def test_wrong_password_is_not_authorized(
    local_cognito: LocalCognito, auth: CognitoAuthClient, flow: AuthFlow | None, admin: bool
) -> None:
    """A wrong password raises NotAuthorizedError (not SessionExpiredError) with the service's details."""
    await local_cognito.create_user("alice", PASSWORD)
    with pytest.raises(NotAuthorizedError) as info:
        await auth.authenticate("alice", "Wrong-Passw0rd!", flow=flow)
    error = info.value
    assert type(error) is NotAuthorizedError
    assert not isinstance(error, SessionExpiredError)
    assert error.code == "NotAuthorizedException"
    assert error.operation == ("AdminInitiateAuth" if admin else "InitiateAuth")
    assert isinstance(error.message, str)
    assert error.challenge is None
    assert isinstance(error.__cause__, botocore.exceptions.ClientError)
    assert error.__cause__.response["Error"]["Code"] == "NotAuthorizedException"


async def test_unknown_user_is_user_not_found(
    auth: CognitoAuthClient, flow: AuthFlow | None, admin: bool
) -> None:
    """moto reveals an unknown user: UserNotFoundError, a NotAuthorizedError, with the service's details."""
    with pytest.raises(NotAuthorizedError) as info:
        await auth.authenticate("nobody", PASSWORD, flow=flow)
    error = info.value
    assert type(error) is UserNotFoundError
    assert error.code == "UserNotFoundException"
    assert error.message == "User does not exist."
    assert error.operation == ("AdminInitiateAuth" if admin else "InitiateAuth")
    assert isinstance(error.__cause__, botocore.exceptions.ClientError)


# -- connect() ----------------------------------------------------------------------


async def test_connect_creates_and_closes_its_client(
    local_cognito: LocalCognito, monkeypatch: pytest.MonkeyPatch
) -> None:
    """connect() builds an aiobotocore client from the session, signs in with it, and closes it on exit."""
    await local_cognito.create_user("alice", PASSWORD)
    session = aiobotocore.session.AioSession()
    session.set_credentials("testing", "testing")
    events: list[str] = []
    create_client = session.create_client

    def spy(*args: Any, **kwargs: Any) -> Any:
        context = create_client(*args, **kwargs)

        class Spy:
            async def __aenter__(self) -> Any:
                events.append("open")
                self.client = await context.__aenter__()
                return self.client

            async def __aexit__(self, *exc: object) -> Any:
                events.append("close")
                return await context.__aexit__(*exc)  # type: ignore[arg-type]

        return Spy()

    monkeypatch.setattr(session, "create_client", spy)
    async with CognitoAuthClient.connect(
        user_pool_id=local_cognito.user_pool_id,
        client_id=local_cognito.client_id,
        endpoint_url=local_cognito.endpoint_url,
        region_name="us-east-1",
        session=session,
        config=aio_config(),
        max_rounds=3,
    ) as auth:
        assert events == ["open"]
        assert auth.max_rounds == 3
        assert_tokens_for(await auth.authenticate("alice", PASSWORD), "alice")
    assert events == ["open", "close"]


# -- concurrency --------------------------------------------------------------------


async def test_concurrent_sign_ins_get_their_own_tokens(local_cognito: LocalCognito) -> None:
    """200 users signing in at once on one client each get tokens naming themselves."""
    names = [f"user{i:03d}" for i in range(200)]
    await asyncio.gather(*(local_cognito.create_user(name, f"{name}-Passw0rd!") for name in names))
    auth = local_cognito.auth_client(with_secret=True)

    results = await asyncio.gather(
        *(auth.authenticate(name, f"{name}-Passw0rd!") for name in names)
    )
    assert [claims(r.id_token)["cognito:username"] for r in results] == names
    assert len({r.access_token for r in results}) == len(names)


# -- USER_SRP_AUTH ------------------------------------------------------------------


@pytest.fixture
async def email_pool(local_cognito: LocalCognito) -> AsyncIterator[tuple[str, str, str, str]]:
    """A pool whose users sign in with their email: (pool id, client id, secret client id, secret).

    moto answers USER_SRP_AUTH with USER_ID_FOR_SRP = the user's sub and looks
    the user up by it, which only finds the user where the sub is the user name,
    as in an email-as-username pool (the real service's USER_ID_FOR_SRP is the
    user name in the fixture's plain pool).
    """
    idp = local_cognito.idp
    pool = await idp.create_user_pool(PoolName="srp-email", UsernameAttributes=["email"])
    pool_id = pool["UserPool"]["Id"]
    plain = await idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="plain", ExplicitAuthFlows=EXPLICIT_AUTH_FLOWS
    )
    secret = await idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="secret",
        GenerateSecret=True,
        ExplicitAuthFlows=EXPLICIT_AUTH_FLOWS,
    )
    yield (
        pool_id,
        plain["UserPoolClient"]["ClientId"],
        secret["UserPoolClient"]["ClientId"],
        secret["UserPoolClient"]["ClientSecret"],
    )
    await idp.delete_user_pool(UserPoolId=pool_id)


async def test_user_srp_auth_reaches_tokens(
    local_cognito: LocalCognito, email_pool: tuple[str, str, str, str], with_secret: bool
) -> None:
    """USER_SRP_AUTH (the public default) answers PASSWORD_VERIFIER for USER_ID_FOR_SRP and gets tokens.

    moto does not check the SRP signature: this proves the wiring only.
    """
    pool_id, client_id, secret_client_id, client_secret = email_pool
    idp = local_cognito.idp
    email = "carol@example.com"
    await idp.admin_create_user(
        UserPoolId=pool_id, Username=email, TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )
    await idp.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    internal_name = (await idp.admin_get_user(UserPoolId=pool_id, Username=email))["Username"]
    assert internal_name != email

    auth = CognitoAuthClient(
        idp,
        user_pool_id=pool_id,
        client_id=secret_client_id if with_secret else client_id,
        client_secret=client_secret if with_secret else None,
        admin=False,
    )
    result = await auth.authenticate(email, PASSWORD)
    assert_tokens_for(result, internal_name)


# -- where SRP maths runs -----------------------------------------------------------


class _SrpPeerOfOneAnswer:
    """Answers InitiateAuth with a PASSWORD_VERIFIER carrying ``srp_b``, then tokens."""

    def __init__(self, srp_b: str) -> None:
        self.srp_b = srp_b

    async def initiate_auth(self, **params: Any) -> dict[str, Any]:
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": "s" * 24,
            "ChallengeParameters": {
                "SRP_B": self.srp_b,
                "SALT": "ab12",
                "SECRET_BLOCK": "c2VjcmV0",
                "USER_ID_FOR_SRP": "alice",
            },
        }

    async def respond_to_auth_challenge(self, **params: Any) -> dict[str, Any]:
        assert params["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"]
        return {"AuthenticationResult": {"AccessToken": "a.b.c", "ExpiresIn": 60}}


async def test_srp_runs_on_a_given_executor() -> None:
    """executor= moves the SRP maths onto the caller's executor."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="mine") as executor:
        auth = CognitoAuthClient(
            _SrpPeerOfOneAnswer("3" * 700),  # type: ignore[arg-type]
            user_pool_id="us-east-1_Pool",
            client_id="c",
            admin=False,
            executor=executor,
        )
        result = await auth.authenticate("alice", PASSWORD)
    assert result.access_token == "a.b.c"


@pytest.mark.parametrize("srp_b", ["0", "not-hex"])
async def test_srp_refuses_a_broken_srp_b(srp_b: str) -> None:
    """An SRP_B the maths must refuse raises UnexpectedResponseError, not ValueError."""
    auth = CognitoAuthClient(
        _SrpPeerOfOneAnswer(srp_b),  # type: ignore[arg-type]
        user_pool_id="us-east-1_Pool",
        client_id="c",
        admin=False,
    )
    with pytest.raises(UnexpectedResponseError):
        await auth.authenticate("alice", PASSWORD)


async def test_many_srp_sign_ins_share_the_worker() -> None:
    """Concurrent SRP sign-ins on the default worker thread all complete."""
    auth = CognitoAuthClient(
        _SrpPeerOfOneAnswer("3" * 700),  # type: ignore[arg-type]
        user_pool_id="us-east-1_Pool",
        client_id="c",
        admin=False,
    )
    results = await asyncio.gather(*(auth.authenticate("alice", PASSWORD) for _ in range(20)))
    assert len(results) == 20


async def test_admin_without_credentials_says_what_is_missing(
    local_cognito: LocalCognito, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """admin=True with no AWS credentials anywhere is a ConfigurationError that says so."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    async with CognitoAuthClient.connect(
        user_pool_id=local_cognito.user_pool_id,
        client_id=local_cognito.client_id,
        endpoint_url=local_cognito.endpoint_url,
    ) as auth:
        with pytest.raises(ConfigurationError, match="credentials"):
            await auth.authenticate("alice", PASSWORD)


async def test_connect_takes_explicit_credentials(local_cognito: LocalCognito) -> None:
    """connect(aws_access_key_id=..., aws_secret_access_key=...) signs admin calls with them."""
    await local_cognito.create_user("alice", PASSWORD)
    async with CognitoAuthClient.connect(
        user_pool_id=local_cognito.user_pool_id,
        client_id=local_cognito.client_id,
        endpoint_url=local_cognito.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ) as auth:
        assert_tokens_for(await auth.authenticate("alice", PASSWORD), "alice")


# -- bad input at the client ------------------------------------------------------


def _offline_client(**options: Any) -> CognitoAuthClient:
    # No call is ever made: every case below fails before one.
    return CognitoAuthClient(
        _SrpPeerOfOneAnswer("3" * 700),  # type: ignore[arg-type]
        user_pool_id="us-east-1_Pool",
        client_id="c",
        **options,
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"handlers": ["not", "a", "registry"]}, "handlers must be"),
        ({"client_metadata": {"k": 1}}, "client_metadata"),
        ({"client_metadata": "k=v"}, "client_metadata"),
    ],
)
async def test_bad_arguments_fail_before_any_call(kwargs: dict[str, Any], message: str) -> None:
    """Bad handlers or client_metadata raise ConfigurationError naming them."""
    with pytest.raises(ConfigurationError, match=message):
        await _offline_client().authenticate("alice", PASSWORD, **kwargs)


def test_admin_must_be_a_bool() -> None:
    """admin="yes" is refused at construction."""
    with pytest.raises(ConfigurationError, match="admin"):
        _offline_client(admin="yes")


async def test_connect_checks_the_pool_id_first() -> None:
    """connect() with a pool id that names no region fails before creating a client."""
    with pytest.raises(ConfigurationError, match="user_pool_id"):
        async with CognitoAuthClient.connect(user_pool_id="nope", client_id="c"):
            pass  # pragma: no cover


async def test_resume_with_a_forgotten_device_is_refused() -> None:
    """A challenge from a sign-in with a device the store no longer has is refused clearly."""
    from cognito_flow import InMemoryDeviceStore

    auth = _offline_client(device_store=InMemoryDeviceStore())
    challenge = Challenge(
        name="SOFTWARE_TOKEN_MFA", session="s" * 24, username="alice", device_key="dev-1"
    )
    with pytest.raises(ConfigurationError, match="device store no longer has"):
        await auth.resume(challenge, {"SOFTWARE_TOKEN_MFA_CODE": "123456"})


@pytest.mark.parametrize(
    ("options", "name"),
    [({"session": None, "region_name": "not a region!"}, "InvalidRegionError")],
)
async def test_connect_setup_errors_are_configuration_errors(
    options: dict[str, Any], name: str
) -> None:
    """A client that cannot be built (a bad region) is a ConfigurationError naming the cause."""
    with pytest.raises(ConfigurationError, match=name):
        async with CognitoAuthClient.connect(
            user_pool_id="us-east-1_Pool", client_id="c", admin=False, **options
        ):
            pass


async def test_connect_with_a_missing_profile_is_a_configuration_error() -> None:
    """A named AWS profile that does not exist is a ConfigurationError, not botocore's own error."""
    import aiobotocore.session

    with pytest.raises(ConfigurationError, match="ProfileNotFound"):
        async with CognitoAuthClient.connect(
            user_pool_id="us-east-1_Pool",
            client_id="c",
            session=aiobotocore.session.AioSession(profile="no-such-profile-anywhere"),
        ):
            pass

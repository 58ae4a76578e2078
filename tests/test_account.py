"""Around the sign-in: sign-out, password recovery, sign-up and its confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Make
from fake_cognito import FakeCognito
from stubbed import CLIENT_ID, CLIENT_SECRET, TOKENS, secret_hash, session, stubbed_client

from cognito_flow import (
    AuthenticationResult,
    CodeDelivery,
    CodeMismatchError,
    ConfigurationError,
    ExpiredCodeError,
    InvalidPasswordError,
    NotAuthorizedError,
    RequestContext,
    TooManyRequestsError,
    UserExistsError,
)
from cognito_flow.testing import LocalCognito

PASSWORD = "Passw0rd!-account"
NEW_PASSWORD = "N3w-Passw0rd!-account"


def capture_moto_code(idp: Any) -> list[str]:
    """moto hands ForgotPassword's code back in a header of its own; collect it."""
    codes: list[str] = []

    def grab(http_response: Any, **_: Any) -> None:
        code = http_response.headers.get("x-moto-forgot-password-confirmation-code")
        if code:
            codes.append(code)

    idp.meta.events.register("after-call.cognito-idp.ForgotPassword", grab)
    return codes


async def test_sign_out_revokes_the_refresh_token(service: FakeCognito, make: Make) -> None:
    """sign_out(refresh_token) is RevokeToken; a refresh after it is refused."""
    service.add_user("alice", PASSWORD)
    auth = make(secret=True)
    result = await auth.authenticate("alice", PASSWORD)
    assert result.refresh_token is not None
    await auth.refresh(result.refresh_token)
    await auth.sign_out(result.refresh_token)
    revoke = service.calls("RevokeToken")[-1]
    assert revoke["Token"] == result.refresh_token
    assert revoke["ClientSecret"]
    with pytest.raises(NotAuthorizedError):
        await auth.refresh(result.refresh_token)


@pytest.mark.parametrize("by", ["access_token", "username"])
async def test_global_sign_out_ends_every_session(local_cognito: LocalCognito, by: str) -> None:
    """global_sign_out(access_token=) or, on the admin API, (username=): refresh is refused after it."""
    await local_cognito.create_user("alice", PASSWORD)
    auth = local_cognito.auth_client()
    result = await auth.authenticate("alice", PASSWORD)
    assert result.refresh_token is not None
    if by == "username":
        await auth.global_sign_out(username="alice")
    else:
        await auth.global_sign_out(access_token=result.access_token)
    with pytest.raises(NotAuthorizedError):
        await auth.refresh(result.refresh_token)


async def test_global_sign_out_needs_one_way(local_cognito: LocalCognito) -> None:
    """Neither or both of access_token= and username= is a ConfigurationError; username= needs admin."""
    auth = local_cognito.auth_client(admin=False)
    with pytest.raises(ConfigurationError, match="one"):
        await auth.global_sign_out()
    with pytest.raises(ConfigurationError, match="admin"):
        await auth.global_sign_out(username="alice")


@pytest.mark.parametrize("with_secret", [False, True], ids=["no-secret", "secret"])
async def test_password_recovery(local_cognito: LocalCognito, with_secret: bool) -> None:
    """forgot_password says where the code went; confirm_forgot_password sets the new password."""
    await local_cognito.create_user("alice", PASSWORD, attributes={"email": "alice@example.com"})
    codes = capture_moto_code(local_cognito.idp)
    auth = local_cognito.auth_client(with_secret=with_secret)
    delivery = await auth.forgot_password("alice")
    assert isinstance(delivery, CodeDelivery)
    assert delivery.delivery_medium in ("EMAIL", "SMS")
    await auth.confirm_forgot_password("alice", codes[-1], NEW_PASSWORD)
    assert (await auth.authenticate("alice", NEW_PASSWORD)).access_token
    with pytest.raises(NotAuthorizedError):
        await auth.authenticate("alice", PASSWORD)


@pytest.mark.parametrize("with_secret", [False, True], ids=["no-secret", "secret"])
async def test_sign_up_then_sign_in(local_cognito: LocalCognito, with_secret: bool) -> None:
    """sign_up creates an unconfirmed user; confirm_sign_up confirms it; the password then works."""
    auth = local_cognito.auth_client(with_secret=with_secret)
    signed_up = await auth.sign_up("bob", PASSWORD, attributes={"email": "bob@example.com"})
    assert signed_up.user_sub
    assert signed_up.user_confirmed is False
    await auth.confirm_sign_up("bob", "123456")
    assert (await auth.authenticate("bob", PASSWORD)).access_token
    with pytest.raises(UserExistsError):
        await auth.sign_up("bob", PASSWORD)


@pytest.mark.parametrize("admin", [True, False], ids=["admin", "public"])
async def test_sign_in_after_sign_up_with_the_session(admin: bool) -> None:
    """SignUp's Session goes to ConfirmSignUp; the Session back starts USER_AUTH with no password."""
    context = RequestContext(
        ip_address="198.51.100.9", server_name="example.com", server_path="/", http_headers={}
    )
    async with stubbed_client(admin=admin, secret=CLIENT_SECRET) as (auth, stubber):
        stubber.add_response(
            "sign_up",
            {"UserConfirmed": False, "UserSub": "sub-bob", "Session": session(1)},
            {
                "ClientId": CLIENT_ID,
                "Username": "bob",
                "SecretHash": secret_hash("bob"),
                "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}],
                "UserContextData": {"IpAddress": "198.51.100.9"},
            },
        )
        stubber.add_response(
            "confirm_sign_up",
            {"Session": session(2)},
            {
                "ClientId": CLIENT_ID,
                "Username": "bob",
                "ConfirmationCode": "123456",
                "Session": session(1),
                "SecretHash": secret_hash("bob"),
            },
        )
        initiate: dict[str, Any] = {
            "ClientId": CLIENT_ID,
            "AuthFlow": "USER_AUTH",
            "AuthParameters": {"USERNAME": "bob", "SECRET_HASH": secret_hash("bob")},
            "Session": session(2),
        }
        if admin:
            initiate["UserPoolId"] = auth.user_pool_id
        stubber.add_response(
            "admin_initiate_auth" if admin else "initiate_auth",
            {"AuthenticationResult": TOKENS, "ChallengeParameters": {}},
            initiate,
        )
        signed_up = await auth.sign_up(
            "bob", attributes={"email": "bob@example.com"}, context=context
        )
        assert "Session" not in repr(signed_up)
        signed_in = await auth.confirm_sign_up("bob", "123456", session=signed_up.session)
        assert signed_in == session(2)
        result = await auth.start("bob", flow="USER_AUTH", session=signed_in)
    assert isinstance(result, AuthenticationResult)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("CodeMismatchException", CodeMismatchError),
        ("ExpiredCodeException", ExpiredCodeError),
        ("LimitExceededException", TooManyRequestsError),
        ("InvalidPasswordException", InvalidPasswordError),
    ],
)
async def test_recovery_errors_have_their_classes(code: str, cls: type[Exception]) -> None:
    """ConfirmForgotPassword's refusals map to the existing classes, and never echo the password."""
    async with stubbed_client(admin=False) as (auth, stubber):
        stubber.add_client_error(
            "confirm_forgot_password",
            service_error_code=code,
            service_message=f"refused {NEW_PASSWORD} with 654321",
            expected_params={
                "ClientId": CLIENT_ID,
                "Username": "alice",
                "ConfirmationCode": "654321",
                "Password": NEW_PASSWORD,
                "ClientMetadata": {"tenant": "acme"},
            },
        )
        with pytest.raises(cls) as info:
            await auth.confirm_forgot_password(
                "alice", "654321", NEW_PASSWORD, client_metadata={"tenant": "acme"}
            )
    assert NEW_PASSWORD not in str(info.value)
    assert "654321" not in str(info.value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda auth: auth.forgot_password(""), "username"),
        (lambda auth: auth.confirm_forgot_password("alice", "", "x"), "code"),
        (lambda auth: auth.sign_up("bob", "pw", attributes={"email": 1}), "attributes"),
        (lambda auth: auth.confirm_sign_up("bob", "1", session=7), "session"),
        (lambda auth: auth.sign_out(""), "refresh_token"),
        (lambda auth: auth.forgot_password("al\ud800ice"), "username"),
    ],
)
async def test_bad_input_is_named_before_any_call(call: Any, message: str) -> None:
    """Each account call checks its input and names what is wrong, sending nothing."""
    async with stubbed_client(admin=False) as (auth, _):
        with pytest.raises(ConfigurationError, match=message):
            await call(auth)

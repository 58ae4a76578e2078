"""Around the sign-in: sign-out, password recovery and sign-up.

Each is one call to the service, so there is no conversation to keep:
``AccountRequests`` builds the request (SECRET_HASH from the user name,
ClientMetadata, UserContextData for threat protection, exactly as the sign-in
does), the functions below read the answers, and ``AccountMethods`` (mixed
into ``CognitoAuthClient``) sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._config import FlowConfig
from ._context import RequestContext
from ._errors import ConfigurationError, UnexpectedResponseError, check_text
from ._events import Call
from ._models import CodeDelivery, SignUpResult
from ._requests import secret_hash
from ._transport import Transport

__all__ = ["AccountMethods", "AccountRequests"]


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{name} must be a non-empty string")
    check_text(value, name, ConfigurationError)
    return value


def _strings(value: object, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigurationError(f"{name} must be a mapping of strings to strings")
    check_text(value, name, ConfigurationError)
    return dict(value)


@attrs.frozen
class AccountRequests:
    """Builds the calls around a sign-in for one app client."""

    config: FlowConfig
    client_metadata: Mapping[str, str] | None = attrs.field(default=None, repr=False)
    context: RequestContext | None = attrs.field(default=None, repr=False)

    def revoke_token(self, refresh_token: object) -> Call:
        """RevokeToken: the refresh token, and the tokens issued from it, stop working."""
        token = _text(refresh_token, "refresh_token")
        params: dict[str, Any] = {"Token": token, "ClientId": self.config.client_id}
        secrets = {token}
        if self.config.client_secret is not None:
            params["ClientSecret"] = self.config.client_secret
            secrets.add(self.config.client_secret)
        return Call("revoke_token", params, frozenset(secrets))

    def global_sign_out(self, access_token: object) -> Call:
        """GlobalSignOut: every refresh token of the access token's user stops working."""
        token = _text(access_token, "access_token")
        return Call("global_sign_out", {"AccessToken": token}, frozenset({token}))

    def admin_global_sign_out(self, username: object) -> Call:
        """AdminUserGlobalSignOut: the same, by user name, with IAM credentials."""
        return Call(
            "admin_user_global_sign_out",
            {"UserPoolId": self.config.user_pool_id, "Username": _text(username, "username")},
        )

    def forgot_password(self, username: object) -> Call:
        """ForgotPassword: send the user a code to set a new password with."""
        return self._for_user("forgot_password", username, {})

    def confirm_forgot_password(self, username: object, code: object, password: object) -> Call:
        """ConfirmForgotPassword: the code and the new password."""
        fields = {
            "ConfirmationCode": _text(code, "code"),
            "Password": _text(password, "new_password"),
        }
        return self._for_user("confirm_forgot_password", username, fields)

    def sign_up(
        self,
        username: object,
        password: object,
        attributes: object,
        validation_data: object,
    ) -> Call:
        """SignUp with attributes (``{"email": ...}``) and Lambda validation data."""
        fields: dict[str, Any] = {}
        if password is not None:
            fields["Password"] = _text(password, "password")
        named = _strings(attributes, "attributes")
        if named:
            fields["UserAttributes"] = [{"Name": k, "Value": v} for k, v in named.items()]
        validation = _strings(validation_data, "validation_data")
        if validation:
            fields["ValidationData"] = [{"Name": k, "Value": v} for k, v in validation.items()]
        return self._for_user("sign_up", username, fields)

    def confirm_sign_up(self, username: object, code: object, session: object) -> Call:
        """ConfirmSignUp with the code; ``session`` is SignUp's, to sign in right after."""
        fields: dict[str, Any] = {"ConfirmationCode": _text(code, "code")}
        if session is not None:
            fields["Session"] = _text(session, "session")
        return self._for_user("confirm_sign_up", username, fields)

    def resend_confirmation_code(self, username: object) -> Call:
        """ResendConfirmationCode: another sign-up code."""
        return self._for_user("resend_confirmation_code", username, {})

    def _for_user(self, operation: str, username: object, fields: Mapping[str, Any]) -> Call:
        name = _text(username, "username")
        params: dict[str, Any] = {"ClientId": self.config.client_id, "Username": name, **fields}
        secrets = {v for k, v in fields.items() if k in ("Password", "ConfirmationCode", "Session")}
        if self.config.client_secret is not None:
            params["SecretHash"] = secret_hash(
                name, self.config.client_id, self.config.client_secret
            )
            secrets.add(params["SecretHash"])
        if self.client_metadata:
            params["ClientMetadata"] = dict(self.client_metadata)
        if self.context is not None:
            # These operations exist on the public API only: UserContextData.
            params["UserContextData"] = self.context.user_context_data()
        return Call(operation, params, frozenset(secrets))


def code_delivery(response: Mapping[str, Any]) -> CodeDelivery | None:
    """Where the service sent a code (CodeDeliveryDetails), or None if it did not say."""
    details = response.get("CodeDeliveryDetails")
    if details is None:
        return None
    if not isinstance(details, Mapping):
        raise UnexpectedResponseError("CodeDeliveryDetails is not an object")
    values = {k: details.get(k) for k in ("Destination", "DeliveryMedium", "AttributeName")}
    if not all(v is None or isinstance(v, str) for v in values.values()):
        raise UnexpectedResponseError("CodeDeliveryDetails holds a value that is not a string")
    return CodeDelivery(
        destination=values["Destination"],
        delivery_medium=values["DeliveryMedium"],
        attribute_name=values["AttributeName"],
    )


def signed_up(response: Mapping[str, Any]) -> SignUpResult:
    """SignUp's answer: whether the user is confirmed, the user's sub, the code's delivery."""
    confirmed, sub = response.get("UserConfirmed"), response.get("UserSub")
    if not isinstance(confirmed, bool) or not isinstance(sub, str):
        raise UnexpectedResponseError("SignUp answered without UserConfirmed and UserSub")
    return SignUpResult(
        user_confirmed=confirmed,
        user_sub=sub,
        code_delivery=code_delivery(response),
        session=_session(response),
    )


def _session(response: Mapping[str, Any]) -> str | None:
    session = response.get("Session")
    if session is not None and not isinstance(session, str):
        raise UnexpectedResponseError("the Session of the answer is not a string")
    return session or None


class AccountMethods:
    """The calls around a sign-in, as methods of ``CognitoAuthClient``."""

    # Provided by CognitoAuthClient.
    admin: bool
    _config: FlowConfig
    _transport: Transport

    async def sign_out(self, refresh_token: str) -> None:
        """Sign out one session: RevokeToken on the refresh token.

        The refresh token, and the access and ID tokens issued from it, stop
        working (a later ``refresh()`` is refused with NotAuthorizedError).
        """
        await self._transport.send(AccountRequests(self._config).revoke_token(refresh_token))

    async def global_sign_out(
        self, *, access_token: str | None = None, username: str | None = None
    ) -> None:
        """Sign the user out everywhere: every refresh token of the user stops working.

        With ``access_token``: GlobalSignOut. With ``username`` on the admin
        API: AdminUserGlobalSignOut (IAM credentials).
        """
        requests = AccountRequests(self._config)
        if (access_token is None) == (username is None):
            raise ConfigurationError("global_sign_out() needs access_token= or username=, one")
        if username is not None:
            if not self.admin:
                raise ConfigurationError("global_sign_out(username=) needs the admin API")
            await self._transport.send(requests.admin_global_sign_out(username))
        else:
            await self._transport.send(requests.global_sign_out(access_token))

    async def forgot_password(
        self,
        username: str,
        *,
        client_metadata: Mapping[str, str] | None = None,
        context: RequestContext | None = None,
    ) -> CodeDelivery | None:
        """Start a password reset (ForgotPassword); returns where the code went.

        The way out of ``PasswordResetRequiredError``: then
        ``confirm_forgot_password()`` with the code and a new password.
        """
        call = self._account(client_metadata, context).forgot_password(username)
        return code_delivery(await self._transport.send(call))

    async def confirm_forgot_password(
        self,
        username: str,
        code: str,
        new_password: str,
        *,
        client_metadata: Mapping[str, str] | None = None,
        context: RequestContext | None = None,
    ) -> None:
        """Set the new password with the code ForgotPassword sent (ConfirmForgotPassword).

        A wrong code is CodeMismatchError, a late one ExpiredCodeError, a
        password the policy refuses InvalidPasswordError, too many tries
        TooManyRequestsError.
        """
        requests = self._account(client_metadata, context)
        await self._transport.send(requests.confirm_forgot_password(username, code, new_password))

    async def sign_up(
        self,
        username: str,
        password: str | None = None,
        *,
        attributes: Mapping[str, str] | None = None,
        validation_data: Mapping[str, str] | None = None,
        client_metadata: Mapping[str, str] | None = None,
        context: RequestContext | None = None,
    ) -> SignUpResult:
        """Create a user (SignUp); ``attributes`` such as ``{"email": ...}``.

        ``password`` may be None in pools that sign people in without one
        (USER_AUTH). The result says whether the user is confirmed already,
        and where the confirmation code went.
        """
        call = self._account(client_metadata, context).sign_up(
            username, password, attributes, validation_data
        )
        return signed_up(await self._transport.send(call))

    async def confirm_sign_up(
        self,
        username: str,
        code: str,
        *,
        session: str | None = None,
        client_metadata: Mapping[str, str] | None = None,
        context: RequestContext | None = None,
    ) -> str | None:
        """Confirm a sign-up with its code (ConfirmSignUp); returns a Session, or None.

        Pass SignUp's ``result.session``: with choice-based sign-in the
        Session that comes back signs the new user in without a password,
        ``auth.start(username, flow="USER_AUTH", session=session)``.
        """
        call = self._account(client_metadata, context).confirm_sign_up(username, code, session)
        return _session(await self._transport.send(call))

    async def resend_confirmation_code(
        self,
        username: str,
        *,
        client_metadata: Mapping[str, str] | None = None,
        context: RequestContext | None = None,
    ) -> CodeDelivery | None:
        """Send another sign-up code (ResendConfirmationCode); returns where it went."""
        call = self._account(client_metadata, context).resend_confirmation_code(username)
        return code_delivery(await self._transport.send(call))

    def _account(
        self, client_metadata: Mapping[str, str] | None, context: RequestContext | None
    ) -> AccountRequests:
        metadata = _strings(client_metadata, "client_metadata") or None
        if context is not None and not isinstance(context, RequestContext):
            raise ConfigurationError(
                f"context must be a RequestContext or None, not {type(context).__name__}"
            )
        return AccountRequests(self._config, metadata, context)

"""Request building: the one place that adds ClientId, UserPoolId, ClientMetadata,
SECRET_HASH, DEVICE_KEY and the Session to what a step of the core sends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

import attrs

from ._config import FlowConfig
from ._context import RequestContext
from ._events import Call
from ._models import Challenge, RememberedDevice
from ._names import AuthFlow
from .srp import DeviceVerifier

__all__ = ["Requests", "confirm_device", "device_status", "forget_device", "secret_hash"]


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """SECRET_HASH: Base64(HMAC-SHA256(client secret, username + client id))."""
    digest = hmac.new(
        client_secret.encode(), (username + client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


@attrs.frozen
class Requests:
    """Builds the requests of one sign-in for one app client (and device, and metadata)."""

    config: FlowConfig
    device: RememberedDevice | None = attrs.field(default=None, repr=False)
    client_metadata: Mapping[str, str] | None = attrs.field(default=None, repr=False)
    #: The person's request, for Cognito's threat protection.
    context: RequestContext | None = attrs.field(default=None, repr=False)

    def initiate(
        self,
        flow: AuthFlow,
        parameters: Mapping[str, str],
        secrets: AbstractSet[str],
        *,
        username: str | None,
        session: str | None = None,
    ) -> Call:
        """(Admin)InitiateAuth. It spends nothing, so the shell may send it again after a fault.

        ``session`` is the Session of ConfirmSignUp, to sign a new user in
        without a password (USER_AUTH).
        """
        values = dict(parameters)
        hidden = set(secrets) | self._add_secret_hash_and_device_key(values, username)
        params = self._client_fields()
        params["AuthFlow"] = flow
        params["AuthParameters"] = values
        if session is not None:
            params["Session"] = session
            hidden.add(session)
        op = "admin_initiate_auth" if self.config.admin else "initiate_auth"
        return Call(
            op, params, frozenset(hidden), has_device=self.device is not None, retry_safe=True
        )

    def respond(
        self,
        challenge_name: str,
        username: str,
        session: str | None,
        answers: Mapping[str, str],
        secrets: AbstractSet[str],
        *,
        answering: Challenge | None = None,
    ) -> Call:
        """(Admin)RespondToAuthChallenge with USERNAME, SECRET_HASH from it, and DEVICE_KEY.

        Real Cognito sends PASSWORD_VERIFIER without a Session (its state
        rides in SECRET_BLOCK): a challenge without one is answered without one.
        """
        values = dict(answers)
        values["USERNAME"] = username
        hidden = set(secrets) | self._add_secret_hash_and_device_key(values, username)
        params = self._client_fields()
        params["ChallengeName"] = challenge_name
        params["ChallengeResponses"] = values
        if session is not None:
            params["Session"] = session
            hidden.add(session)
        op = "admin_respond_to_auth_challenge" if self.config.admin else "respond_to_auth_challenge"
        return Call(
            op,
            params,
            frozenset(hidden),
            has_device=self.device is not None,
            answering=answering,
        )

    def associate_software_token(self, session: str) -> Call:
        """AssociateSoftwareToken for an MFA_SETUP: the secret, and a new Session."""
        return Call("associate_software_token", {"Session": session}, frozenset({session}))

    def verify_software_token(
        self, session: str, code: str, friendly_name: str | None, *, answering: Challenge
    ) -> Call:
        """VerifySoftwareToken with the first code of the authenticator being set up."""
        params = {"Session": session, "UserCode": code}
        if friendly_name:
            params["FriendlyDeviceName"] = friendly_name
        return Call(
            "verify_software_token", params, frozenset({session, code}), answering=answering
        )

    def get_tokens(self, refresh_token: str) -> Call:
        """GetTokensFromRefreshToken: ClientSecret and DeviceKey themselves, no SECRET_HASH.

        Not retry_safe: where refresh tokens rotate, a lost answer may have
        spent the token.
        """
        params: dict[str, Any] = {"ClientId": self.config.client_id, "RefreshToken": refresh_token}
        hidden = {refresh_token}
        if self.config.client_secret is not None:
            params["ClientSecret"] = self.config.client_secret
            hidden.add(self.config.client_secret)
        if self.device is not None:
            params["DeviceKey"] = self.device.device_key
        if self.client_metadata:
            params["ClientMetadata"] = dict(self.client_metadata)
        return Call(
            "get_tokens_from_refresh_token",
            params,
            frozenset(hidden),
            has_device=self.device is not None,
        )

    def _client_fields(self) -> dict[str, Any]:
        """What every sign-in request of this client carries (not refresh's GetTokens)."""
        params: dict[str, Any] = {"ClientId": self.config.client_id}
        if self.config.admin:
            params["UserPoolId"] = self.config.user_pool_id
        if self.client_metadata:
            params["ClientMetadata"] = dict(self.client_metadata)
        if self.context is not None:
            # The person's IP, headers and the browser script's EncodedData,
            # for threat protection: ContextData on the admin API,
            # UserContextData on the public one.
            if self.config.admin:
                params["ContextData"] = self.context.context_data()
            else:
                params["UserContextData"] = self.context.user_context_data()
        return params

    def _add_secret_hash_and_device_key(
        self, values: dict[str, str], username: str | None
    ) -> set[str]:
        """Add SECRET_HASH (from this request's USERNAME) and DEVICE_KEY; return what is secret."""
        added = set()
        if self.config.client_secret is not None and username:
            values["SECRET_HASH"] = secret_hash(
                username, self.config.client_id, self.config.client_secret
            )
            added.add(values["SECRET_HASH"])
        if self.device is not None:
            values["DEVICE_KEY"] = self.device.device_key
        return added


# -- the device steps: no app client fields, the access token says who -----------


def confirm_device(
    access_token: str, device_key: str, verifier: DeviceVerifier, device_name: str
) -> Call:
    """ConfirmDevice: register a new device's SRP verifier."""
    return Call(
        "confirm_device",
        {
            "AccessToken": access_token,
            "DeviceKey": device_key,
            "DeviceSecretVerifierConfig": verifier.secret_verifier_config(),
            "DeviceName": device_name,
        },
        frozenset({access_token, verifier.password}),
    )


def device_status(access_token: str, device_key: str, *, remembered: bool) -> Call:
    """UpdateDeviceStatus: remember a device (or stop remembering it)."""
    return Call(
        "update_device_status",
        {
            "AccessToken": access_token,
            "DeviceKey": device_key,
            "DeviceRememberedStatus": "remembered" if remembered else "not_remembered",
        },
        frozenset({access_token}),
    )


def forget_device(access_token: str, device_key: str) -> Call:
    """ForgetDevice: the service forgets a device."""
    return Call(
        "forget_device",
        {"AccessToken": access_token, "DeviceKey": device_key},
        frozenset({access_token}),
    )

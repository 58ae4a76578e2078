"""A small Cognito of our own, for what moto does not check: SRP and devices.

It speaks the service's JSON 1.1 protocol over HTTP on 127.0.0.1, so the
library reaches it through aiobotocore's ``endpoint_url`` exactly as it reaches
AWS. It holds SRP verifiers (never passwords), issues SRP_B / SALT /
SECRET_BLOCK, and really verifies PASSWORD_CLAIM_SIGNATURE and TIMESTAMP with
``SrpVerifierPeer`` (written apart from ``cognito_flow.srp``). It tracks
devices: NewDeviceMetadata after a sign-in from an unknown device,
ConfirmDevice with the device's verifier, UpdateDeviceStatus, and
DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER for a remembered device, after the
password step or after MFA. Not a test module.

Where moto and real Cognito differ, this service follows Cognito:

- (Admin)InitiateAuth with USER_SRP_AUTH (or CUSTOM_AUTH opening with SRP_A)
  answers PASSWORD_VERIFIER **without a Session**: the state rides in
  SECRET_BLOCK, and the answer carries none. Measured on a real user pool
  (ministackorg/ministack pull request 1758: "tokens, USER_ID_FOR_SRP =
  username, no Session"); pycognito answers without one. ``verifier_session``
  turns on moto's way (a Session on PASSWORD_VERIFIER) for the tests that keep
  that case. After a SELECT_CHALLENGE (USER_AUTH, a Session-based flow) the
  PASSWORD_VERIFIER keeps the Session.
- A spent or late Session is ``NotAuthorizedException`` "Invalid session for
  the user, ..." (moto says ResourceNotFoundException).
- ConfirmDevice answers ``UserConfirmationNecessary``: false in a pool that
  always remembers devices (the device is then remembered), true where the
  user opts in (then UpdateDeviceStatus remembers it). moto has neither
  operation. ``device_errors`` makes ConfirmDevice or UpdateDeviceStatus
  fail, as a token without the ``aws.cognito.signin.user.admin`` scope or
  throttling does.
- GetTokensFromRefreshToken (which moto lacks) takes ClientSecret itself and
  DeviceKey. With ``rotation`` on (refresh token rotation), it answers with a
  new refresh token, a used one is refused with RefreshTokenReuseException,
  and REFRESH_TOKEN_AUTH is refused, as AWS documents for such clients.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import attrs
from aiohttp import web
from srp_peer import SrpVerifierPeer

from cognito_flow.testing import totp_code

POOL_ID = "us-east-1_FakePool1"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
#: How far a TIMESTAMP may be from the server's clock before it is refused.
TIMESTAMP_SKEW = 300.0


class ServiceError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        raw = json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.{secrets.token_urlsafe(16)}"


def _secret_hash(username: str, client_id: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


@attrs.define
class User:
    username: str
    sub: str
    peer: SrpVerifierPeer
    totp_secret: str | None = None
    aliases: tuple[str, ...] = ()


@attrs.define
class Device:
    key: str
    group_key: str
    username: str
    peer: SrpVerifierPeer | None = None
    remembered: bool = False


@attrs.define
class Session:
    user: User
    stage: str
    created: float
    client_id: str
    device: Device | None = None
    peer: SrpVerifierPeer | None = None
    mfa_done: bool = False


@attrs.define
class FakeCognito:
    """The service. ``device_after`` is "password" (DEVICE_SRP_AUTH right after
    PASSWORD_VERIFIER, skipping MFA) or "mfa" (after SOFTWARE_TOKEN_MFA)."""

    clients: dict[str, str | None] = attrs.field(factory=dict)
    users: dict[str, User] = attrs.field(factory=dict)
    devices: dict[str, Device] = attrs.field(factory=dict)
    sessions: dict[str, Session] = attrs.field(factory=dict)
    requests: list[tuple[str, dict[str, Any]]] = attrs.field(factory=list)
    device_tracking: bool = True
    device_after: str = "password"
    session_ttl: float = 180.0
    clock: Callable[[], float] = time.time
    refresh_tokens: dict[str, str] = attrs.field(factory=dict)
    endpoint_url: str = ""
    #: moto's way: PASSWORD_VERIFIER after InitiateAuth carries a Session.
    verifier_session: bool = False
    #: Pending PASSWORD_VERIFIER states, by SECRET_BLOCK (Cognito's way).
    secret_blocks: dict[str, Session] = attrs.field(factory=dict)
    #: The pool's "remember devices" setting: "always" or "opt-in".
    remember_devices: str = "always"
    #: Operation name -> (code, message) it fails with, for fault tests.
    device_errors: dict[str, tuple[str, str]] = attrs.field(factory=dict)
    #: Refresh token rotation on the app clients.
    rotation: bool = False
    rotated: set[str] = attrs.field(factory=set)

    def add_client(self, client_id: str, secret: str | None = None) -> None:
        self.clients[client_id] = secret

    def add_user(
        self,
        username: str,
        password: str,
        *,
        sub: str | None = None,
        totp_secret: str | None = None,
        aliases: tuple[str, ...] = (),
    ) -> User:
        sub = sub or secrets.token_hex(8)
        user = User(
            username,
            sub,
            SrpVerifierPeer.from_password(POOL_ID, username, password),
            totp_secret,
            aliases,
        )
        self.users[username] = user
        return user

    def calls(self, operation: str) -> list[dict[str, Any]]:
        return [params for op, params in self.requests if op == operation]

    # -- protocol ------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        target = request.headers.get("X-Amz-Target", "")
        operation = target.removeprefix(TARGET_PREFIX)
        params = json.loads(await request.read() or b"{}")
        self.requests.append((operation, params))
        handler = getattr(self, f"op_{operation}", None) or _not_served(operation)
        try:
            body = handler(params, admin=operation.startswith("Admin"))
        except ServiceError as exc:
            return web.json_response(
                {"__type": exc.code, "message": exc.message},
                status=400,
                content_type="application/x-amz-json-1.1",
            )
        return web.json_response(body, content_type="application/x-amz-json-1.1")

    def _client(self, params: dict[str, Any], admin: bool) -> tuple[str, str | None]:
        client_id = params.get("ClientId", "")
        if client_id not in self.clients:
            raise ServiceError("ResourceNotFoundException", "User pool client does not exist.")
        if admin and params.get("UserPoolId") != POOL_ID:
            raise ServiceError("ResourceNotFoundException", "User pool does not exist.")
        return client_id, self.clients[client_id]

    def _check_secret_hash(
        self, values: dict[str, str], client_id: str, secret: str | None, username: str
    ) -> None:
        if secret is None:
            return
        if values.get("SECRET_HASH") != _secret_hash(username, client_id, secret):
            raise ServiceError(
                "NotAuthorizedException",
                f"Client {client_id} is configured with secret but SECRET_HASH was not received or is wrong",
            )

    def _find_user(self, name: str) -> User:
        for user in self.users.values():
            if name in (user.username, user.sub, *user.aliases):
                return user
        raise ServiceError("NotAuthorizedException", "Incorrect username or password.")

    def _device_for(self, values: dict[str, str], user: User) -> Device | None:
        key = values.get("DEVICE_KEY")
        if not key:
            return None
        device = self.devices.get(key)
        if device is None or device.username != user.username:
            raise ServiceError("ResourceNotFoundException", "Device does not exist.")
        return device

    def _new_session(self, session: Session) -> str:
        token = secrets.token_urlsafe(24)
        self.sessions[token] = session
        return token

    def _take_session(self, token: str) -> Session:
        session = self.sessions.pop(token, None)
        if session is None:
            raise ServiceError(
                "NotAuthorizedException",
                "Invalid session for the user, session can only be used once.",
            )
        if self.clock() - session.created > self.session_ttl:
            raise ServiceError(
                "NotAuthorizedException", "Invalid session for the user, session is expired."
            )
        return session

    def _check_timestamp(self, timestamp: str) -> None:
        try:
            when = datetime.strptime(timestamp, "%a %b %d %H:%M:%S UTC %Y").replace(tzinfo=UTC)
        except ValueError:
            raise ServiceError(
                "NotAuthorizedException", "Incorrect username or password."
            ) from None
        if abs(when.timestamp() - self.clock()) > TIMESTAMP_SKEW:
            raise ServiceError("NotAuthorizedException", "Incorrect username or password.")

    def _password_verifier(
        self, user: User, session: Session, srp_a: str, *, with_session: bool
    ) -> dict[str, Any]:
        # A fresh SECRET_BLOCK per sign-in: it is what finds this state again.
        peer = attrs.evolve(user.peer, secret_block=secrets.token_bytes(64))
        srp_b, salt, block = peer.start(srp_a)
        session.peer = peer
        response: dict[str, Any] = {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": {
                "SALT": salt,
                "SRP_B": srp_b,
                "SECRET_BLOCK": block,
                "USERNAME": user.username,
                "USER_ID_FOR_SRP": user.username,
            },
        }
        if with_session:
            response["Session"] = self._new_session(session)
        else:
            self.secret_blocks[block] = session
        return response

    def _take_verifier_state(self, params: dict[str, Any]) -> Session:
        """The state of a PASSWORD_VERIFIER: by Session if one was issued, else by SECRET_BLOCK."""
        if "Session" in params:
            return self._take_session(params["Session"])
        block = params.get("ChallengeResponses", {}).get("PASSWORD_CLAIM_SECRET_BLOCK", "")
        session = self.secret_blocks.pop(block, None)
        if session is None:
            raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
        if self.clock() - session.created > self.session_ttl:
            raise ServiceError(
                "NotAuthorizedException", "Invalid session for the user, session is expired."
            )
        return session

    def _initiate(self, params: dict[str, Any], admin: bool) -> dict[str, Any]:
        client_id, secret = self._client(params, admin)
        flow = params.get("AuthFlow")
        values: dict[str, str] = params.get("AuthParameters", {})
        if flow == "REFRESH_TOKEN_AUTH":
            if self.rotation:
                raise ServiceError(
                    "NotAuthorizedException",
                    "Refresh token rotation is enabled: use GetTokensFromRefreshToken",
                )
            username = self.refresh_tokens.get(values.get("REFRESH_TOKEN", ""))
            if username is None:
                raise ServiceError("NotAuthorizedException", "Invalid Refresh Token")
            user = self.users[username]
            self._check_secret_hash(
                values,
                client_id,
                secret,
                values.get("USERNAME", user.username) if "USERNAME" in values else user.username,
            )
            self._device_for(values, user)
            return {"AuthenticationResult": self._tokens(user, None, refresh=False)}
        username = values.get("USERNAME", "")
        self._check_secret_hash(values, client_id, secret, username)
        user = self._find_user(username)
        device = self._device_for(values, user)
        srp_start = (
            flow == "USER_SRP_AUTH"
            or (flow == "CUSTOM_AUTH" and values.get("CHALLENGE_NAME") == "SRP_A")
            or (flow == "USER_AUTH" and values.get("PREFERRED_CHALLENGE") == "PASSWORD_SRP")
        )
        if flow == "USER_AUTH" and "PREFERRED_CHALLENGE" not in values:
            session = Session(user, "SELECT_CHALLENGE", self.clock(), client_id, device)
            return {
                "ChallengeName": "SELECT_CHALLENGE",
                "Session": self._new_session(session),
                "ChallengeParameters": {"USERNAME": user.username},
                "AvailableChallenges": ["PASSWORD_SRP", "PASSWORD"],
            }
        if not srp_start or "SRP_A" not in values:
            raise ServiceError("InvalidParameterException", f"{flow} is not served here")
        session = Session(user, "PASSWORD_VERIFIER", self.clock(), client_id, device)
        return self._password_verifier(
            user, session, values["SRP_A"], with_session=self.verifier_session
        )

    op_InitiateAuth = _initiate
    op_AdminInitiateAuth = _initiate

    def _respond(self, params: dict[str, Any], admin: bool) -> dict[str, Any]:
        client_id, secret = self._client(params, admin)
        name = params.get("ChallengeName")
        if name == "PASSWORD_VERIFIER":
            session = self._take_verifier_state(params)
        else:
            session = self._take_session(params.get("Session", ""))
        values: dict[str, str] = params.get("ChallengeResponses", {})
        user = session.user
        if name != session.stage:
            raise ServiceError("InvalidParameterException", f"expected {session.stage}, got {name}")
        # Once SRP has named the user (USER_ID_FOR_SRP, the internal user
        # name), answers must use that name, and SECRET_HASH must be its hash.
        if values.get("USERNAME") != user.username:
            raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
        self._check_secret_hash(values, client_id, secret, user.username)
        if name == "PASSWORD_VERIFIER" and session.device is None:
            # Amplify's way after an alias: DEVICE_KEY first comes with the
            # answer to PASSWORD_VERIFIER, once USER_ID_FOR_SRP named the user.
            session.device = self._device_for(values, user)
        if session.device is not None and values.get("DEVICE_KEY") != session.device.key:
            raise ServiceError("InvalidParameterException", "DEVICE_KEY missing from the answer")
        session.created = self.clock()
        if name == "SELECT_CHALLENGE":
            if values.get("ANSWER") != "PASSWORD_SRP" or "SRP_A" not in values:
                raise ServiceError("InvalidParameterException", "only PASSWORD_SRP is served here")
            session.stage = "PASSWORD_VERIFIER"
            return self._password_verifier(user, session, values["SRP_A"], with_session=True)
        if name == "PASSWORD_VERIFIER":
            self._verify(session.peer, values)
            return self._after_password(session)
        if name == "SOFTWARE_TOKEN_MFA":
            assert user.totp_secret is not None
            # Like the real service, accept the code of the step just gone too.
            now = self.clock()
            valid = {totp_code(user.totp_secret, at=now), totp_code(user.totp_secret, at=now - 30)}
            if values.get("SOFTWARE_TOKEN_MFA_CODE") not in valid:
                self.sessions[params["Session"]] = session  # a wrong code keeps the session
                raise ServiceError("CodeMismatchException", "Invalid code received for user")
            session.mfa_done = True
            return self._after_password(session)
        if name == "DEVICE_SRP_AUTH":
            device = session.device
            assert device is not None
            assert device.peer is not None
            peer = attrs.evolve(device.peer)
            srp_b, salt, block = peer.start(values["SRP_A"])
            session.peer, session.stage = peer, "DEVICE_PASSWORD_VERIFIER"
            return {
                "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
                "Session": self._new_session(session),
                "ChallengeParameters": {
                    "SRP_B": srp_b,
                    "SALT": salt,
                    "SECRET_BLOCK": block,
                    "USERNAME": user.username,
                    "DEVICE_KEY": device.key,
                },
            }
        if name == "DEVICE_PASSWORD_VERIFIER":
            self._verify(session.peer, values)
            return {"AuthenticationResult": self._tokens(user, session.device)}
        raise ServiceError("InvalidParameterException", f"{name} is not served here")

    op_RespondToAuthChallenge = _respond
    op_AdminRespondToAuthChallenge = _respond

    def _verify(self, peer: SrpVerifierPeer | None, values: dict[str, str]) -> None:
        assert peer is not None
        self._check_timestamp(values.get("TIMESTAMP", ""))
        if not peer.verify(
            signature_b64=values.get("PASSWORD_CLAIM_SIGNATURE", ""),
            timestamp=values.get("TIMESTAMP", ""),
            secret_block_b64=values.get("PASSWORD_CLAIM_SECRET_BLOCK", ""),
        ):
            raise ServiceError("NotAuthorizedException", "Incorrect username or password.")

    def _after_password(self, session: Session) -> dict[str, Any]:
        user, device = session.user, session.device
        remembered = device is not None and device.remembered and device.peer is not None
        device_now = remembered and (self.device_after == "password" or session.mfa_done)
        if device_now:
            session.stage = "DEVICE_SRP_AUTH"
            return {
                "ChallengeName": "DEVICE_SRP_AUTH",
                "Session": self._new_session(session),
                "ChallengeParameters": {"USERNAME": user.username},
            }
        if user.totp_secret is not None and not session.mfa_done:
            session.stage = "SOFTWARE_TOKEN_MFA"
            return {
                "ChallengeName": "SOFTWARE_TOKEN_MFA",
                "Session": self._new_session(session),
                "ChallengeParameters": {"USERNAME": user.username},
            }
        return {"AuthenticationResult": self._tokens(user, device)}

    def _tokens(self, user: User, device: Device | None, *, refresh: bool = True) -> dict[str, Any]:
        result: dict[str, Any] = {
            "AccessToken": _jwt(
                {"username": user.username, "sub": user.sub, "token_use": "access"}
            ),
            "IdToken": _jwt(
                {"cognito:username": user.username, "sub": user.sub, "token_use": "id"}
            ),
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
        }
        if refresh:
            token = secrets.token_urlsafe(24)
            self.refresh_tokens[token] = user.username
            result["RefreshToken"] = token
        if self.device_tracking and device is None:
            key = f"us-east-1_{secrets.token_hex(8)}"
            group = f"-{secrets.token_hex(4)}"
            self.devices[key] = Device(key, group, user.username)
            result["NewDeviceMetadata"] = {"DeviceKey": key, "DeviceGroupKey": group}
        return result

    def op_GetTokensFromRefreshToken(self, params: dict[str, Any], admin: bool) -> dict[str, Any]:
        _, secret = self._client(params, admin=False)
        if secret is not None and params.get("ClientSecret") != secret:
            raise ServiceError("NotAuthorizedException", "Unable to verify secret hash for client")
        token = params.get("RefreshToken", "")
        username = self.refresh_tokens.get(token)
        if username is None:
            code = (
                "RefreshTokenReuseException" if token in self.rotated else "NotAuthorizedException"
            )
            raise ServiceError(code, "Invalid Refresh Token")
        user = self.users[username]
        if params.get("DeviceKey"):
            self._device_for({"DEVICE_KEY": params["DeviceKey"]}, user)
        tokens = self._tokens(user, None, refresh=self.rotation)
        tokens.pop("NewDeviceMetadata", None)
        if self.rotation:
            del self.refresh_tokens[token]
            self.rotated.add(token)
        return {"AuthenticationResult": tokens}

    def op_RevokeToken(self, params: dict[str, Any], admin: bool) -> dict[str, Any]:
        _, secret = self._client(params, admin=False)
        if secret is not None and params.get("ClientSecret") != secret:
            raise ServiceError("NotAuthorizedException", "Unable to verify secret hash for client")
        # Revoking an unknown token is not an error (RFC 7009, and the API reference).
        self.refresh_tokens.pop(params.get("Token", ""), None)
        return {}

    def _user_from_token(self, token: str) -> User:
        try:
            payload = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            return self.users[claims["username"]]
        except (IndexError, ValueError, KeyError):
            raise ServiceError("NotAuthorizedException", "Invalid Access Token") from None

    def _device_fault(self, operation: str) -> None:
        if operation in self.device_errors:
            raise ServiceError(*self.device_errors[operation])

    def op_ConfirmDevice(self, params: dict[str, Any], admin: bool) -> dict[str, Any]:
        self._device_fault("ConfirmDevice")
        user = self._user_from_token(params["AccessToken"])
        device = self.devices.get(params["DeviceKey"])
        if device is None or device.username != user.username:
            raise ServiceError("ResourceNotFoundException", "Device does not exist.")
        config = params["DeviceSecretVerifierConfig"]
        salt = base64.b64decode(config["Salt"])
        verifier = int.from_bytes(base64.b64decode(config["PasswordVerifier"]), "big")
        device.peer = SrpVerifierPeer(
            device.group_key, device.key, format(int.from_bytes(salt, "big"), "x"), verifier
        )
        opt_in = self.remember_devices == "opt-in"
        device.remembered = not opt_in
        return {"UserConfirmationNecessary": opt_in}

    def op_ForgetDevice(self, params: dict[str, Any], admin: bool) -> dict[str, Any]:
        user = self._user_from_token(params["AccessToken"])
        device = self.devices.get(params["DeviceKey"])
        if device is None or device.username != user.username:
            raise ServiceError("ResourceNotFoundException", "Device does not exist.")
        del self.devices[device.key]
        return {}

    def op_UpdateDeviceStatus(self, params: dict[str, Any], admin: bool) -> dict[str, Any]:
        self._device_fault("UpdateDeviceStatus")
        user = self._user_from_token(params["AccessToken"])
        device = self.devices.get(params["DeviceKey"])
        if device is None or device.username != user.username:
            raise ServiceError("ResourceNotFoundException", "Device does not exist.")
        device.remembered = params["DeviceRememberedStatus"] == "remembered"
        return {}


@contextlib.asynccontextmanager
async def serve(service: FakeCognito) -> AsyncIterator[FakeCognito]:
    """Run ``service`` on 127.0.0.1 (a free port) for the duration of the block."""
    app = web.Application()
    app.router.add_post("/", service.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert isinstance(server, asyncio.Server)
    sockets = server.sockets
    port = sockets[0].getsockname()[1]
    service.endpoint_url = f"http://127.0.0.1:{port}"
    try:
        yield service
    finally:
        await runner.cleanup()


def _not_served(operation: str) -> Callable[..., dict[str, Any]]:
    def refuse(params: dict[str, Any], *, admin: bool) -> dict[str, Any]:
        raise ServiceError("InvalidAction", f"{operation} is not served here")

    return refuse

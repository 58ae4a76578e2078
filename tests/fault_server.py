"""A Cognito stand-in that misbehaves on cue, for ``test_faults.py``. Not a test module.

It speaks the service's JSON 1.1 protocol over HTTP on 127.0.0.1 (a free
port): the operation comes in the ``X-Amz-Target`` header
(``AWSCognitoIdentityProviderService.<Op>``), the body is JSON, the answer is
``application/x-amz-json-1.1``. The library reaches it through aiobotocore's
``endpoint_url``, exactly as it reaches AWS.

Each operation answers from a script, a list of ``Reply`` taken in order
whose last one repeats. A reply is any bytes with any status, or a fault:
``CLOSE`` drops the connection without an answer, ``HANG`` accepts the
request and never answers. Every request is recorded, so a test can count
what reached the service.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import attrs
from aiohttp import web

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
AMZ_JSON = "application/x-amz-json-1.1"
POOL_ID = "us-east-1_FaultPool"
CLIENT_ID = "fault-client"


@attrs.frozen
class Reply:
    """One answer: ``action`` is "answer" (send status and body), "close" or "hang"."""

    status: int = 200
    body: bytes = b"{}"
    content_type: str = AMZ_JSON
    action: str = "answer"


#: Drop the connection without answering (a lost answer, a crashed proxy).
CLOSE = Reply(action="close")
#: Take the request and never answer (a stalled service).
HANG = Reply(action="hang")


def answer(obj: Any, status: int = 200) -> Reply:
    """A JSON answer; ``json.dumps`` writes a lone surrogate as the JSON text ``"\\ud800"``."""
    return Reply(status=status, body=json.dumps(obj).encode("ascii"))


def raw(body: bytes | str, status: int = 200, content_type: str = AMZ_JSON) -> Reply:
    """Exactly these bytes (a ``str`` is sent as UTF-8)."""
    data = body.encode() if isinstance(body, str) else body
    return Reply(status=status, body=data, content_type=content_type)


def error(code: str, message: str, status: int = 400) -> Reply:
    """A Cognito error answer, as the service sends it."""
    return answer({"__type": code, "message": message}, status=status)


def _jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.c2ln"


def tokens(username: str = "alice") -> dict[str, Any]:
    """An AuthenticationResult answer."""
    return {
        "AuthenticationResult": {
            "AccessToken": _jwt({"username": username, "token_use": "access"}),
            "IdToken": _jwt({"cognito:username": username, "token_use": "id"}),
            "RefreshToken": "refresh-token-value",
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
        }
    }


def mfa_challenge(
    username: str = "alice", session: str = "AYABeC0ffee-session-value-0001"
) -> dict[str, Any]:
    """A SOFTWARE_TOKEN_MFA challenge answer."""
    return {
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": session,
        "ChallengeParameters": {"USERNAME": username, "FRIENDLY_DEVICE_NAME": "phone"},
    }


def operations(admin: bool) -> tuple[str, str]:
    """The (initiate, respond) operation names of the admin or the public API."""
    if admin:
        return "AdminInitiateAuth", "AdminRespondToAuthChallenge"
    return "InitiateAuth", "RespondToAuthChallenge"


@attrs.define
class FaultServer:
    """The service: ``on()`` scripts an operation, ``requests`` records what arrived."""

    script: dict[str, list[Reply]] = attrs.field(factory=dict)
    requests: list[tuple[str, Any]] = attrs.field(factory=list)
    endpoint_url: str = ""
    _held: set[asyncio.Transport] = attrs.field(factory=set)

    def on(self, operation: str, *replies: Reply) -> None:
        """Answer ``operation`` with ``replies`` in order; the last one repeats."""
        self.script[operation] = list(replies)

    def count(self, operation: str | None = None) -> int:
        """How many requests (of ``operation``, or in all) reached the service."""
        return sum(1 for op, _ in self.requests if operation is None or op == operation)

    def calls(self, operation: str) -> list[Any]:
        """The parsed bodies of the requests of ``operation``."""
        return [params for op, params in self.requests if op == operation]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        operation = request.headers.get("X-Amz-Target", "").removeprefix(TARGET_PREFIX)
        body = await request.read()
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            params = None
        self.requests.append((operation, params))
        replies = self.script.get(operation)
        if not replies:
            reply = error("InvalidAction", f"{operation} is not scripted")
        else:
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if reply.action != "answer":
            transport = request.transport
            if transport is None:  # pragma: no cover - the client left already
                raise asyncio.CancelledError
            if reply.action == "close":
                transport.close()
            else:
                self._held.add(transport)
            # The server cancels this handler when the connection goes away.
            await asyncio.get_running_loop().create_future()
        return web.Response(
            status=reply.status, body=reply.body, headers={"Content-Type": reply.content_type}
        )

    def release(self) -> None:
        """Drop the connections that HANG holds."""
        for transport in self._held:
            transport.abort()
        self._held.clear()


@contextlib.asynccontextmanager
async def serve_faults(server: FaultServer | None = None) -> AsyncIterator[FaultServer]:
    """Run a FaultServer on 127.0.0.1 (a free port) for the duration of the block."""
    service = server or FaultServer()
    app = web.Application()
    app.router.add_post("/", service.handle)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    listening = site._server
    assert isinstance(listening, asyncio.Server)
    sockets = listening.sockets
    service.endpoint_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
    try:
        yield service
    finally:
        service.release()
        await runner.cleanup()


def refused_url() -> str:
    """The URL of a port on 127.0.0.1 where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"

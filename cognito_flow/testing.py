"""A local Cognito for tests and demos: moto's server on 127.0.0.1.

Needs the ``testing`` extra (``pip install "cognito-flow[testing]"``)::

    async with local_cognito() as cognito:
        await cognito.create_user("alice", "Passw0rd!")
        auth = cognito.auth_client()
        result = await auth.authenticate("alice", "Passw0rd!")

As a pytest plugin (``pytest_plugins = ["cognito_flow.testing"]`` in a
conftest.py) it provides the fixtures ``moto_endpoint`` (one server per test
session) and ``local_cognito`` (a fresh user pool per test; an async fixture,
so it needs pytest-asyncio, which the ``testing`` extra installs).

moto checks passwords, TOTP codes (this module turns on
``MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP``), SECRET_HASH on public calls, and
issues real JWTs; it does not check SRP signatures, expire sessions, or issue
SELECT_MFA_TYPE, CUSTOM_CHALLENGE, DEVICE_* or USER_AUTH challenges.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import logging
import os
import struct
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._client import CognitoAuthClient

if TYPE_CHECKING:
    from types_aiobotocore_cognito_idp import CognitoIdentityProviderClient
    from types_aiobotocore_cognito_idp.literals import ExplicitAuthFlowsTypeType

__all__ = [
    "LocalCognito",
    "fresh_totp_code",
    "local_cognito",
    "moto_server",
    "totp_code",
    "wrong_totp_code",
]

REGION = "us-east-1"
#: Explicit auth flows enabled on the local app clients.
EXPLICIT_AUTH_FLOWS: list[ExplicitAuthFlowsTypeType] = [
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]

_names = itertools.count(1)
_server_lock = threading.Lock()


class _MotoLacks(logging.Filter):
    """Drops werkzeug's traceback for GetTokensFromRefreshToken, which moto has not implemented.

    ``refresh()`` asks GetTokensFromRefreshToken first and falls back to
    REFRESH_TOKEN_AUTH where the service lacks it, as moto does: expected,
    not an error worth a traceback on the console.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        # Only this operation: any other missing one is a surprise worth seeing.
        message = record.getMessage()
        return "get_tokens_from_refresh_token action has not been implemented" not in message


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """Run moto's server on 127.0.0.1 (a free port) and yield its URL."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            'cognito_flow.testing needs moto: pip install "cognito-flow[testing]"'
        ) from exc
    # moto reads this on every TOTP check, so codes are really verified.
    os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    # werkzeug logs every request at INFO; a test run has thousands.
    werkzeug_logger = logging.getLogger("werkzeug")
    werkzeug_logger.setLevel(logging.WARNING)
    if not any(isinstance(f, _MotoLacks) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(_MotoLacks())
    with _server_lock:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The current 6-digit RFC 6238 code of an authenticator seeded with ``secret``.

    Computed here rather than with pyotp because moto's fixed seed is shorter
    than the 112 bits pyotp insists on.
    """
    padded = secret.upper() + "=" * (-len(secret) % 8)
    key = base64.b32decode(padded, casefold=True)
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


async def fresh_totp_code(secret: str) -> str:
    """``totp_code(secret)``, but never from the last instant of a 30 s step.

    moto checks codes against the current step only, so a code computed just
    before the step rolls over is refused by the time it arrives; this waits
    for the next step instead.
    """
    left = 30 - time.time() % 30
    if left < 1.5:
        await asyncio.sleep(left + 0.05)
    return totp_code(secret)


def wrong_totp_code(secret: str) -> str:
    """A six-digit code that no step of ``secret`` within a minute produces."""
    now = time.time()
    near = {totp_code(secret, at=now + step) for step in (-60, -30, 0, 30, 60)}
    return next(f"{n:06d}" for n in range(0, 1_000_000, 111_111) if f"{n:06d}" not in near)


@attrs.define(repr=False)
class LocalCognito:
    """A user pool on a local moto server, with two app clients.

    ``client_id`` has no secret; ``secret_client_id`` has ``client_secret``.
    """

    endpoint_url: str
    idp: CognitoIdentityProviderClient
    user_pool_id: str
    client_id: str
    secret_client_id: str
    client_secret: str = attrs.field(repr=False)
    region_name: str = REGION

    def __repr__(self) -> str:
        return f"<LocalCognito pool={self.user_pool_id} at {self.endpoint_url}>"

    async def create_user(
        self,
        username: str,
        password: str,
        *,
        temporary: bool = False,
        attributes: Mapping[str, str] | None = None,
    ) -> None:
        """Create a user: confirmed with ``password``, or in FORCE_CHANGE_PASSWORD
        with it as the temporary password when ``temporary`` is true."""
        await self.idp.admin_create_user(
            UserPoolId=self.user_pool_id,
            Username=username,
            TemporaryPassword=password,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": k, "Value": v} for k, v in (attributes or {}).items()],
        )
        if not temporary:
            await self.idp.admin_set_user_password(
                UserPoolId=self.user_pool_id, Username=username, Password=password, Permanent=True
            )

    async def enable_totp(self, access_token: str) -> str:
        """Set up and prefer TOTP MFA for the token's user; returns the secret."""
        associated = await self.idp.associate_software_token(AccessToken=access_token)
        secret = associated["SecretCode"]
        code = await fresh_totp_code(secret)
        await self.idp.verify_software_token(AccessToken=access_token, UserCode=code)
        await self.idp.set_user_mfa_preference(
            AccessToken=access_token,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
        return secret

    async def require_mfa(self) -> None:
        """Turn MFA on (TOTP) for the pool: new users then meet MFA_SETUP."""
        await self.idp.set_user_pool_mfa_config(
            UserPoolId=self.user_pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration="ON",
        )

    def auth_client(
        self, *, with_secret: bool = False, admin: bool = True, **options: Any
    ) -> CognitoAuthClient:
        """A CognitoAuthClient on this pool, sharing this pool's aiobotocore client."""
        return CognitoAuthClient(
            self.idp,
            user_pool_id=self.user_pool_id,
            client_id=self.secret_client_id if with_secret else self.client_id,
            client_secret=self.client_secret if with_secret else None,
            admin=admin,
            **options,
        )


def aio_config(**overrides: Any) -> Any:
    """The AioConfig used for local clients: no retries, so errors show at once."""
    from aiobotocore.config import AioConfig

    settings: dict[str, Any] = {
        "retries": {"total_max_attempts": 1},
        "max_pool_connections": 50,
    }
    settings.update(overrides)
    return AioConfig(**settings)


@contextlib.asynccontextmanager
async def idp_client(
    endpoint_url: str, **config: Any
) -> AsyncIterator[CognitoIdentityProviderClient]:
    """A raw aiobotocore cognito-idp client on a local server."""
    import aiobotocore.session

    session = aiobotocore.session.get_session()
    async with session.create_client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=endpoint_url,
        config=aio_config(**config),
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # moto accepts any credentials
    ) as idp:
        yield idp


@contextlib.asynccontextmanager
async def local_cognito(
    endpoint_url: str | None = None,
    *,
    pool_name: str | None = None,
    pool: Mapping[str, Any] | None = None,
    **config: Any,
) -> AsyncIterator[LocalCognito]:
    """A fresh user pool with two app clients on a local moto server.

    Starts a server of its own unless ``endpoint_url`` points at one.
    ``pool`` holds more CreateUserPool parameters (e.g.
    ``{"UsernameAttributes": ["email"]}``); ``config`` goes to ``AioConfig``.
    """
    with contextlib.ExitStack() as stack:
        if endpoint_url is None:
            endpoint_url = stack.enter_context(moto_server())
        async with idp_client(endpoint_url, **config) as idp:
            name = pool_name or f"cognito-flow-{next(_names)}"
            created = await idp.create_user_pool(PoolName=name, **(pool or {}))
            pool_id = created["UserPool"]["Id"]
            plain = await idp.create_user_pool_client(
                UserPoolId=pool_id,
                ClientName=f"{name}-plain",
                ExplicitAuthFlows=EXPLICIT_AUTH_FLOWS,
            )
            secret = await idp.create_user_pool_client(
                UserPoolId=pool_id,
                ClientName=f"{name}-secret",
                GenerateSecret=True,
                ExplicitAuthFlows=EXPLICIT_AUTH_FLOWS,
            )
            yield LocalCognito(
                endpoint_url=endpoint_url,
                idp=idp,
                user_pool_id=pool_id,
                client_id=plain["UserPoolClient"]["ClientId"],
                secret_client_id=secret["UserPoolClient"]["ClientId"],
                client_secret=secret["UserPoolClient"]["ClientSecret"],
            )


# -- the pytest plugin: ``pytest_plugins = ["cognito_flow.testing"]`` --------
#
# Not a ``pytest11`` entry point: that would load into the test run of every
# project that merely has cognito-flow installed, and claim the fixture names
# there. A conftest.py asks for it instead.

try:
    import pytest
except ImportError:  # pragma: no cover - pytest is optional
    pass
else:
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
        have_pytest_asyncio = False
    else:
        have_pytest_asyncio = True

    @pytest.fixture(scope="session")
    def moto_endpoint() -> Iterator[str]:
        """The URL of a moto server shared by the whole test session."""
        with moto_server() as url:
            yield url

    if have_pytest_asyncio:

        @pytest_asyncio.fixture(name="local_cognito")
        async def _local_cognito_fixture(moto_endpoint: str) -> AsyncIterator[LocalCognito]:
            """A fresh user pool (two app clients) on the session's moto server."""
            async with local_cognito(moto_endpoint) as cognito:
                yield cognito

    else:

        @pytest.fixture(name="local_cognito")
        def _local_cognito_unavailable() -> None:
            """Stands in for the async fixture, to say what is missing."""
            pytest.fail(
                "the local_cognito fixture of cognito_flow.testing needs pytest-asyncio: "
                'pip install "cognito-flow[testing]" installs it',
                pytrace=False,
            )

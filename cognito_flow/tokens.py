"""Verify the JWTs a Cognito user pool issues: ``TokenVerifier``.

Needs the ``tokens`` extra (``pip install "cognito-flow[tokens]"``)::

    verifier = TokenVerifier("eu-west-1_AbC123", client_ids=[client_id])
    claims = await verifier.verify(access_token, token_use="access")

The checks themselves, and their order, live in ``_jwt.py`` (no IO); this
module is the async shell that gets the pool's keys.

The JWKS is fetched on first use and kept. A ``kid`` it does not hold
triggers one refetch (a key rotated in), at most once every
``refetch_interval`` seconds, and callers arriving during a fetch wait for that
same fetch: a flood of forged tokens with made-up kids costs the endpoint one
request per interval, and while every kid is known there is no request at all.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import re
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import urlsplit

import aiohttp
import attrs

from . import _jwt
from .exceptions import (
    CognitoFlowError,
    ConfigurationError,
    InvalidTokenError,
    TransportError,
    UnexpectedResponseError,
)

__all__ = ["TokenVerifier"]

logger = logging.getLogger("cognito_flow")

# e.g. eu-west-1_AbC123def; the region is what comes before the underscore.
_POOL_ID = re.compile(r"(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+)_[0-9A-Za-z]+")
# Cognito's JWKS is about 1 KiB; a multi-megabyte answer is not a JWKS.
_MAX_JWKS_BYTES = 256 * 1024
# After a failed fetch, when the next try may go out (sooner than after a
# success, so a blip at start-up does not refuse tokens for a whole interval).
_RETRY_AFTER_FAILURE = 5.0
_TOKEN_USES = ("access", "id")
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


def _copy_of(error: CognitoFlowError) -> CognitoFlowError:
    """A fresh exception like ``error``, so concurrent callers never share one."""
    kind = UnexpectedResponseError if isinstance(error, UnexpectedResponseError) else TransportError
    copy = kind(str(error))
    copy.__cause__ = error.__cause__
    return copy


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _client_ids(value: Iterable[str]) -> tuple[str, ...]:
    # A lone string is iterable too; taking it letter by letter would accept
    # one-character client ids.
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ConfigurationError("client_ids must be a list of app client ids, e.g. [client_id]")
    ids = tuple(dict.fromkeys(value))
    if not ids:
        raise ConfigurationError("client_ids is empty: name at least one app client id")
    if not all(isinstance(i, str) and i for i in ids):
        raise ConfigurationError("client_ids must hold non-empty strings only")
    return ids


def _seconds(name: str, value: float, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigurationError(f"{name} must be a number of seconds")
    if value < 0 or (positive and value == 0):
        raise ConfigurationError(f"{name} must be {'above' if positive else 'at least'} 0")
    return float(value)


@attrs.define(repr=False, eq=False)
class TokenVerifier:
    """Verifies the access and ID tokens of one Cognito user pool.

    ``client_ids`` are the app clients whose tokens are accepted. The JWKS is
    read from the pool (``https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json``)
    or from ``jwks_url`` (a local Cognito: ``<endpoint>/<pool>/.well-known/jwks.json``),
    over ``session`` when given (the caller closes it), else over a session
    opened for that one request. The expected ``iss`` is the pool's URL (the
    original ``cognito-idp`` form or the updated ``issuer-cognito-idp`` one),
    or ``issuer`` when given. ``leeway`` seconds of clock skew are allowed;
    an unknown kid refetches the JWKS at most once per ``refetch_interval``
    seconds. Plain ``http`` JWKS URLs are refused except on loopback hosts,
    unless ``allow_http`` is true. ``clock`` gives the time (tests).

    After construction ``jwks_url`` holds the URL in use. Keep one verifier
    per pool and share it (its cache is its own), from one event loop. It
    holds no connection between fetches, so it can live in a module global;
    ``aclose()`` (or ``async with``) only cancels a fetch still in flight.
    """

    user_pool_id: str
    client_ids: tuple[str, ...] = attrs.field(kw_only=True, converter=_client_ids)
    jwks_url: str | None = attrs.field(default=None, kw_only=True)
    issuer: str | None = attrs.field(default=None, kw_only=True)
    session: aiohttp.ClientSession | None = attrs.field(default=None, kw_only=True)
    leeway: float = attrs.field(default=5.0, kw_only=True)
    refetch_interval: float = attrs.field(default=60.0, kw_only=True)
    timeout: float = attrs.field(default=10.0, kw_only=True)
    allow_http: bool = attrs.field(default=False, kw_only=True)
    clock: Callable[[], float] = attrs.field(default=time.time, kw_only=True)

    _url: str = attrs.field(init=False)
    _issuers: tuple[str, ...] = attrs.field(init=False)
    _clients: frozenset[str] = attrs.field(init=False)
    _keys: dict[str, _jwt.RSAKey] | None = attrs.field(default=None, init=False)
    _inflight: asyncio.Task[None] | None = attrs.field(default=None, init=False)
    _next_fetch: float = attrs.field(default=-math.inf, init=False)
    _last_error: CognitoFlowError | None = attrs.field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        pool = self.user_pool_id
        match = _POOL_ID.fullmatch(pool) if isinstance(pool, str) else None
        if match is None:
            raise ConfigurationError(
                "user_pool_id must look like 'eu-west-1_AbC123' (region, underscore, id)"
            )
        region = match["region"]
        self._clients = frozenset(self.client_ids)
        self.leeway = _seconds("leeway", self.leeway)
        self.refetch_interval = _seconds("refetch_interval", self.refetch_interval)
        self.timeout = _seconds("timeout", self.timeout, positive=True)
        if self.session is not None and not isinstance(self.session, aiohttp.ClientSession):
            raise ConfigurationError("session must be an aiohttp.ClientSession (or None)")
        if not callable(self.clock):
            raise ConfigurationError("clock must be a function returning the time in seconds")
        if self.issuer is None:
            self._issuers = (
                f"https://cognito-idp.{region}.amazonaws.com/{pool}",
                f"https://issuer-cognito-idp.{region}.amazonaws.com/{pool}",
            )
        elif isinstance(self.issuer, str) and self.issuer:
            self._issuers = (self.issuer,)
        else:
            raise ConfigurationError("issuer must be a non-empty string (or None for the pool's)")
        self._url = self.jwks_url = self._checked_url(
            self.jwks_url
            or f"https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json"
        )

    def _checked_url(self, url: object) -> str:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
            raise ConfigurationError("jwks_url must be an https:// URL")
        # Over plain http anyone on the path could hand us their own keys.
        if parts.scheme == "http" and not (self.allow_http or _is_loopback(parts.hostname)):
            raise ConfigurationError(
                "jwks_url must use https (plain http only for a loopback host, or allow_http=True)"
            )
        assert isinstance(url, str)
        return url

    def __repr__(self) -> str:
        return f"TokenVerifier(user_pool_id={self.user_pool_id!r}, client_ids={self.client_ids!r})"

    async def verify(self, token: str, *, token_use: Literal["access", "id"]) -> dict[str, Any]:
        """Check ``token`` and return its claims (a new dict on every call).

        ``token_use`` is ``"access"`` or ``"id"``. Raises ``InvalidTokenError``
        (``.check`` names the failed check), ``ExpiredTokenError`` for an
        expired token, ``TransportError`` / ``UnexpectedResponseError`` when
        the JWKS cannot be had.
        """
        if token_use not in _TOKEN_USES:
            raise ConfigurationError('token_use must be "access" or "id"')
        compact, kid = _jwt.parse(token)
        key = self._keys.get(kid) if self._keys is not None else None
        if key is None:
            key = await self._fetched_key(kid)
        claims = _jwt.check_signature(compact, key)
        _jwt.check_claims(
            claims,
            token_use=token_use,
            issuers=self._issuers,
            clients=self._clients,
            now=self.clock(),
            leeway=self.leeway,
        )
        return claims

    async def _fetched_key(self, kid: str) -> _jwt.RSAKey:
        """The key named ``kid`` after a refetch of the JWKS, if one may go out."""
        await self._refresh()
        if self._keys is None:
            if self._last_error is None:  # the fetch was cancelled before it ended
                raise TransportError(f"the JWKS at {self._url} has not been fetched")
            raise _copy_of(self._last_error)
        key = self._keys.get(kid)
        if key is None:
            raise InvalidTokenError("the pool's JWKS has no key with the token's kid", check="kid")
        return key

    async def _refresh(self) -> None:
        """Join the fetch in flight, or start one unless the rate limit says wait."""
        loop = asyncio.get_running_loop()
        task = self._inflight
        if task is not None and task.get_loop() is not loop:
            task = None  # left behind by another (closed) event loop
        if task is None:
            if loop.time() < self._next_fetch:
                return  # judged on the keys at hand; no request this time
            task = loop.create_task(self._fetch(), name="cognito_flow JWKS fetch")
            self._inflight = task
            task.add_done_callback(self._fetch_done)
        try:
            # Shielded: one caller cancelled must not cancel the others' fetch.
            await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and not (current is not None and current.cancelling()):
                raise TransportError("the TokenVerifier was closed during a JWKS fetch") from None
            raise

    def _fetch_done(self, task: asyncio.Task[None]) -> None:
        if self._inflight is task:
            self._inflight = None

    async def _fetch(self) -> None:
        """Fetch and parse the JWKS; remember the keys, or the error and when to retry."""
        loop = asyncio.get_running_loop()
        first = self._keys is None
        try:
            keys = _jwt.jwks_keys(await self._download(), self._url)
        except (TransportError, UnexpectedResponseError) as error:
            self._last_error = error
            self._next_fetch = loop.time() + min(self.refetch_interval, _RETRY_AFTER_FAILURE)
            logger.debug("JWKS fetch from %s failed: %s", self._url, error)
            return
        # Replaced, not merged: a key the pool withdrew stops verifying.
        self._keys = keys
        self._last_error = None
        # The first load does not count against the limit: the first unknown
        # kid after it may still refetch at once (a key rotated in meanwhile).
        self._next_fetch = -math.inf if first else loop.time() + self.refetch_interval
        logger.debug("JWKS fetched from %s: %d RS256 keys", self._url, len(keys))

    async def _download(self) -> bytes:
        try:
            async with asyncio.timeout(self.timeout):
                if self.session is not None:
                    return await self._get(self.session)
                async with aiohttp.ClientSession() as session:
                    return await self._get(session)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            raise TransportError(f"could not fetch the JWKS from {self._url}: {reason}") from exc

    async def _get(self, session: aiohttp.ClientSession) -> bytes:
        # No redirects: the keys come from the URL configured, nowhere else.
        async with session.get(
            self._url, allow_redirects=False, headers={"Accept": "application/json"}
        ) as response:
            if response.status != 200:
                raise TransportError(f"GET {self._url} answered HTTP {response.status}")
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > _MAX_JWKS_BYTES:
                    raise UnexpectedResponseError(f"the JWKS at {self._url} is far too large")
            return bytes(body)

    async def aclose(self) -> None:
        """Cancel a JWKS fetch in flight. The verifier stays usable."""
        task, self._inflight = self._inflight, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

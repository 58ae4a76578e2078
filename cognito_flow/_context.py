"""RequestContext: what Cognito's threat protection is told about the browser.

Cognito scores the risk of a sign-in from the person's IP address, the
request's headers and, optionally, the fingerprint that its JavaScript
collector made in the browser. A backend signs in on the person's behalf, so
it has to pass these on: ``ContextData`` on the admin API,
``UserContextData`` on the public one. Without them every sign-in seems to
come from the backend's own address.

Two rules keep this safe:

- Headers are forwarded from an allow-list of headers that describe the
  browser. Cookies, credentials and anything else stay on the server, in the
  constructor as much as in ``from_asgi()`` / ``from_aiohttp()``.
- ``X-Forwarded-For`` / ``Forwarded`` are read only when the request came
  from a proxy the application names as trusted; anyone else could write
  any address there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol
from urllib.parse import urlsplit

import attrs

from ._errors import ConfigurationError
from ._proxies import (
    PROXY_HEADERS,
    Address,
    Network,
    client_address,
    parse_ip,
    trusted_networks,
    unmapped,
)

if TYPE_CHECKING:
    from types_aiobotocore_cognito_idp.type_defs import (
        ContextDataTypeTypeDef,
        UserContextDataTypeTypeDef,
    )

__all__ = ["RequestContext"]

#: Every string of ContextData is a ``StringType`` in the service model: at
#: most 131,072 characters.
_MAX_LENGTH = 131_072

#: Headers that say something about the browser and nothing about the
#: person's credentials. An allow-list, so that a header nobody thought of
#: (X-Api-Key, X-Csrf-Token, a session header of some framework) stays home.
_FORWARDED_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "dnt",
        "host",
        "origin",
        "referer",  # reduced to its origin, see _origin_of()
        # User-Agent client hints (https://wicg.github.io/ua-client-hints/).
        "sec-ch-ua",
        "sec-ch-ua-arch",
        "sec-ch-ua-bitness",
        "sec-ch-ua-form-factors",
        "sec-ch-ua-full-version",
        "sec-ch-ua-full-version-list",
        "sec-ch-ua-mobile",
        "sec-ch-ua-model",
        "sec-ch-ua-platform",
        "sec-ch-ua-platform-version",
        "sec-ch-ua-wow64",
        # Fetch metadata: was this a navigation by a person, or a script?
        "sec-fetch-dest",
        "sec-fetch-mode",
        "sec-fetch-site",
        "sec-fetch-user",
        "sec-gpc",
        "user-agent",
    }
)


#: The headers from_asgi() decodes, as ASGI gives them: the forwarded ones,
#: Host and the proxy headers.
_READ_HEADERS = frozenset(
    name.encode("latin-1") for name in (*_FORWARDED_HEADERS, "host", *PROXY_HEADERS)
)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _origin_of(referer: str) -> str | None:
    """``scheme://host[:port]`` of a Referer, or None when it has none.

    The path and query of a Referer can carry secrets (a reset link, an
    OAuth code, a magic-link token) and the user-info part a password; the
    origin says where the browser came from, which is all that matters here.
    """
    try:
        parts = urlsplit(referer.strip())
        # .port raises ValueError on a port out of range.
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not parts.scheme or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")


def _ip_address(value: str | Address) -> str:
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(unmapped(value))
    if not isinstance(value, str):
        raise ConfigurationError(
            f"ip_address must be a string or an ipaddress object, not {type(value).__name__}"
        )
    address = parse_ip(value)
    if address is None:
        raise ConfigurationError(f"ip_address {_short(value)} is not an IPv4 or IPv6 address")
    return str(address)


def _text(name: str) -> Callable[[object, object, str], None]:
    def check(instance: object, attribute: object, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ConfigurationError(f"{name} must be a non-empty string")
        if len(value) > _MAX_LENGTH:
            raise ConfigurationError(
                f"{name} is longer than {_MAX_LENGTH} characters, Cognito's limit"
            )

    return check


def _encoded_data(value: str | None) -> str | None:
    # Never echo the value: it is a fingerprint of the person's browser.
    if value is None or value == "":
        # An empty form field: the page's collector script did not run.
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"encoded_data must be a string, not {type(value).__name__}")
    if len(value) > _MAX_LENGTH:
        raise ConfigurationError(
            f"encoded_data is longer than {_MAX_LENGTH} characters, Cognito's limit"
        )
    return value


def _http_headers(value: Mapping[str, str]) -> Mapping[str, str]:
    """Lower-case names, keep allow-listed headers in their order, reduce Referer."""
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"http_headers must be a mapping of header names to values, not {type(value).__name__}"
        )
    kept: dict[str, str] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not name:
            raise ConfigurationError("http_headers names must be non-empty strings")
        if not isinstance(item, str):
            raise ConfigurationError(
                f"http_headers[{_short(name)}] must be a string, not {type(item).__name__}"
            )
        key = name.strip().lower()
        if key not in _FORWARDED_HEADERS:
            continue
        if key in kept:
            raise ConfigurationError(
                f"http_headers has {key!r} twice (header names ignore case); "
                "join repeated values with ', '"
            )
        if len(item) > _MAX_LENGTH:
            raise ConfigurationError(
                f"http_headers[{_short(name)}] is longer than {_MAX_LENGTH} characters, "
                "Cognito's limit"
            )
        if key == "referer":
            # Only the origin: a path or query may hold personal data.
            origin = _origin_of(item)
            if origin is not None:
                kept[key] = origin
            continue
        kept[key] = item
    return MappingProxyType(kept)


def _headers_repr(headers: Mapping[str, str]) -> str:
    # Header values are personal data (a user agent, languages): names only.
    return f"<{len(headers)} headers: {', '.join(headers)}>" if headers else "<no headers>"


def _server_name_from_host(host: str) -> str | None:
    """The host part of a Host header (no port), lower-cased, or None."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        name = host[: end + 1] if end > 1 else ""
    else:
        name, _, port = host.partition(":")
        if port and not port.isdigit():
            return None
    return name if 0 < len(name) <= _MAX_LENGTH else None


class _AiohttpRequest(Protocol):
    """The part of ``aiohttp.web.Request`` that ``from_aiohttp()`` reads."""

    @property
    def remote(self) -> str | None: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def host(self) -> str: ...

    @property
    def path(self) -> str: ...


@attrs.frozen(kw_only=True)
class RequestContext:
    """What Cognito's threat protection learns about the request behind a sign-in.

    Pass it as ``context=`` to ``start()`` / ``resume()`` / ``authenticate()``:
    it becomes ``ContextData`` on the admin API (``context_data()``) and
    ``UserContextData`` on the public API (``user_context_data()``).

    Build it with ``RequestContext.from_asgi(scope, trusted_proxies=[...])``
    (FastAPI, Starlette, any ASGI app) or ``RequestContext.from_aiohttp(request,
    ...)``, or by hand. Whichever way, ``http_headers`` keeps only the headers
    named in ``RequestContext.FORWARDED_HEADERS`` (names lower-cased, in the
    order given; a Referer is cut down to its origin); Cookie, Authorization,
    Proxy-Authorization and every other header are dropped, even when passed
    to the constructor on purpose.

    Attributes:
        ip_address: the person's IP address (IPv4-mapped IPv6 is given as IPv4).
        server_name: the host name the browser asked for, e.g. ``example.com``.
        server_path: the path of the sign-in request, e.g. ``/login``.
        http_headers: the forwarded headers, read-only.
        encoded_data: the fingerprint made by Cognito's JavaScript context-data
            collector in the browser, or None; an empty string counts as None.
            Never shown in ``repr`` or error messages.

    Raises:
        ConfigurationError: naming the field, for a bad address, an empty
            string, a header that is not a string, or a value longer than the
            service model's 131,072 characters.
    """

    #: The headers that are forwarded to Cognito; every other one is dropped.
    FORWARDED_HEADERS: ClassVar[frozenset[str]] = _FORWARDED_HEADERS

    ip_address: str = attrs.field(converter=_ip_address)
    server_name: str = attrs.field(validator=_text("server_name"))
    server_path: str = attrs.field(validator=_text("server_path"))
    # A read-only mapping cannot be hashed; equality still compares it.
    http_headers: Mapping[str, str] = attrs.field(
        factory=dict, converter=_http_headers, repr=_headers_repr, hash=False
    )
    encoded_data: str | None = attrs.field(default=None, converter=_encoded_data, repr=False)

    def context_data(self) -> ContextDataTypeTypeDef:
        """The admin API's ``ContextData`` (AdminInitiateAuth, AdminRespondToAuthChallenge)."""
        data: ContextDataTypeTypeDef = {
            "IpAddress": self.ip_address,
            "ServerName": self.server_name,
            "ServerPath": self.server_path,
            "HttpHeaders": [
                {"headerName": name, "headerValue": value}
                for name, value in self.http_headers.items()
            ],
        }
        if self.encoded_data is not None:
            data["EncodedData"] = self.encoded_data
        return data

    def user_context_data(self) -> UserContextDataTypeTypeDef:
        """The public API's ``UserContextData`` (InitiateAuth, RespondToAuthChallenge)."""
        data: UserContextDataTypeTypeDef = {"IpAddress": self.ip_address}
        if self.encoded_data is not None:
            data["EncodedData"] = self.encoded_data
        return data

    @classmethod
    def from_asgi(
        cls,
        scope: Mapping[str, Any],
        *,
        trusted_proxies: Iterable[str | Address | Network] = (),
        forwarded_header: str = "x-forwarded-for",
        encoded_data: str | None = None,
        server_name: str | None = None,
    ) -> RequestContext:
        """Build from an ASGI ``http`` (or ``websocket``) scope; FastAPI: ``request.scope``.

        The client address is ``scope["client"]``, unless that peer is in
        ``trusted_proxies`` (addresses or CIDR networks, e.g.
        ``["10.0.0.0/8"]``): then ``forwarded_header`` (``"x-forwarded-for"``,
        the default, or ``"forwarded"`` for RFC 7239) is walked right to
        left past every trusted hop, and the first address not trusted is
        the client. Name the one header your proxy writes: the other one
        reaches the application as the client sent it. A malformed entry
        never raises; the last address that could be trusted is used.

        ``server_name`` defaults to the Host header's host (then
        ``scope["server"]``); ``server_path`` is ``root_path`` + ``path``.

        Raises:
            ConfigurationError: a scope without a client IP address (a Unix
                socket: build the context by hand, or let the server resolve
                proxy headers), or a bad argument.
        """
        if not isinstance(scope, Mapping) or scope.get("type") not in ("http", "websocket"):
            raise ConfigurationError("from_asgi() needs the scope of an ASGI http request")
        client = scope.get("client")
        if not client:
            raise ConfigurationError(
                "the ASGI scope has no client address (a Unix socket?); "
                "build RequestContext(ip_address=...) yourself"
            )
        pairs: list[tuple[str, str]] = []
        for pair in scope.get("headers") or ():
            # Unpacking, not an isinstance() check against Sequence: this runs
            # for every header of every sign-in request.
            try:
                raw_name, raw_value = pair
            except (TypeError, ValueError):
                raw_name = raw_value = None
            if not (isinstance(raw_name, bytes) and isinstance(raw_value, bytes)):
                raise ConfigurationError("scope['headers'] must hold [name, value] pairs of bytes")
            name = raw_name.lower()
            # Only what _build() reads is decoded; latin-1 is how HTTP servers
            # map header bytes to str.
            if name in _READ_HEADERS:
                pairs.append((name.decode("latin-1"), raw_value.decode("latin-1")))
        server = scope.get("server")
        fallback_host = None
        if isinstance(server, Sequence) and server and isinstance(server[0], str):
            fallback_host = server[0]
        path = scope.get("path") or "/"
        root = scope.get("root_path") or ""
        if not isinstance(path, str) or not isinstance(root, str):
            raise ConfigurationError("scope['path'] and scope['root_path'] must be strings")
        # The ASGI spec has path include root_path; older servers strip it.
        if root and not (path == root or path.startswith(root.rstrip("/") + "/")):
            path = root.rstrip("/") + path
        return cls._build(
            peer=client[0],
            pairs=pairs,
            fallback_host=fallback_host,
            path=path,
            trusted_proxies=trusted_proxies,
            forwarded_header=forwarded_header,
            encoded_data=encoded_data,
            server_name=server_name,
        )

    @classmethod
    def from_aiohttp(
        cls,
        request: _AiohttpRequest,
        *,
        trusted_proxies: Iterable[str | Address | Network] = (),
        forwarded_header: str = "x-forwarded-for",
        encoded_data: str | None = None,
        server_name: str | None = None,
    ) -> RequestContext:
        """Build from an ``aiohttp.web.Request``; the rules are those of ``from_asgi()``.

        Reads ``request.remote`` (the peer), ``request.headers``,
        ``request.host`` and ``request.path``; aiohttp itself is not imported.
        """
        return cls._build(
            peer=request.remote,
            pairs=list(request.headers.items()),
            fallback_host=request.host,
            path=request.path or "/",
            trusted_proxies=trusted_proxies,
            forwarded_header=forwarded_header,
            encoded_data=encoded_data,
            server_name=server_name,
        )

    @classmethod
    def _build(
        cls,
        *,
        peer: object,
        pairs: Iterable[tuple[str, str]],
        fallback_host: str | None,
        path: str,
        trusted_proxies: Iterable[str | Address | Network],
        forwarded_header: str,
        encoded_data: str | None,
        server_name: str | None,
    ) -> RequestContext:
        proxy_header = forwarded_header.lower() if isinstance(forwarded_header, str) else None
        if proxy_header not in PROXY_HEADERS:
            raise ConfigurationError(
                "forwarded_header must be 'x-forwarded-for' or 'forwarded', "
                "whichever your trusted proxy writes"
            )
        networks = trusted_networks(trusted_proxies)
        peer_address = parse_ip(peer) if isinstance(peer, str) else None
        if peer_address is None:
            raise ConfigurationError(
                f"the request's peer address {_short(peer)} is not an IP address; "
                "build RequestContext(ip_address=...) yourself"
            )
        # Repeated headers are one comma-separated list (RFC 9110 section 5.3).
        joined: dict[str, list[str]] = {}
        for name, value in pairs:
            joined.setdefault(name.lower(), []).append(value)
        headers = {
            name: ", ".join(values) for name, values in joined.items() if name in _FORWARDED_HEADERS
        }
        # Drop rather than fail on what the client controls.
        headers = {name: value for name, value in headers.items() if len(value) <= _MAX_LENGTH}
        client = client_address(peer_address, proxy_header, joined.get(proxy_header, []), networks)
        if server_name is None:
            for candidate in (*joined.get("host", [])[:1], fallback_host):
                server_name = _server_name_from_host(candidate) if candidate else None
                if server_name:
                    break
            else:
                raise ConfigurationError(
                    "the request has no Host header and no server address; pass server_name="
                )
        return cls(
            ip_address=client,
            server_name=server_name,
            server_path=path[:_MAX_LENGTH],
            http_headers=headers,
            encoded_data=encoded_data,
        )

"""Which address a request came from, when proxies stand in between.

Each proxy appends, to ``X-Forwarded-For`` or to RFC 7239's ``Forwarded``,
the address it received the request from. Only the entries written by
proxies the application trusts can be believed; everything left of them was
written by the client and may be forged. Nothing here raises on what a
client sent: a malformed entry ends the walk at the last trustworthy address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import TypeAlias

from .exceptions import ConfigurationError

__all__ = [
    "PROXY_HEADERS",
    "Address",
    "Network",
    "client_address",
    "parse_ip",
    "trusted_networks",
    "unmapped",
]

#: An IPv4 or IPv6 address.
Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
#: An IPv4 or IPv6 network.
Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

#: The proxy headers this module reads, lower-case.
PROXY_HEADERS = ("x-forwarded-for", "forwarded")

_TRUSTED_TYPES = (
    str,
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
)


def parse_ip(text: str) -> Address | None:
    """The address ``text`` names, IPv4-mapped IPv6 turned back into IPv4."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return unmapped(address)


def unmapped(address: Address) -> Address:
    """``address``, with an IPv4-mapped IPv6 address turned back into IPv4."""
    # A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d; it is the
    # same host as a.b.c.d, for trust checks and for Cognito's geolocation.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_port(text: str) -> bool:
    # RFC 7239 allows an obfuscated port ("_abc") besides digits; both are
    # ignored, only their shape is checked.
    if text.startswith("_"):
        return len(text) > 1
    return text.isascii() and text.isdigit() and len(text) <= 5


def _node_address(node: str) -> Address | None:
    """The IP address of one proxy-chain node, or None for anything else.

    Accepts ``1.2.3.4``, ``1.2.3.4:80``, ``2001:db8::1``, ``[2001:db8::1]`` and
    ``[2001:db8::1]:443``; "unknown", obfuscated names and junk give None.
    """
    node = node.strip()
    if node.startswith("["):
        host, bracket, rest = node[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and _is_port(rest[1:]))):
            return None
        try:
            return unmapped(ipaddress.IPv6Address(host))
        except ValueError:
            return None
    address = parse_ip(node)
    if address is not None:
        return address
    host, colon, port = node.partition(":")
    if colon and _is_port(port):
        try:
            return ipaddress.IPv4Address(host)
        except ValueError:
            return None
    return None


def _x_forwarded_for(value: str) -> list[Address | None]:
    # Empty list elements are ignored, as RFC 9110 section 5.6.1 asks.
    return [_node_address(item) for item in value.split(",") if item.strip()]


def _forwarded(value: str) -> list[Address | None]:
    """The ``for=`` node of each element of an RFC 7239 Forwarded header.

    The split on commas and semicolons ignores quotes on purpose: a node the
    walk can use is an IP address, which holds neither, so a quote-aware
    split could not change the answer; but a forged, unbalanced quote on the
    left could then swallow the elements a trusted proxy appended after it.
    """
    nodes: list[Address | None] = []
    for element in value.split(","):
        if not element.strip():
            continue
        found: list[str] = []
        for pair in element.split(";"):
            name, equals, raw = pair.partition("=")
            if equals and name.strip().lower() == "for":
                found.append(raw.strip())
        if len(found) != 1:
            # No for= (that hop did not say) or a repeated one: unusable.
            nodes.append(None)
            continue
        raw = found[0]
        if raw.startswith('"'):
            if len(raw) < 2 or not raw.endswith('"') or "\\" in raw:
                # Addresses need no quoted-pair escapes; anything escaped is not one.
                nodes.append(None)
                continue
            raw = raw[1:-1]
        nodes.append(_node_address(raw))
    return nodes


def trusted_networks(trusted: Iterable[str | Address | Network]) -> tuple[Network, ...]:
    """Parse ``trusted_proxies``: addresses or CIDR networks, strictly."""
    if isinstance(trusted, (str, bytes)):
        raise ConfigurationError(
            "trusted_proxies must be a list of addresses or networks such as "
            "['10.0.0.0/8'], not a single string"
        )
    networks: list[Network] = []
    for item in trusted:
        if not isinstance(item, _TRUSTED_TYPES):
            raise ConfigurationError(
                f"trusted_proxies holds a {type(item).__name__}; "
                "give addresses or CIDR networks as strings"
            )
        try:
            # strict: "10.0.0.1/8" is more likely a typo than a network.
            networks.append(ipaddress.ip_network(item))
        except ValueError:
            raise ConfigurationError(
                f"trusted_proxies: {item!r:.80} is not an IP address or a CIDR network "
                "(with no host bits set), such as '10.0.0.0/8'"
            ) from None
    return tuple(networks)


def _is_trusted(address: Address, networks: Sequence[Network]) -> bool:
    # An IPv4 address is never "in" an IPv6 network (nor the reverse): no error.
    return any(address in network for network in networks)


def _walk(peer: Address, chain: Sequence[Address | None], networks: Sequence[Network]) -> Address:
    """Walk the proxy chain right to left; the first untrusted hop is the client.

    Each trusted proxy appends the address it received the request from, so
    only the entries right of the last untrusted one were written by proxies
    we trust; anything further left was written by the client and may be
    forged. A malformed entry ends the walk at the last address we could
    still trust.
    """
    client = peer
    if not _is_trusted(peer, networks):
        return client
    for hop in reversed(chain):
        if hop is None:
            break
        client = hop
        if not _is_trusted(hop, networks):
            break
    return client


def client_address(
    peer: Address, header: str, values: Sequence[str], networks: Sequence[Network]
) -> Address:
    """The client's address: ``peer``, or from the proxy header when ``peer`` is trusted.

    ``header`` is one of ``PROXY_HEADERS``; ``values`` are its lines, in order.
    """
    if not values or not _is_trusted(peer, networks):
        return peer
    raw = ",".join(values)
    chain = _x_forwarded_for(raw) if header == "x-forwarded-for" else _forwarded(raw)
    return _walk(peer, chain, networks)

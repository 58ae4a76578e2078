"""RequestContext: ContextData / UserContextData, the header allow-list, the proxy rule."""

from __future__ import annotations

import ast
import ipaddress
import sys
from pathlib import Path
from typing import Any

import attrs
import botocore.session
import pytest
from aiohttp.test_utils import make_mocked_request
from botocore.validate import ParamValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from cognito_flow._context import RequestContext
from cognito_flow.exceptions import ConfigurationError

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "cognito_flow"
FINGERPRINT = "eyJwYXlsb2FkIjoiZmluZ2VycHJpbnQtc2VjcmV0LTAxMjM0NTY3ODkifQ=="
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
TRUSTED = ["10.0.0.0/8", "fd00::/8"]


def make(**kw: Any) -> RequestContext:
    kw.setdefault("ip_address", "203.0.113.7")
    kw.setdefault("server_name", "example.com")
    kw.setdefault("server_path", "/login")
    return RequestContext(**kw)


def scope(
    client: tuple[str, int] | None = ("203.0.113.7", 50000),
    headers: list[tuple[bytes, bytes]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": "/login",
        "root_path": "",
        "query_string": b"",
        "headers": headers if headers is not None else [(b"host", b"example.com")],
        "client": client,
        "server": ("10.1.2.3", 8000),
    }
    base.update(extra)
    return base


def behind_proxy(header: bytes, value: bytes, peer: str = "10.0.0.2", **kw: Any) -> RequestContext:
    headers = [(b"host", b"example.com"), (header, value)]
    return RequestContext.from_asgi(
        scope(client=(peer, 443), headers=headers), trusted_proxies=TRUSTED, **kw
    )


def validate_against_model(shape_name: str, value: Any) -> None:
    model = botocore.session.get_session().get_service_model("cognito-idp")
    report = ParamValidator().validate(value, model.shape_for(shape_name))
    assert not report.has_errors(), report.generate_report()


# -- The two request members ---------------------------------------------------


def test_context_data_is_the_admin_api_member() -> None:
    """context_data() gives IpAddress, ServerName, ServerPath, HttpHeaders and EncodedData."""
    ctx = make(
        http_headers={"User-Agent": UA, "Accept-Language": "en-GB,en;q=0.8"},
        encoded_data=FINGERPRINT,
    )
    assert ctx.context_data() == {
        "IpAddress": "203.0.113.7",
        "ServerName": "example.com",
        "ServerPath": "/login",
        "HttpHeaders": [
            {"headerName": "user-agent", "headerValue": UA},
            {"headerName": "accept-language", "headerValue": "en-GB,en;q=0.8"},
        ],
        "EncodedData": FINGERPRINT,
    }


def test_context_data_without_encoded_data_or_headers() -> None:
    """Without a fingerprint EncodedData is left out; HttpHeaders is required, so it is []."""
    expected: dict[str, Any] = {
        "IpAddress": "203.0.113.7",
        "ServerName": "example.com",
        "ServerPath": "/login",
        "HttpHeaders": [],
    }
    assert make().context_data() == expected


def test_user_context_data_is_the_public_api_member() -> None:
    """user_context_data() gives IpAddress, and EncodedData only when there is one."""
    assert make(encoded_data=FINGERPRINT).user_context_data() == {
        "IpAddress": "203.0.113.7",
        "EncodedData": FINGERPRINT,
    }
    assert make(http_headers={"User-Agent": UA}).user_context_data() == {"IpAddress": "203.0.113.7"}


def test_both_members_fit_the_service_model() -> None:
    """botocore's own validator accepts both dicts as ContextDataType / UserContextDataType."""
    ctx = make(http_headers={"User-Agent": UA, "Referer": "https://a.example/x"}, encoded_data="e")
    validate_against_model("ContextDataType", ctx.context_data())
    validate_against_model("UserContextDataType", ctx.user_context_data())


def test_empty_encoded_data_counts_as_none() -> None:
    """An empty form field (the collector script did not run) means no EncodedData."""
    ctx = make(encoded_data="")
    assert ctx.encoded_data is None
    assert "EncodedData" not in ctx.context_data()


def test_header_order_is_the_callers_and_names_are_lower_case() -> None:
    """Headers keep the order they were given in, names lower-cased, so output is deterministic."""
    given_order = {"Accept": "text/html", "User-Agent": UA, "accept-language": "fr", "Host": "x"}
    names = [h["headerName"] for h in make(http_headers=given_order).context_data()["HttpHeaders"]]
    assert names == ["accept", "user-agent", "accept-language", "host"]
    assert (
        make(http_headers=given_order).context_data()
        == make(http_headers=given_order).context_data()
    )


# -- The allow-list ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Cookie",
        "Authorization",
        "Proxy-Authorization",
        "X-Api-Key",
        "X-CSRF-Token",
        "Set-Cookie",
        "X-Amz-Security-Token",
        "X-Forwarded-For",
        "Forwarded",
        "Content-Type",
    ],
)
def test_constructor_drops_headers_outside_the_allow_list(name: str) -> None:
    """Even passed on purpose, a credential or any unlisted header never reaches Cognito."""
    ctx = make(http_headers={name: "secret-value-123", "User-Agent": UA})
    assert dict(ctx.http_headers) == {"user-agent": UA}
    assert "secret-value-123" not in repr(ctx.context_data())


def test_allow_list_names_browser_headers_only() -> None:
    """FORWARDED_HEADERS is lower-case and has no credential-carrying header."""
    allowed = RequestContext.FORWARDED_HEADERS
    assert {"user-agent", "accept-language", "referer", "origin", "host", "sec-ch-ua"} <= allowed
    assert all(name == name.lower() for name in allowed)
    assert not allowed & {"cookie", "authorization", "proxy-authorization", "x-forwarded-for"}


@pytest.mark.parametrize(
    ("referer", "expected"),
    [
        ("https://example.com/reset?token=abc#frag", "https://example.com"),
        ("https://user:pass@example.com:8443/magic/XYZ", "https://example.com:8443"),
        ("HTTP://[2001:db8::1]:8080/p", "http://[2001:db8::1]:8080"),
        ("/relative/path", None),
        ("not a url", None),
        ("https://example.com:99999/", None),
    ],
)
def test_referer_is_cut_down_to_its_origin(referer: str, expected: str | None) -> None:
    """A Referer's path, query and user-info can hold secrets: only the origin is forwarded."""
    ctx = make(http_headers={"Referer": referer})
    assert ctx.http_headers.get("referer") == expected


# -- Checks of the constructor ---------------------------------------------------


@pytest.mark.parametrize(
    ("given_ip", "stored"),
    [
        ("198.51.100.4", "198.51.100.4"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("::ffff:198.51.100.4", "198.51.100.4"),
        (ipaddress.ip_address("2001:db8::2"), "2001:db8::2"),
    ],
)
def test_ip_address_is_normalised(given_ip: Any, stored: str) -> None:
    """IPv6 is compressed, IPv4-mapped IPv6 becomes IPv4, ipaddress objects are accepted."""
    assert make(ip_address=given_ip).ip_address == stored


@pytest.mark.parametrize("bad", ["", "localhost", "256.1.1.1", "1.2.3.4:80", " 1.2.3.4", 1234])
def test_bad_ip_address_is_a_configuration_error(bad: Any) -> None:
    """Anything but an IPv4/IPv6 address raises ConfigurationError naming ip_address."""
    with pytest.raises(ConfigurationError, match="ip_address"):
        make(ip_address=bad)


@pytest.mark.parametrize("field", ["server_name", "server_path"])
@pytest.mark.parametrize("bad", ["", None, 42])
def test_empty_or_non_string_fields_are_refused(field: str, bad: Any) -> None:
    """server_name and server_path must be non-empty strings; the error names the field."""
    with pytest.raises(ConfigurationError, match=field):
        make(**{field: bad})


@pytest.mark.parametrize("field", ["server_name", "server_path"])
def test_strings_longer_than_the_model_allows_are_refused(field: str) -> None:
    """The service model's StringType allows at most 131,072 characters."""
    make(**{field: "a" * 131_072})
    with pytest.raises(ConfigurationError, match=field):
        make(**{field: "a" * 131_073})


def test_long_encoded_data_is_refused_without_echoing_it() -> None:
    """encoded_data over the limit raises, and the message does not contain it."""
    with pytest.raises(ConfigurationError, match="encoded_data") as info:
        make(encoded_data="Z" * 131_073)
    assert "ZZZZ" not in str(info.value)
    with pytest.raises(ConfigurationError, match="encoded_data") as info:
        make(encoded_data=12345)
    assert "12345" not in str(info.value)


@pytest.mark.parametrize(
    "headers",
    [
        [("User-Agent", UA)],
        {"User-Agent": b"bytes"},
        {b"User-Agent": UA},
        {"": "x"},
        {"User-Agent": None},
    ],
)
def test_headers_must_be_a_mapping_of_strings(headers: Any) -> None:
    """http_headers must map non-empty strings to strings, or ConfigurationError names it."""
    with pytest.raises(ConfigurationError, match="http_headers"):
        make(http_headers=headers)


def test_header_names_differing_in_case_only_are_refused() -> None:
    """Two spellings of one header are ambiguous: join the values yourself."""
    with pytest.raises(ConfigurationError, match="user-agent"):
        make(http_headers={"User-Agent": "a", "user-agent": "b"})


def test_long_header_value_is_refused() -> None:
    """A header value over 131,072 characters raises ConfigurationError in the constructor."""
    with pytest.raises(ConfigurationError, match="User-Agent"):
        make(http_headers={"User-Agent": "u" * 131_073})


def test_is_frozen_and_keyword_only() -> None:
    """RequestContext is a frozen value that takes keywords only."""
    ctx = make()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ctx.ip_address = "198.51.100.1"  # type: ignore[misc]
    with pytest.raises(TypeError):
        RequestContext("1.2.3.4", "example.com", "/login")  # type: ignore[call-arg]
    assert attrs.evolve(ctx, server_path="/other").server_path == "/other"
    assert make() == make()


def test_repr_shows_header_names_but_no_values_and_no_fingerprint() -> None:
    """repr names the headers only and never shows encoded_data."""
    text = repr(make(http_headers={"User-Agent": UA}, encoded_data=FINGERPRINT))
    assert "user-agent" in text
    assert UA not in text
    assert FINGERPRINT not in text


# -- from_asgi: the proxy rule ---------------------------------------------------


def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    """X-Forwarded-For sent straight by a client is its own word: the peer address is used."""
    headers = [(b"host", b"example.com"), (b"x-forwarded-for", b"1.1.1.1")]
    ctx = RequestContext.from_asgi(scope(headers=headers), trusted_proxies=TRUSTED)
    assert ctx.ip_address == "203.0.113.7"


def test_forwarded_for_is_ignored_without_trusted_proxies() -> None:
    """With no trusted_proxies (the default) proxy headers are never read."""
    headers = [(b"host", b"example.com"), (b"x-forwarded-for", b"1.1.1.1")]
    ctx = RequestContext.from_asgi(scope(client=("10.0.0.2", 1), headers=headers))
    assert ctx.ip_address == "10.0.0.2"


def test_trusted_proxy_names_the_client() -> None:
    """Behind one trusted proxy, the rightmost X-Forwarded-For entry is the client."""
    assert behind_proxy(b"x-forwarded-for", b"198.51.100.20").ip_address == "198.51.100.20"


def test_chain_through_several_trusted_proxies() -> None:
    """The walk skips every trusted hop and stops at the first untrusted one, ignoring forgeries."""
    chain = b"6.6.6.6, 198.51.100.20, 10.9.8.7, 10.0.0.3"
    assert behind_proxy(b"x-forwarded-for", chain).ip_address == "198.51.100.20"


def test_all_hops_trusted_gives_the_leftmost() -> None:
    """A request from inside (every hop trusted) is attributed to the leftmost address."""
    assert behind_proxy(b"x-forwarded-for", b"10.5.5.5, 10.0.0.3").ip_address == "10.5.5.5"


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        (b"198.51.100.20, garbage", "10.0.0.2"),
        (b"198.51.100.20, garbage, 10.0.0.3", "10.0.0.3"),
        (b"198.51.100.20, unknown", "10.0.0.2"),
        (b"198.51.100.20,, ,10.0.0.3", "198.51.100.20"),
        (b"", "10.0.0.2"),
        (b"\xff\xfe\x00", "10.0.0.2"),
    ],
)
def test_malformed_entry_falls_back_to_the_last_trusted_address(
    chain: bytes, expected: str
) -> None:
    """A malformed entry ends the walk at the last trusted hop; empty elements are skipped."""
    assert behind_proxy(b"x-forwarded-for", chain).ip_address == expected


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        (b"198.51.100.20:51234", "198.51.100.20"),
        (b"[2001:db8::20]:443", "2001:db8::20"),
        (b"2001:db8::21", "2001:db8::21"),
        (b"[2001:db8::22]", "2001:db8::22"),
        (b"::ffff:198.51.100.23", "198.51.100.23"),
        (b"[2001:db8::1]:notaport", "10.0.0.2"),
        (b"[1.2.3.4]", "10.0.0.2"),
    ],
)
def test_forwarded_for_entries_with_ports_and_ipv6(chain: bytes, expected: str) -> None:
    """X-Forwarded-For entries may carry ports and bracketed IPv6 addresses."""
    assert behind_proxy(b"x-forwarded-for", chain).ip_address == expected


def test_repeated_forwarded_for_lines_form_one_list() -> None:
    """Several X-Forwarded-For lines are one list, in order (RFC 9110 section 5.3)."""
    headers = [
        (b"host", b"example.com"),
        (b"x-forwarded-for", b"6.6.6.6"),
        (b"x-forwarded-for", b"198.51.100.20, 10.0.0.3"),
    ]
    ctx = RequestContext.from_asgi(
        scope(client=("10.0.0.2", 1), headers=headers), trusted_proxies=TRUSTED
    )
    assert ctx.ip_address == "198.51.100.20"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b'for=192.0.2.43, for="[2001:db8:cafe::17]:4711"', "2001:db8:cafe::17"),
        (b"for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60"),
        (b'For="192.0.2.61:8080";Proto=https', "192.0.2.61"),
        (b"for=6.6.6.6, for=192.0.2.62, for=10.0.0.3;by=10.0.0.2", "192.0.2.62"),
        (b'for="_hidden", for=10.0.0.3', "10.0.0.3"),
        (b"for=unknown", "10.0.0.2"),
        (b"proto=https;by=10.0.0.2", "10.0.0.2"),
        (b"for=192.0.2.1;for=192.0.2.2", "10.0.0.2"),
        (b'for="192.0.2.63', "10.0.0.2"),
        (b'for="6.6.6.6, for=192.0.2.64', "192.0.2.64"),
        (b'for="\\1.2.3.4"', "10.0.0.2"),
    ],
)
def test_rfc7239_forwarded_header(value: bytes, expected: str) -> None:
    """Forwarded's for= nodes are walked like X-Forwarded-For; quotes, ports and junk handled."""
    ctx = behind_proxy(b"forwarded", value, forwarded_header="forwarded")
    assert ctx.ip_address == expected


def test_only_the_named_proxy_header_is_read() -> None:
    """The header the proxy does not write is the client's: it is never read."""
    headers = [
        (b"host", b"example.com"),
        (b"forwarded", b"for=6.6.6.6"),
        (b"x-forwarded-for", b"198.51.100.20"),
    ]
    request = scope(client=("10.0.0.2", 1), headers=headers)
    by_xff = RequestContext.from_asgi(request, trusted_proxies=TRUSTED)
    by_forwarded = RequestContext.from_asgi(
        request, trusted_proxies=TRUSTED, forwarded_header="Forwarded"
    )
    assert by_xff.ip_address == "198.51.100.20"
    assert by_forwarded.ip_address == "6.6.6.6"


def test_ipv6_peers_and_networks() -> None:
    """An IPv6 peer inside a trusted IPv6 network passes the header on; outside it does not."""
    assert behind_proxy(b"x-forwarded-for", b"2001:db8::5", peer="fd00::1").ip_address == (
        "2001:db8::5"
    )
    assert behind_proxy(b"x-forwarded-for", b"2001:db8::5", peer="2001:db8::9").ip_address == (
        "2001:db8::9"
    )


def test_ipv4_mapped_peer_matches_an_ipv4_network() -> None:
    """A dual-stack socket's ::ffff:10.0.0.2 is 10.0.0.2 for the trust check."""
    ctx = behind_proxy(b"x-forwarded-for", b"198.51.100.20", peer="::ffff:10.0.0.2")
    assert ctx.ip_address == "198.51.100.20"


def test_trusted_proxies_accept_single_addresses_and_ipaddress_objects() -> None:
    """trusted_proxies takes plain addresses, CIDR strings and ipaddress objects."""
    headers = [(b"host", b"example.com"), (b"x-forwarded-for", b"198.51.100.20")]
    for trusted in (
        ["10.0.0.2"],
        [ipaddress.ip_address("10.0.0.2")],
        [ipaddress.ip_network("10.0.0.0/24")],
    ):
        ctx = RequestContext.from_asgi(
            scope(client=("10.0.0.2", 1), headers=headers), trusted_proxies=trusted
        )
        assert ctx.ip_address == "198.51.100.20"


@pytest.mark.parametrize(
    ("trusted", "match"),
    [
        ("10.0.0.0/8", "single string"),
        (["10.0.0.1/8"], "host bits"),
        (["proxy.internal"], "not an IP address"),
        ([10], "int"),
    ],
)
def test_bad_trusted_proxies_are_a_configuration_error(trusted: Any, match: str) -> None:
    """A string instead of a list, host bits set, a name or a number raise ConfigurationError."""
    with pytest.raises(ConfigurationError, match=match):
        RequestContext.from_asgi(scope(), trusted_proxies=trusted)


def test_bad_forwarded_header_choice_is_a_configuration_error() -> None:
    """forwarded_header is 'x-forwarded-for' or 'forwarded'."""
    with pytest.raises(ConfigurationError, match="forwarded_header"):
        RequestContext.from_asgi(scope(), forwarded_header="x-real-ip")


# -- from_asgi: headers, server name and path ---------------------------------------


def test_from_asgi_filters_and_joins_headers() -> None:
    """Only allow-listed headers pass; repeated ones are joined with ', ' in order."""
    headers = [
        (b"host", b"example.com"),
        (b"user-agent", UA.encode()),
        (b"cookie", b"session=abc"),
        (b"authorization", b"Bearer eyJhbGciOi"),
        (b"accept-language", b"en"),
        (b"proxy-authorization", b"Basic Zm9vOmJhcg=="),
        (b"accept-language", b"fr;q=0.5"),
    ]
    ctx = RequestContext.from_asgi(scope(headers=headers), encoded_data=FINGERPRINT)
    assert ctx.context_data() == {
        "IpAddress": "203.0.113.7",
        "ServerName": "example.com",
        "ServerPath": "/login",
        "HttpHeaders": [
            {"headerName": "host", "headerValue": "example.com"},
            {"headerName": "user-agent", "headerValue": UA},
            {"headerName": "accept-language", "headerValue": "en, fr;q=0.5"},
        ],
        "EncodedData": FINGERPRINT,
    }


def test_from_asgi_drops_an_oversized_client_header() -> None:
    """A header value over the model's limit is dropped, not turned into an error."""
    headers = [(b"host", b"example.com"), (b"user-agent", b"u" * 131_073), (b"accept", b"*/*")]
    ctx = RequestContext.from_asgi(scope(headers=headers))
    assert dict(ctx.http_headers) == {"host": "example.com", "accept": "*/*"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"host", b"Example.COM:8443")], "example.com"),
        ([(b"host", b"[2001:db8::1]:8443")], "[2001:db8::1]"),
        ([], "10.1.2.3"),
        ([(b"host", b"")], "10.1.2.3"),
        ([(b"host", b"bad:port")], "10.1.2.3"),
    ],
)
def test_server_name_comes_from_host_then_the_server(
    headers: list[tuple[bytes, bytes]], expected: str
) -> None:
    """server_name is the Host header's host without its port, else scope['server']."""
    assert RequestContext.from_asgi(scope(headers=headers)).server_name == expected


def test_explicit_server_name_wins() -> None:
    """server_name= overrides the Host header, which the client chooses."""
    ctx = RequestContext.from_asgi(scope(), server_name="auth.example.org")
    assert ctx.server_name == "auth.example.org"


def test_no_host_and_no_server_is_a_configuration_error() -> None:
    """Without a Host header or a server address, server_name= is required."""
    with pytest.raises(ConfigurationError, match="server_name"):
        RequestContext.from_asgi(scope(headers=[], server=None))


@pytest.mark.parametrize(
    ("root_path", "path", "expected"),
    [
        ("", "/login", "/login"),
        ("/app", "/app/login", "/app/login"),
        ("/app", "/login", "/app/login"),
        ("/app/", "/login", "/app/login"),
        ("/app", "/application/login", "/app/application/login"),
    ],
)
def test_server_path_includes_root_path(root_path: str, path: str, expected: str) -> None:
    """server_path is the full path, whether the server put root_path into path or not."""
    ctx = RequestContext.from_asgi(scope(root_path=root_path, path=path))
    assert ctx.server_path == expected


@pytest.mark.parametrize(
    ("bad_scope", "match"),
    [
        ({"type": "lifespan"}, "ASGI http"),
        ("not a scope", "ASGI http"),
        (scope(client=None), "no client address"),
        (scope(client=("testclient", 50000)), "not an IP address"),
        (scope(headers=[(b"host", "example.com")]), "pairs of bytes"),  # type: ignore[list-item]
        (scope(headers=[b"ab"]), "pairs of bytes"),  # type: ignore[list-item]
        (scope(headers=[(b"host", b"a", b"b")]), "pairs of bytes"),  # type: ignore[list-item]
        (scope(headers=[7]), "pairs of bytes"),  # type: ignore[list-item]
        (scope(headers=["ab"]), "pairs of bytes"),  # type: ignore[list-item]
        (scope(path=b"/login"), "must be strings"),
    ],
)
def test_unusable_scopes_are_a_configuration_error(bad_scope: Any, match: str) -> None:
    """A scope that is not HTTP, has no client IP, or has malformed headers raises."""
    with pytest.raises(ConfigurationError, match=match):
        RequestContext.from_asgi(bad_scope)


# -- from_aiohttp -----------------------------------------------------------------


def test_from_aiohttp_reads_the_request() -> None:
    """from_aiohttp uses request.remote, headers, host and path; credentials are dropped."""
    request = make_mocked_request(
        "POST",
        "/login",
        headers={
            "Host": "shop.example.com:8080",
            "User-Agent": UA,
            "Cookie": "AIOHTTP_SESSION=secret",
            "Authorization": "Basic c2VjcmV0",
        },
    ).clone(remote="198.51.100.30")
    ctx = RequestContext.from_aiohttp(request, encoded_data=FINGERPRINT)
    assert ctx.context_data() == {
        "IpAddress": "198.51.100.30",
        "ServerName": "shop.example.com",
        "ServerPath": "/login",
        "HttpHeaders": [
            {"headerName": "host", "headerValue": "shop.example.com:8080"},
            {"headerName": "user-agent", "headerValue": UA},
        ],
        "EncodedData": FINGERPRINT,
    }


def test_from_aiohttp_behind_trusted_proxies() -> None:
    """Behind trusted proxies the X-Forwarded-For walk names the client."""
    request = make_mocked_request(
        "POST",
        "/login",
        headers={"Host": "example.com", "X-Forwarded-For": "6.6.6.6, 198.51.100.31, 10.0.0.9"},
    ).clone(remote="10.0.0.2")
    assert RequestContext.from_aiohttp(request, trusted_proxies=TRUSTED).ip_address == (
        "198.51.100.31"
    )
    assert RequestContext.from_aiohttp(request).ip_address == "10.0.0.2"


def test_from_aiohttp_without_a_remote_address_raises() -> None:
    """A request with no peer address (a Unix socket) is a ConfigurationError."""
    request = make_mocked_request("GET", "/login", headers={"Host": "example.com"})
    with pytest.raises(ConfigurationError, match="peer address"):
        RequestContext.from_aiohttp(request)


# -- Properties -------------------------------------------------------------------

ipv4 = st.ip_addresses(v=4)
ipv6 = st.ip_addresses(v=6)
any_ip = st.one_of(ipv4, ipv6)
trusted_ip = st.one_of(
    st.integers(0, 2**24 - 1).map(lambda n: ipaddress.IPv4Address((10 << 24) + n)),
    st.integers(0, 2**120 - 1).map(lambda n: ipaddress.IPv6Address((0xFD << 120) + n)),
)


def render(address: ipaddress.IPv4Address | ipaddress.IPv6Address, style: int) -> str:
    """One of the ways a proxy writes an address into X-Forwarded-For."""
    if address.version == 4:
        return [str(address), f"{address}:{style + 1}", f"::ffff:{address}"][style % 3]
    return [str(address), f"[{address}]", f"[{address}]:{style + 1}"][style % 3]


def normal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


#: Junk that can never spell an address (no hex digit, colon or dot), so every
#: address in a header is one the test put there; brackets, quotes, commas and
#: semicolons make malformed entries.
junk = st.text(
    alphabet=st.characters(blacklist_characters="0123456789abcdefABCDEF:.", codec="utf-8"),
    max_size=20,
)
entries = st.one_of(
    st.tuples(st.one_of(any_ip, trusted_ip), st.integers(0, 2)),
    st.tuples(st.none(), junk),
)


@settings(max_examples=300, deadline=None)
@given(
    peer=st.one_of(any_ip, trusted_ip),
    chain=st.lists(entries, max_size=6),
    forwarded=st.booleans(),
    noise=st.binary(max_size=30),
)
def test_client_is_always_the_peer_or_an_address_from_the_header(
    peer: Any, chain: list[tuple[Any, Any]], forwarded: bool, noise: bytes
) -> None:
    """Whatever the header holds, the result is the peer or one of its addresses; no crash."""
    parts = [render(ip, style) if ip is not None else style for ip, style in chain]
    template = 'for="{}"' if forwarded else "{}"
    value = ", ".join(template.format(part) for part in parts)
    header = value.encode("utf-8", "surrogatepass")
    headers = [
        (b"host", b"example.com"),
        (b"forwarded" if forwarded else b"x-forwarded-for", header),
    ]
    headers.append((b"user-agent", noise))
    ctx = RequestContext.from_asgi(
        scope(client=(str(peer), 1), headers=headers),
        trusted_proxies=TRUSTED,
        forwarded_header="forwarded" if forwarded else "x-forwarded-for",
    )
    candidates = {normal(peer)} | {normal(ip) for ip, _ in chain if ip is not None}
    assert ctx.ip_address in candidates
    peer_trusted = any(
        ipaddress.ip_address(normal(peer)) in ipaddress.ip_network(net) for net in TRUSTED
    )
    if not peer_trusted:
        assert ctx.ip_address == normal(peer)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.binary(min_size=1, max_size=20), st.binary(max_size=40)),
        max_size=8,
    ),
    st.binary(max_size=40),
)
def test_any_header_bytes_give_a_context_or_a_configuration_error(
    pairs: list[tuple[bytes, bytes]], forwarded_for: bytes
) -> None:
    """Random header names and values never raise anything but ConfigurationError."""
    headers = [(b"x-forwarded-for", forwarded_for), *pairs]
    try:
        ctx = RequestContext.from_asgi(
            scope(client=("10.0.0.2", 1), headers=headers), trusted_proxies=TRUSTED
        )
    except ConfigurationError:
        return
    assert set(ctx.http_headers) <= RequestContext.FORWARDED_HEADERS
    ipaddress.ip_address(ctx.ip_address)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=30), st.text(max_size=30), max_size=8))
def test_constructor_never_forwards_a_header_outside_the_allow_list(
    headers: dict[str, str],
) -> None:
    """Whatever mapping is given, only allow-listed names come out, or ConfigurationError."""
    try:
        ctx = make(http_headers=headers)
    except ConfigurationError:
        return
    assert set(ctx.http_headers) <= RequestContext.FORWARDED_HEADERS


# -- No dependency -------------------------------------------------------------------


@pytest.mark.parametrize("module", ["_context.py", "_proxies.py"])
def test_imports_only_the_standard_library_and_attrs(module: str) -> None:
    """RequestContext needs no web framework: its modules import stdlib, attrs and the package."""
    tree = ast.parse((PACKAGE_DIR / module).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    # types_aiobotocore_* is imported under TYPE_CHECKING only.
    third_party = {
        name
        for name in imported
        if name not in sys.stdlib_module_names and not name.startswith("types_aiobotocore")
    }
    assert third_party <= {"attrs"}


# -- on the wire: every sign-in request carries the person's context -------------------


@pytest.mark.parametrize("admin", [True, False], ids=["admin", "public"])
async def test_every_sign_in_request_carries_the_context_exactly(
    service: Any, make: Any, admin: bool
) -> None:
    """ContextData (admin) / UserContextData (public) on each InitiateAuth and answer, the SRP claim included."""
    from cognito_flow.testing import totp_code

    seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    service.device_tracking = False
    service.add_user("alice", "pw-123456-Context", totp_secret=seed)
    request = scope(
        client=("10.0.0.2", 443),
        headers=[
            (b"host", b"login.example.com:8443"),
            (b"x-forwarded-for", b"198.51.100.9, 10.0.0.7"),
            (b"user-agent", b"Mozilla/5.0 (test)"),
            (b"accept-language", b"de-DE,de;q=0.9"),
            (b"cookie", b"session=do-not-send"),
            (b"authorization", b"Bearer do-not-send"),
        ],
        path="/login/answer",
    )
    context = RequestContext.from_asgi(
        request, trusted_proxies=["10.0.0.0/8"], encoded_data="ENCODED-DATA-123"
    )
    auth = make(admin=admin)
    step = await auth.start("alice", "pw-123456-Context", flow="USER_SRP_AUTH", context=context)
    assert step.name == "SOFTWARE_TOKEN_MFA"
    await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": totp_code(seed)}, context=context)

    prefix = "Admin" if admin else ""
    sent = service.calls(f"{prefix}InitiateAuth") + service.calls(f"{prefix}RespondToAuthChallenge")
    assert len(sent) == 3  # InitiateAuth, PASSWORD_VERIFIER, SOFTWARE_TOKEN_MFA
    for params in sent:
        if admin:
            assert params["ContextData"] == {
                "IpAddress": "198.51.100.9",
                "ServerName": "login.example.com",
                "ServerPath": "/login/answer",
                "HttpHeaders": [
                    {"headerName": "host", "headerValue": "login.example.com:8443"},
                    {"headerName": "user-agent", "headerValue": "Mozilla/5.0 (test)"},
                    {"headerName": "accept-language", "headerValue": "de-DE,de;q=0.9"},
                ],
                "EncodedData": "ENCODED-DATA-123",
            }
            assert "UserContextData" not in params
        else:
            assert params["UserContextData"] == {
                "IpAddress": "198.51.100.9",
                "EncodedData": "ENCODED-DATA-123",
            }
            assert "ContextData" not in params


async def test_no_context_sends_none(service: Any, make: Any) -> None:
    """Without context=, no ContextData or UserContextData goes out."""
    service.device_tracking = False
    service.add_user("alice", "pw-123456-Context")
    await make().authenticate("alice", "pw-123456-Context")
    for params in service.calls("InitiateAuth") + service.calls("RespondToAuthChallenge"):
        assert "UserContextData" not in params
        assert "ContextData" not in params


async def test_a_context_of_the_wrong_type_is_refused(make: Any) -> None:
    """context= must be a RequestContext: anything else is a ConfigurationError before any call."""
    with pytest.raises(ConfigurationError, match="RequestContext"):
        await make().authenticate("alice", "pw", context={"IpAddress": "1.2.3.4"})

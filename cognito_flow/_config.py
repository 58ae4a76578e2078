"""What every request of one app client shares, and which flows each API takes."""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from . import srp
from ._errors import ConfigurationError, check_text
from ._names import AuthFlow, ChallengeName

__all__ = [
    "PASSWORD_FLOWS",
    "FlowConfig",
    "check_pool_id",
    "check_refresh",
    "check_start",
    "choose_flow",
]

#: Flows each API accepts.
ADMIN_FLOWS = frozenset(
    {
        AuthFlow.ADMIN_USER_PASSWORD_AUTH,
        AuthFlow.ADMIN_NO_SRP_AUTH,
        AuthFlow.USER_SRP_AUTH,
        AuthFlow.CUSTOM_AUTH,
        AuthFlow.USER_AUTH,
    }
)
PUBLIC_FLOWS = frozenset(
    {AuthFlow.USER_PASSWORD_AUTH, AuthFlow.USER_SRP_AUTH, AuthFlow.CUSTOM_AUTH, AuthFlow.USER_AUTH}
)
#: Flows that cannot start without the password.
PASSWORD_FLOWS = frozenset(
    {
        AuthFlow.ADMIN_USER_PASSWORD_AUTH,
        AuthFlow.ADMIN_NO_SRP_AUTH,
        AuthFlow.USER_PASSWORD_AUTH,
        AuthFlow.USER_SRP_AUTH,
    }
)
#: Flows whose first request carries the password itself.
PLAIN_PASSWORD_FLOWS = frozenset(
    {AuthFlow.ADMIN_USER_PASSWORD_AUTH, AuthFlow.ADMIN_NO_SRP_AUTH, AuthFlow.USER_PASSWORD_AUTH}
)

# "<region>_<id>": SRP hashes the part after the one underscore, so a second
# underscore (which the service model's looser pattern would let through)
# is refused here, before any call, rather than by the SRP step later.
_POOL_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*_[0-9A-Za-z]+")


def check_pool_id(user_pool_id: object) -> str:
    """Return ``user_pool_id`` if it looks like ``eu-west-1_AbC123``; else ConfigurationError."""
    if not isinstance(user_pool_id, str) or not _POOL_ID.fullmatch(user_pool_id):
        raise ConfigurationError(
            "user_pool_id must look like '<region>_<id>', e.g. 'eu-west-1_AbC123'"
        )
    return user_pool_id


@attrs.frozen(kw_only=True)
class FlowConfig:
    """What every request of one app client shares."""

    user_pool_id: str = attrs.field(converter=check_pool_id)
    client_id: str
    client_secret: str | None = attrs.field(default=None, repr=False)
    admin: bool = True
    max_rounds: int = 10
    totp_issuer: str = "Amazon Cognito"
    #: Draws SRP secret exponents; tests inject a fixed one.
    srp_secret: Callable[[], int] = srp.generate_secret
    #: Gives the TIMESTAMP string of an SRP answer; tests inject a clock.
    srp_timestamp: Callable[[], str] = srp.format_timestamp

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.client_id, str) or not self.client_id:
            raise ConfigurationError("client_id must be a non-empty string")
        if self.client_secret is not None and (
            not isinstance(self.client_secret, str) or not self.client_secret
        ):
            raise ConfigurationError("client_secret must be a non-empty string or None")
        if not isinstance(self.admin, bool):
            raise ConfigurationError("admin must be True or False")
        if isinstance(self.max_rounds, bool) or not isinstance(self.max_rounds, int):
            raise ConfigurationError("max_rounds must be an integer")
        if self.max_rounds < 1:
            raise ConfigurationError("max_rounds must be at least 1")

    @property
    def pool_name(self) -> str:
        """The part of the pool id after ``_``: what SRP hashes."""
        return self.user_pool_id.partition("_")[2]


def choose_flow(config: FlowConfig, flow: object) -> AuthFlow:
    """The AuthFlow a sign-in starts with: ``flow``, or the API's default."""
    if flow is None:
        return AuthFlow.ADMIN_USER_PASSWORD_AUTH if config.admin else AuthFlow.USER_SRP_AUTH
    if not isinstance(flow, str):
        raise ConfigurationError(f"flow must be an AuthFlow or a string, not {type(flow).__name__}")
    allowed = ADMIN_FLOWS if config.admin else PUBLIC_FLOWS
    if flow not in allowed:
        api = "AdminInitiateAuth (admin=True)" if config.admin else "InitiateAuth (admin=False)"
        raise ConfigurationError(
            f"flow {flow!r} is not supported by {api}; use one of: "
            + ", ".join(sorted(allowed))
            + (" (refresh tokens go through refresh())" if "REFRESH" in flow else "")
        )
    return AuthFlow(flow)


def check_start(
    config: FlowConfig,
    username: object,
    password: object,
    flow: object,
    preferred_challenge: object,
) -> AuthFlow:
    """Check the arguments of a sign-in before any call; return the flow it starts."""
    if not isinstance(username, str) or not username:
        raise ConfigurationError("username must be a non-empty string")
    if password is not None and (not isinstance(password, str) or not password):
        raise ConfigurationError("password must be a non-empty string or None")
    check_text(username, "username", ConfigurationError)
    check_text(password, "password", ConfigurationError)
    chosen = choose_flow(config, flow)
    if chosen in PASSWORD_FLOWS and password is None:
        raise ConfigurationError(f"{chosen} needs a password")
    if preferred_challenge is None:
        return chosen
    if chosen != AuthFlow.USER_AUTH:
        raise ConfigurationError("preferred_challenge applies to the USER_AUTH flow only")
    if not isinstance(preferred_challenge, str) or not preferred_challenge:
        raise ConfigurationError("preferred_challenge must be a challenge name")
    check_text(preferred_challenge, "preferred_challenge", ConfigurationError)
    passwords = (ChallengeName.PASSWORD, ChallengeName.PASSWORD_SRP)
    if preferred_challenge in passwords and password is None:
        raise ConfigurationError(f"PREFERRED_CHALLENGE={preferred_challenge} needs a password")
    return chosen


def check_refresh(refresh_token: object, username: object) -> None:
    """Check the arguments of a refresh before any call."""
    if not isinstance(refresh_token, str) or not refresh_token:
        raise ConfigurationError("refresh_token must be a non-empty string")
    if username is not None and (not isinstance(username, str) or not username):
        raise ConfigurationError("username must be a non-empty string or None")
    check_text([refresh_token, username], "refresh()'s arguments", ConfigurationError)

"""What a sign-in waits for: one small frozen record per state of ``SignIn``.

``SignIn.state`` holds exactly one of these; its ``receive()``,
``computed()``, ``answer()`` and ``failed()`` dispatch on it with ``match``,
and its repr says what the conversation waits for (never a secret).

    Idle ──initiate──> AwaitingSrpA? ──> AwaitingAuth ──challenge──> (the core's tables)
      │                                    │   ├── AwaitingClaim ──> AwaitingAuth
      │                                    │   ├── AwaitingSecret ──> AwaitingAnswer
      │                                    │   └── AwaitingAnswer ──answer──> AwaitingAuth
      │                                    │                         └──code──> AwaitingVerification ──> AwaitingAuth
      ├──refresh──> AwaitingRefresh ───────┴──tokens──> Done
      └──resume──> AwaitingAnswer
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ._events import Call
from ._models import Challenge

__all__ = [
    "AwaitingAnswer",
    "AwaitingAuth",
    "AwaitingClaim",
    "AwaitingDevice",
    "AwaitingRefresh",
    "AwaitingSecret",
    "AwaitingSrpA",
    "AwaitingVerification",
    "Done",
    "Idle",
    "PendingAnswer",
    "PendingInitiate",
    "SrpA",
    "State",
]


@attrs.frozen
class Idle:
    """Nothing sent yet: initiate(), refresh() or resume() comes next."""


@attrs.frozen
class Done:
    """The conversation is over (tokens, or an error)."""


@attrs.frozen
class PendingInitiate:
    """The first request, waiting for the SRP_A it carries."""

    parameters: Mapping[str, str] = attrs.field(repr=False)
    secrets: frozenset[str] = attrs.field(repr=False)


@attrs.frozen
class PendingAnswer:
    """An answer to ``challenge``, waiting for the SRP_A it carries."""

    challenge: Challenge
    answers: Mapping[str, str] = attrs.field(repr=False)
    #: The caller's challenge it answers (for errors that allow another try).
    answering: Challenge | None = attrs.field(default=None, repr=False)


@attrs.frozen
class AwaitingSrpA:
    """SRP_A (a 3072-bit power) is being computed for ``request``."""

    request: PendingInitiate | PendingAnswer


@attrs.frozen
class AwaitingClaim:
    """The SRP claim answering ``challenge`` (a *_PASSWORD_VERIFIER) is being signed."""

    challenge: Challenge
    #: The USERNAME of the answer: USER_ID_FOR_SRP, not the alias typed.
    username: str


@attrs.frozen
class AwaitingDevice:
    """The remembered device kept under ``challenge``'s canonical user name is being looked up."""

    challenge: Challenge


@attrs.frozen
class AwaitingAuth:
    """An (Admin)InitiateAuth or RespondToAuthChallenge is on its way."""

    #: The same answer sent as ``fallback_username`` instead, should the
    #: service refuse USER_ID_FOR_SRP as an unknown user (moto does).
    fallback: Call | None = attrs.field(default=None, repr=False)
    fallback_username: str = attrs.field(default="", repr=False)


@attrs.frozen
class AwaitingRefresh:
    """A refresh is on its way: GetTokensFromRefreshToken, or REFRESH_TOKEN_AUTH."""

    get_tokens: bool


@attrs.frozen
class AwaitingSecret:
    """AssociateSoftwareToken is fetching the authenticator secret for ``challenge``."""

    challenge: Challenge


@attrs.frozen
class AwaitingVerification:
    """VerifySoftwareToken is checking the first code of ``challenge``'s authenticator."""

    challenge: Challenge


@attrs.frozen
class AwaitingAnswer:
    """``challenge`` went to the caller (a handler, or the application)."""

    challenge: Challenge


State = (
    Idle
    | Done
    | AwaitingSrpA
    | AwaitingClaim
    | AwaitingDevice
    | AwaitingAuth
    | AwaitingRefresh
    | AwaitingSecret
    | AwaitingVerification
    | AwaitingAnswer
)


@attrs.frozen
class SrpA:
    """The secret exponent ``a`` of one SRP exchange and the SRP_A sent for it."""

    a: int = attrs.field(repr=False)
    a_hex: str = attrs.field(repr=False)

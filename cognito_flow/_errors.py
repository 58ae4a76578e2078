"""The base errors, in a leaf module: the value classes raise them too.

``cognito_flow.exceptions`` re-exports them and documents the whole tree;
their ``__module__`` says so, so tracebacks name the public module.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "CognitoFlowError",
    "ConfigurationError",
    "InvalidChallengeError",
    "UnexpectedResponseError",
    "check_text",
]


class CognitoFlowError(Exception):
    """Base class of every error this library raises; never raised itself.

    ``retryable`` is True when sending the same request again later may work
    (timeout, connection reset, HTTP 5xx, throttling), False for a refusal.
    """

    retryable: bool = False


class ConfigurationError(CognitoFlowError, ValueError):
    """Bad input, detected before any request was sent."""


class InvalidChallengeError(ConfigurationError):
    """A Challenge, or the data it was rebuilt from, that cannot be answered."""


class UnexpectedResponseError(CognitoFlowError):
    """The service (or a stand-in for it) answered with a shape we cannot use."""


for _cls in (CognitoFlowError, ConfigurationError, InvalidChallengeError, UnexpectedResponseError):
    _cls.__module__ = "cognito_flow.exceptions"
del _cls


def check_text(value: object, what: str, error: type[CognitoFlowError]) -> None:
    """Refuse text that cannot be sent: a lone surrogate (``"\\ud800"``) has no UTF-8 form.

    Such a value would otherwise surface as a UnicodeEncodeError deep inside
    botocore or hashlib. ``error`` says whose fault it is: ConfigurationError
    for the caller's input, UnexpectedResponseError for the service's data.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise error(f"{what} holds text that is not valid Unicode") from None
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)

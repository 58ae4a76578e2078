"""What the sans-IO core asks the async shell to do: send a Call, run a Compute.

The core never performs IO; it returns one of these (or a Challenge for
somebody to answer, or the AuthenticationResult that ends the conversation)
and the shell feeds back what came of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ._models import AuthenticationResult, Challenge

__all__ = ["Call", "Compute", "Event", "LoadDevice", "YieldHook"]


@attrs.frozen
class Call:
    """One request to send: the aiobotocore method name and its parameters.

    ``secrets`` lists the values in ``params`` that must never be logged or
    echoed in an error message. ``answering`` is the challenge this call
    answers for the caller, kept on the errors after which it may be answered
    again (a wrong code, a refused password). ``retry_safe`` marks a call that
    spends nothing (no Session, no rotated token), so the shell may send it
    again after throttling or a fault; a call that spends a Session never is.
    """

    operation: str
    params: Mapping[str, Any] = attrs.field(repr=False)
    secrets: frozenset[str] = attrs.field(default=frozenset(), repr=False)
    has_device: bool = False
    answering: Challenge | None = attrs.field(default=None, repr=False)
    retry_safe: bool = False

    @property
    def api_name(self) -> str:
        """The service's name for the operation, e.g. ``AdminInitiateAuth``."""
        return "".join(part.capitalize() for part in self.operation.split("_"))


#: Called between slices of SRP maths; the shell passes ``srp.release_gil``.
YieldHook = Callable[[], object] | None


@attrs.frozen
class Compute:
    """CPU-heavy pure work for the shell to run off the event loop.

    ``fn`` takes one argument, the hook to call between slices of work, so a
    worker thread can hand the GIL back to the event loop while it computes.
    ``purpose`` says what it is for (its repr and error messages show it).
    """

    fn: Callable[[YieldHook], Any] = attrs.field(repr=False)
    purpose: str = ""


@attrs.frozen
class LoadDevice:
    """Look up the remembered device kept under ``username``; feed it (or None) to ``device_loaded()``.

    Asked when PASSWORD_VERIFIER names the user (USER_ID_FOR_SRP) by another
    name than the one the sign-in started with (an alias), as Amplify does:
    the device is kept under the canonical name.
    """

    username: str


#: What a step of the core returns.
Event = Call | Compute | LoadDevice | Challenge | AuthenticationResult

"""HandlerRegistry: which coroutine answers which challenge."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeAlias, TypeVar

import attrs

from ._errors import ConfigurationError
from ._models import Challenge

__all__ = ["ChallengeContext", "Handler", "HandlerRegistry"]


@attrs.frozen(kw_only=True)
class ChallengeContext:
    """What a handler may want besides the challenge itself.

    Attributes:
        client: the CognitoAuthClient running the sign-in (typed ``Any`` here
            so that this module need not import the client's).
        round: how many challenges this sign-in (or resume) has seen so far.
        flow: the AuthFlow the sign-in started with ("" on resume).
        client_metadata: the ClientMetadata sent with every call.
    """

    client: Any
    round: int
    flow: str
    client_metadata: Mapping[str, str] | None = attrs.field(default=None, repr=False)


#: A challenge handler: gets the challenge and a context, returns its answers
#: only (``{"SMS_MFA_CODE": "123456"}``); USERNAME, SECRET_HASH, DEVICE_KEY and
#: the Session are added by the library.
Handler: TypeAlias = Callable[[Challenge, ChallengeContext], Awaitable[Mapping[str, str]]]

H = TypeVar("H", bound=Handler)


def _key(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"a challenge name must be a non-empty string, not {name!r}")
    # StrEnum members and plain strings must land on the same key.
    return str(name)


def _check_handler(handler: object, name: str) -> None:
    if not callable(handler):
        raise TypeError(f"the handler for {name} must be callable, not {type(handler).__name__}")


@attrs.define(repr=False)
class HandlerRegistry:
    """Maps challenge names to async handlers.

    ::

        registry = HandlerRegistry()

        @registry.handler(ChallengeName.SOFTWARE_TOKEN_MFA)
        async def totp(challenge, context):
            return {"SOFTWARE_TOKEN_MFA_CODE": await ask_for_code()}

    Keys are strings, so a challenge name the ``ChallengeName`` enum does not
    know yet can be registered too. ``fallback`` answers every challenge that
    has no handler of its own.
    """

    _handlers: dict[str, Handler] = attrs.field(factory=dict, alias="handlers")
    fallback: Handler | None = attrs.field(default=None, on_setattr=attrs.setters.validate)

    @fallback.validator
    def _check_fallback(self, attribute: object, value: Handler | None) -> None:
        if value is not None:
            _check_handler(value, "the fallback")

    def __attrs_post_init__(self) -> None:
        handlers = dict(self._handlers)
        self._handlers = {}
        for name, handler in handlers.items():
            self.register(name, handler)

    @classmethod
    def coerce(cls, handlers: HandlerRegistry | Mapping[str, Handler] | None) -> HandlerRegistry:
        """``handlers`` as a registry: a registry as it is, a mapping copied, None empty."""
        if handlers is None:
            return cls()
        if isinstance(handlers, HandlerRegistry):
            return handlers
        if isinstance(handlers, Mapping):
            return cls(handlers=dict(handlers))
        raise ConfigurationError(
            f"handlers must be a HandlerRegistry or a mapping, not {type(handlers).__name__}"
        )

    def register(self, name: str, handler: Handler, *, replace: bool = False) -> None:
        """Register ``handler`` for challenge ``name``.

        Registering a second handler for the same name is an error unless
        ``replace=True``, so that two modules cannot silently fight over it.
        """
        key = _key(name)
        _check_handler(handler, key)
        if key in self._handlers and not replace:
            raise ConfigurationError(
                f"a handler for {key} is already registered; pass replace=True to override it"
            )
        self._handlers[key] = handler

    def handler(self, name: str, *, replace: bool = False) -> Callable[[H], H]:
        """Decorator form of ``register``."""

        def decorate(fn: H) -> H:
            self.register(name, fn, replace=replace)
            return fn

        return decorate

    def unregister(self, name: str) -> None:
        """Remove the handler of ``name``; a missing one raises ``KeyError``."""
        del self._handlers[_key(name)]

    def get(self, name: str) -> Handler | None:
        """The handler for ``name``, else the fallback, else None."""
        return self._handlers.get(str(name), self.fallback)

    def copy(self) -> HandlerRegistry:
        """An independent registry with the same handlers and fallback."""
        return HandlerRegistry(handlers=dict(self._handlers), fallback=self.fallback)

    def with_handlers(
        self, handlers: Mapping[str, Handler] | None = None, /, **more: Handler
    ) -> HandlerRegistry:
        """A copy with these handlers added or overriding existing ones."""
        new = self.copy()
        for name, handler in {**(handlers or {}), **more}.items():
            new.register(name, handler, replace=True)
        return new

    def merge(self, other: HandlerRegistry) -> HandlerRegistry:
        """A new registry: this one's handlers, overridden by ``other``'s.

        ``other``'s fallback wins when it has one. ``a | b`` is the same.
        """
        if not isinstance(other, HandlerRegistry):
            raise TypeError(f"can only merge a HandlerRegistry, not {type(other).__name__}")
        new = self.with_handlers(other._handlers)
        if other.fallback is not None:
            new.fallback = other.fallback
        return new

    def __or__(self, other: Any) -> HandlerRegistry:
        if not isinstance(other, HandlerRegistry):
            return NotImplemented
        return self.merge(other)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and str(name) in self._handlers

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._handlers))

    def __len__(self) -> int:
        return len(self._handlers)

    def __repr__(self) -> str:
        fallback = ", with fallback" if self.fallback is not None else ""
        count = len(self._handlers)
        noun = "handler" if count == 1 else "handlers"
        return f"<HandlerRegistry: {count} {noun}{fallback}>"

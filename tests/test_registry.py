"""HandlerRegistry: which coroutine answers which challenge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from cognito_flow import ChallengeName, Handler, HandlerRegistry


def make_handler(label: str) -> Handler:
    async def handler(challenge: Any, context: Any) -> Mapping[str, str]:
        return {"ANSWER": label}

    handler.__qualname__ = f"handler_{label}"
    return handler


sms = make_handler("sms")
totp = make_handler("totp")
other = make_handler("other")
fallback = make_handler("fallback")


def test_empty_registry() -> None:
    """A new registry has no handlers and no fallback."""
    registry = HandlerRegistry()
    assert len(registry) == 0
    assert list(registry) == []
    assert registry.fallback is None
    assert registry.get(ChallengeName.SMS_MFA) is None


def test_register_and_get() -> None:
    """register() makes get() return the handler for that name."""
    registry = HandlerRegistry()
    registry.register(ChallengeName.SMS_MFA, sms)
    assert registry.get(ChallengeName.SMS_MFA) is sms
    assert registry.get(ChallengeName.SOFTWARE_TOKEN_MFA) is None


def test_decorator_registers_and_returns_the_function() -> None:
    """@registry.handler(name) registers the function and leaves it unchanged."""
    registry = HandlerRegistry()

    @registry.handler(ChallengeName.SOFTWARE_TOKEN_MFA)
    async def answer(challenge: Any, context: Any) -> Mapping[str, str]:
        return {"SOFTWARE_TOKEN_MFA_CODE": "123456"}

    assert registry.get("SOFTWARE_TOKEN_MFA") is answer
    assert answer.__name__ == "answer"


def test_constructor_takes_handlers_and_fallback() -> None:
    """HandlerRegistry(handlers=..., fallback=...) registers them all."""
    registry = HandlerRegistry(handlers={ChallengeName.SMS_MFA: sms, "X": other}, fallback=fallback)
    assert registry.get("SMS_MFA") is sms
    assert registry.get("X") is other
    assert registry.fallback is fallback


def test_duplicate_registration_is_an_error() -> None:
    """Registering a second handler for a name raises ValueError naming it."""
    registry = HandlerRegistry()
    registry.register(ChallengeName.SMS_MFA, sms)
    with pytest.raises(ValueError, match=r"SMS_MFA.*replace=True"):
        registry.register(ChallengeName.SMS_MFA, other)
    with pytest.raises(ValueError, match="SMS_MFA"):
        registry.handler("SMS_MFA")(other)
    assert registry.get(ChallengeName.SMS_MFA) is sms


def test_replace_true_overrides() -> None:
    """replace=True swaps the handler, in both the method and the decorator form."""
    registry = HandlerRegistry()
    registry.register(ChallengeName.SMS_MFA, sms)
    registry.register(ChallengeName.SMS_MFA, other, replace=True)
    assert registry.get(ChallengeName.SMS_MFA) is other
    registry.handler(ChallengeName.SMS_MFA, replace=True)(totp)
    assert registry.get(ChallengeName.SMS_MFA) is totp
    assert len(registry) == 1


def test_replace_true_on_a_new_name_registers() -> None:
    """replace=True with no earlier handler simply registers."""
    registry = HandlerRegistry()
    registry.register("SMS_MFA", sms, replace=True)
    assert registry.get("SMS_MFA") is sms


def test_enum_and_string_keys_are_the_same() -> None:
    """A ChallengeName member and its string value are one key."""
    registry = HandlerRegistry()
    registry.register("SMS_MFA", sms)
    assert registry.get(ChallengeName.SMS_MFA) is sms
    assert ChallengeName.SMS_MFA in registry
    with pytest.raises(ValueError, match="already registered"):
        registry.register(ChallengeName.SMS_MFA, other)
    assert list(registry) == ["SMS_MFA"]
    assert all(type(name) is str for name in registry)


def test_unknown_challenge_names_are_allowed() -> None:
    """A name ChallengeName does not know yet can be registered and looked up."""
    registry = HandlerRegistry()
    registry.register("SOME_FUTURE_CHALLENGE", other)
    assert registry.get("SOME_FUTURE_CHALLENGE") is other
    assert "SOME_FUTURE_CHALLENGE" in registry


@pytest.mark.parametrize("name", ["", None, 3, b"SMS_MFA"])
def test_bad_names_are_refused(name: Any) -> None:
    """A name that is not a non-empty string raises TypeError."""
    with pytest.raises(TypeError, match="challenge name"):
        HandlerRegistry().register(name, sms)


@pytest.mark.parametrize("handler", [None, "sms_handler", {"ANSWER": "x"}])
def test_non_callable_handler_is_a_type_error(handler: Any) -> None:
    """A handler that is not callable raises TypeError, in every way of registering."""
    with pytest.raises(TypeError, match="callable"):
        HandlerRegistry().register(ChallengeName.SMS_MFA, handler)
    with pytest.raises(TypeError, match="callable"):
        HandlerRegistry().handler(ChallengeName.SMS_MFA)(handler)
    with pytest.raises(TypeError, match="callable"):
        HandlerRegistry(handlers={"SMS_MFA": handler})
    with pytest.raises(TypeError, match="callable"):
        HandlerRegistry().with_handlers(SMS_MFA=handler)
    if handler is not None:  # fallback=None means "no fallback"
        with pytest.raises(TypeError, match="callable"):
            HandlerRegistry(fallback=handler)


def test_unregister() -> None:
    """unregister() removes a handler; a missing one raises KeyError."""
    registry = HandlerRegistry(handlers={"SMS_MFA": sms})
    registry.unregister(ChallengeName.SMS_MFA)
    assert "SMS_MFA" not in registry
    with pytest.raises(KeyError):
        registry.unregister("SMS_MFA")


def test_fallback_answers_names_without_a_handler() -> None:
    """get() returns the fallback for any name that has no handler of its own."""
    registry = HandlerRegistry(handlers={"SMS_MFA": sms}, fallback=fallback)
    assert registry.get("SMS_MFA") is sms
    assert registry.get(ChallengeName.CUSTOM_CHALLENGE) is fallback
    assert registry.get("ANYTHING_AT_ALL") is fallback


def test_fallback_is_not_a_registered_name() -> None:
    """The fallback does not count as a handler for `in`, iteration or len."""
    registry = HandlerRegistry(fallback=fallback)
    assert "SMS_MFA" not in registry
    assert len(registry) == 0
    assert list(registry) == []


def test_contains() -> None:
    """`in` is true for registered names only, and false for non-strings."""
    registry = HandlerRegistry(handlers={"SMS_MFA": sms})
    assert "SMS_MFA" in registry
    assert ChallengeName.SMS_MFA in registry
    assert "EMAIL_OTP" not in registry
    assert None not in registry
    assert 3 not in registry
    assert sms not in registry


def test_iteration_is_sorted_and_len_counts() -> None:
    """Iterating gives the registered names in sorted order; len counts them."""
    registry = HandlerRegistry()
    for name in ("SOFTWARE_TOKEN_MFA", "CUSTOM_CHALLENGE", "SMS_MFA", "EMAIL_OTP"):
        registry.register(name, sms)
    assert list(registry) == ["CUSTOM_CHALLENGE", "EMAIL_OTP", "SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    assert len(registry) == 4


def test_copy_is_independent() -> None:
    """A copy has the same handlers and fallback; changing either leaves the other alone."""
    original = HandlerRegistry(handlers={"SMS_MFA": sms}, fallback=fallback)
    copy = original.copy()
    assert copy is not original
    assert copy.get("SMS_MFA") is sms
    assert copy.fallback is fallback

    copy.register("EMAIL_OTP", other)
    copy.register("SMS_MFA", totp, replace=True)
    copy.fallback = None
    assert "EMAIL_OTP" not in original
    assert original.get("SMS_MFA") is sms
    assert original.fallback is fallback

    original.register("CUSTOM_CHALLENGE", other)
    assert "CUSTOM_CHALLENGE" not in copy


def test_with_handlers_adds_and_overrides_on_a_copy() -> None:
    """with_handlers() returns a copy with handlers added or replaced; the original is unchanged."""
    original = HandlerRegistry(handlers={"SMS_MFA": sms}, fallback=fallback)
    new = original.with_handlers({ChallengeName.SMS_MFA: totp}, EMAIL_OTP=other)
    assert new.get("SMS_MFA") is totp
    assert new.get("EMAIL_OTP") is other
    assert new.fallback is fallback
    assert original.get("SMS_MFA") is sms
    assert "EMAIL_OTP" not in original
    assert list(original.with_handlers()) == ["SMS_MFA"]


def test_merge_and_or_let_the_other_win() -> None:
    """merge() and `|` keep both registries' handlers; the other's handlers and fallback win."""
    left_fallback, right_fallback = make_handler("left"), make_handler("right")
    left = HandlerRegistry(handlers={"SMS_MFA": sms, "EMAIL_OTP": other}, fallback=left_fallback)
    right = HandlerRegistry(
        handlers={"SMS_MFA": totp, "CUSTOM_CHALLENGE": other}, fallback=right_fallback
    )
    for merged in (left.merge(right), left | right):
        assert list(merged) == ["CUSTOM_CHALLENGE", "EMAIL_OTP", "SMS_MFA"]
        assert merged.get("SMS_MFA") is totp
        assert merged.get("EMAIL_OTP") is other
        assert merged.fallback is right_fallback
        assert merged is not left
        assert merged is not right
    # Neither side changed.
    assert left.get("SMS_MFA") is sms
    assert "CUSTOM_CHALLENGE" not in left
    assert "EMAIL_OTP" not in right


def test_merge_keeps_own_fallback_when_other_has_none() -> None:
    """Merging a registry without a fallback keeps this one's fallback."""
    left = HandlerRegistry(fallback=fallback)
    right = HandlerRegistry(handlers={"SMS_MFA": sms})
    assert (left | right).fallback is fallback
    assert (right | left).fallback is fallback


def test_merge_with_something_else_is_a_type_error() -> None:
    """merge() and `|` with a non-registry raise TypeError."""
    registry = HandlerRegistry()
    with pytest.raises(TypeError, match="HandlerRegistry"):
        registry.merge({"SMS_MFA": sms})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _ = registry | {"SMS_MFA": sms}


def test_repr_counts_and_shows_no_handler() -> None:
    """repr gives the handler count and whether there is a fallback, no handler reprs."""
    empty = HandlerRegistry()
    assert repr(empty) == "<HandlerRegistry: 0 handlers>"
    registry = HandlerRegistry(handlers={"SMS_MFA": sms, "EMAIL_OTP": other}, fallback=fallback)
    text = repr(registry)
    assert text == "<HandlerRegistry: 2 handlers, with fallback>"
    for handler in (sms, other, fallback):
        assert repr(handler) not in text
        assert handler.__qualname__ not in text

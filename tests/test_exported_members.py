"""The public surface: every __all__ is sorted, complete and documented."""

from __future__ import annotations

import importlib
import inspect
import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest

import cognito_flow
import cognito_flow.exceptions
import cognito_flow.handlers
import cognito_flow.web

PACKAGE_DIR = Path(cognito_flow.__file__).parent

#: The names DESIGN.md fixes; users and the acceptance checks import them.
FIXED_NAMES = [
    "AuthFlow",
    "AuthenticationResult",
    "Challenge",
    "ChallengeName",
    "CodeMismatchError",
    "CognitoAuthClient",
    "CognitoFlowError",
    "HandlerRegistry",
    "NotAuthorizedError",
    "SessionExpiredError",
    "TooManyChallengesError",
    "UnhandledChallengeError",
]


def public_non_modules(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }


def is_type_alias(value: object) -> bool:
    return typing.get_origin(value) is not None


def alias_is_documented(name: str) -> bool:
    """A type alias cannot hold a docstring: it needs a ``#:`` comment above it."""
    pattern = re.compile(rf"^#:.*\n(?:#:.*\n)*{re.escape(name)}\s*(?::[^=\n]*)?=", re.MULTILINE)
    return any(pattern.search(path.read_text()) for path in PACKAGE_DIR.rglob("*.py"))


def has_docstring(name: str, value: object) -> bool:
    if is_type_alias(value):
        return alias_is_documented(name)
    doc = getattr(value, "__doc__", None)
    return isinstance(doc, str) and bool(doc.strip())


@pytest.mark.parametrize(
    "module",
    [cognito_flow, cognito_flow.exceptions, cognito_flow.handlers, cognito_flow.web],
    ids=str,
)
def test_all_is_sorted_without_duplicates(module: types.ModuleType) -> None:
    """__all__ is sorted and names each member once."""
    assert module.__all__ == sorted(module.__all__)
    assert len(set(module.__all__)) == len(module.__all__)


@pytest.mark.parametrize(
    "module",
    [cognito_flow, cognito_flow.exceptions, cognito_flow.handlers, cognito_flow.web],
    ids=str,
)
def test_all_names_exist_and_are_documented(module: types.ModuleType) -> None:
    """Every name in __all__ exists and has a docstring (a ``#:`` comment for a type alias)."""
    for name in module.__all__:
        assert hasattr(module, name), name
        assert has_docstring(name, getattr(module, name)), f"{name} has no docstring"


def test_package_all_is_complete() -> None:
    """cognito_flow.__all__ is every public non-module name in the package namespace."""
    # Importing submodules adds them to the namespace as modules only.
    for submodule in ("handlers", "exceptions", "srp", "testing"):
        importlib.import_module(f"cognito_flow.{submodule}")
    assert set(cognito_flow.__all__) == public_non_modules(cognito_flow)


def test_package_names_come_from_private_modules_or_exceptions() -> None:
    """Each package name is re-exported from a private module or cognito_flow.exceptions."""
    for name in cognito_flow.__all__:
        value: Any = getattr(cognito_flow, name)
        if is_type_alias(value):
            continue
        module = value.__module__
        assert module.startswith("cognito_flow."), name
        last = module.rsplit(".", 1)[1]
        assert last.startswith("_") or module == "cognito_flow.exceptions", name


def test_exceptions_all_is_complete() -> None:
    """cognito_flow.exceptions.__all__ is exactly the exception classes defined there."""
    module = cognito_flow.exceptions
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == module.__name__
    }
    assert set(module.__all__) == defined


def test_every_exception_is_importable_from_the_package() -> None:
    """Every exception of cognito_flow.exceptions is the same object at package level."""
    for name in cognito_flow.exceptions.__all__:
        assert name in cognito_flow.__all__
        assert getattr(cognito_flow, name) is getattr(cognito_flow.exceptions, name)


def test_handlers_all_is_complete() -> None:
    """cognito_flow.handlers.__all__ is exactly its public functions and callback types."""
    module = cognito_flow.handlers
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or (is_type_alias(value) and name.endswith("Prompt")))
    }
    assert set(module.__all__) == public


@pytest.mark.parametrize("name", FIXED_NAMES)
def test_design_names_are_importable(name: str) -> None:
    """The names DESIGN.md fixes import from the package and are in __all__."""
    namespace: dict[str, Any] = {}
    exec(f"from cognito_flow import {name}", namespace)
    assert namespace[name] is getattr(cognito_flow, name)
    assert name in cognito_flow.__all__


def test_star_import_gives_all() -> None:
    """`from cognito_flow import *` gives exactly __all__."""
    namespace: dict[str, Any] = {}
    exec("from cognito_flow import *", namespace)
    namespace.pop("__builtins__")
    assert set(namespace) == set(cognito_flow.__all__)


def test_package_is_typed() -> None:
    """The package ships py.typed for type checkers."""
    assert (PACKAGE_DIR / "py.typed").is_file()

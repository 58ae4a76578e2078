"""The botocore service model in use has every operation and member the library relies on.

An older aiobotocore (and so botocore) silently drops response members its
model does not know (AvailableChallenges) and has no method for newer
operations (GetTokensFromRefreshToken): pyproject.toml's lower bounds are the
oldest releases whose models have all of them, and this file checks that.
"""

from __future__ import annotations

from typing import Any

import botocore.loaders
import pytest

from cognito_flow import AuthFlow, ChallengeName
from cognito_flow._transport import REQUIRED_MODEL

MODEL: dict[str, Any] = botocore.loaders.Loader().load_service_model("cognito-idp", "service-2")


def members(shape: str) -> set[str]:
    """The member names of a structure shape of the model."""
    return set(MODEL["shapes"][shape].get("members", {}))


@pytest.mark.parametrize(("operation", "needed"), sorted(REQUIRED_MODEL.items()))
def test_every_operation_and_member_the_library_uses_exists(
    operation: str, needed: tuple[str, ...]
) -> None:
    """Each operation the library calls is modelled, with the request and response members it uses."""
    assert operation in MODEL["operations"]
    spec = MODEL["operations"][operation]
    have = members(spec["input"]["shape"])
    if "output" in spec:  # ForgetDevice answers nothing
        have |= members(spec["output"]["shape"])
    assert set(needed) <= have


def test_every_challenge_name_is_modelled() -> None:
    """ChallengeName lists exactly the model's ChallengeNameType values."""
    assert set(MODEL["shapes"]["ChallengeNameType"]["enum"]) == set(ChallengeName)


def test_every_auth_flow_is_modelled() -> None:
    """AuthFlow lists exactly the model's AuthFlowType values."""
    assert set(MODEL["shapes"]["AuthFlowType"]["enum"]) == set(AuthFlow)


def test_the_declared_floor_matches_the_model_check() -> None:
    """pyproject.toml declares the aiobotocore whose botocore has GetTokensFromRefreshToken (2.23.0)."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert "aiobotocore>=2.23.0" in project["project"]["dependencies"]


async def test_a_client_with_an_older_model_is_refused_on_first_use() -> None:
    """A botocore model without GetTokensFromRefreshToken or AvailableChallenges is named before any call."""
    import attrs

    from cognito_flow import CognitoAuthClient, ConfigurationError

    @attrs.frozen
    class Shape:
        members: tuple[str, ...]

    @attrs.frozen
    class Operation:
        input_shape: Shape
        output_shape: Shape

    class OldModel:
        operation_names = ("InitiateAuth", "RespondToAuthChallenge")

        def operation_model(self, name: str) -> Operation:
            return Operation(Shape(("AuthFlow", "AuthParameters", "ClientMetadata")), Shape(()))

    class OldClient:
        class meta:  # noqa: N801 - botocore names it so
            service_model = OldModel()
            config = None

    auth = CognitoAuthClient(
        OldClient(),  # type: ignore[arg-type]
        user_pool_id="us-east-1_Old",
        client_id="client",
        admin=False,
    )
    with pytest.raises(ConfigurationError, match=r"2\.23\.0") as info:
        await auth.authenticate("alice", "password", flow="USER_PASSWORD_AUTH")
    assert "InitiateAuth.AvailableChallenges" in str(info.value)
    assert "GetTokensFromRefreshToken" in str(info.value)

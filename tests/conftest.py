"""Test-wide settings."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import aiobotocore.session
import pytest

from cognito_flow import CognitoAuthClient, safe_aio_config

if TYPE_CHECKING:
    from fake_cognito import FakeCognito

# botocore looks for credentials on the instance metadata service when it finds
# none elsewhere; tests talk to 127.0.0.1 only.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

# The test kit, loaded as its README section says (it is no pytest11 plugin),
# and pytester for the tests of the kit itself.
pytest_plugins = ["cognito_flow.testing", "pytester"]

#: The secret of the in-test service's "secret" app client.
FAKE_SECRET = "fake-client-secret-0123456789abcdef"


@pytest.fixture
async def service() -> AsyncIterator[FakeCognito]:
    """A verifying Cognito on 127.0.0.1 with one plain and one secret app client."""
    # Imported here: fake_cognito uses cognito_flow.testing, which pytest
    # must load first, as a plugin, to rewrite its asserts.
    from fake_cognito import FakeCognito, serve

    fake = FakeCognito()
    fake.add_client("plain")
    fake.add_client("secret", FAKE_SECRET)
    async with serve(fake):
        yield fake


@pytest.fixture
async def idp(service: FakeCognito) -> AsyncIterator[Any]:
    """An aiobotocore client pointed at the fake service."""
    session = aiobotocore.session.get_session()
    async with session.create_client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=service.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=safe_aio_config(),
    ) as client:
        yield client


Make = Callable[..., CognitoAuthClient]


@pytest.fixture
def make(idp: Any) -> Make:
    """Builds a CognitoAuthClient on the fake service."""

    from fake_cognito import POOL_ID

    def build(*, secret: bool = False, admin: bool = False, **options: Any) -> CognitoAuthClient:
        return CognitoAuthClient(
            idp,
            user_pool_id=POOL_ID,
            client_id="secret" if secret else "plain",
            client_secret=FAKE_SECRET if secret else None,
            admin=admin,
            **options,
        )

    return build

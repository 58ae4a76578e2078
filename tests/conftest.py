"""Test-wide settings and the fixtures several test files share.

Test helpers live beside the tests (pytest puts tests/ on sys.path, as the
rootdir of modules that are not in a package) and are imported one way:
``from stubbed import ...``, ``from conversations import ...``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import aiobotocore.session
import pytest
from conversations import MODES, PLAYERS, Conversation, Mode, Play, Player
from stubbed import CLIENT_SECRET, local_client

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
    async with local_client(session, service.endpoint_url, safe_aio_config()) as client:
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


# -- the two APIs, the two kinds of app client, the players of a conversation ---


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "players(*names): play the conversation only with these players"
    )
    config.addinivalue_line("markers", "modes(*names): answer the challenges only in these ways")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``player`` and ``mode`` over all their values, or those a players/modes marker keeps.

    A combination that means nothing for a test (a conversation with no
    challenge has no second way of answering one) is left out here, not
    skipped inside the test.
    """
    for name, values in (("player", PLAYERS), ("mode", MODES)):
        if name in metafunc.fixturenames:
            marker = metafunc.definition.get_closest_marker(f"{name}s")
            chosen = marker.args if marker is not None else values
            assert set(chosen) <= set(values), f"unknown {name}: {chosen}"
            metafunc.parametrize(name, chosen)


@pytest.fixture(params=[True, False], ids=["admin", "public"])
def admin(request: pytest.FixtureRequest) -> bool:
    """AdminInitiateAuth / AdminRespondToAuthChallenge, or the public InitiateAuth / RespondToAuthChallenge."""
    value: bool = request.param
    return value


@pytest.fixture(params=[None, CLIENT_SECRET], ids=["no-secret", "secret"])
def secret(request: pytest.FixtureRequest) -> str | None:
    """The stubbed app client's secret, or None for an app client without one."""
    value: str | None = request.param
    return value


@pytest.fixture
def talk(admin: bool, secret: str | None) -> Conversation:
    """An empty service conversation for this API and app client, to script."""
    return Conversation(admin=admin, secret=secret)


@pytest.fixture
def play(player: Player, mode: Mode) -> Play:
    """Plays a conversation with the core alone or a stubbed client, by handlers or resume."""
    return Play(player, mode)

"""cognito_flow.testing as a user's test suite meets it: loaded by pytest_plugins, with and without pytest-asyncio."""

from __future__ import annotations

import pytest

USER_TEST = """
import pytest

pytest_plugins = ["cognito_flow.testing"]


@pytest.mark.asyncio
async def test_sign_in(local_cognito):
    await local_cognito.create_user("alice", "Passw0rd!")
    result = await local_cognito.auth_client().authenticate("alice", "Passw0rd!")
    assert result.access_token


def test_endpoint(moto_endpoint):
    assert moto_endpoint.startswith("http://127.0.0.1:")
"""


def test_the_kit_works_as_the_readme_says(pytester: pytest.Pytester) -> None:
    """A suite with pytest_plugins = ["cognito_flow.testing"] gets both fixtures and signs in."""
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_without_pytest_asyncio_the_fixture_says_why(pytester: pytest.Pytester) -> None:
    """With pytest-asyncio absent, local_cognito fails naming what to install instead of vanishing."""
    pytester.makepyfile(
        test_user="""
pytest_plugins = ["cognito_flow.testing"]


def test_needs_the_pool(local_cognito):
    pass
"""
    )
    pytester.makeconftest(
        """
import sys

# Make pytest-asyncio unimportable, as in a project that never installed it.
sys.modules["pytest_asyncio"] = None
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*needs pytest-asyncio*cognito-flow[[]testing[]]*"])


def test_the_kit_is_not_loaded_into_other_projects(pytester: pytest.Pytester) -> None:
    """Installing cognito-flow adds no fixtures to a suite that does not ask for the kit."""
    pytester.makepyfile(test_other="def test_other(local_cognito):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'local_cognito' not found*"])

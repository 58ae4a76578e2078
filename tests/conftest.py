"""Test-wide settings."""

from __future__ import annotations

import os

# botocore looks for credentials on the instance metadata service when it finds
# none elsewhere; tests talk to 127.0.0.1 only.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

# The test kit, loaded as its README section says (it is no pytest11 plugin),
# and pytester for the tests of the kit itself.
pytest_plugins = ["cognito_flow.testing", "pytester"]

"""What the web tests share: a clock moved by hand, and the example apps imported by path."""

from __future__ import annotations

import importlib.util
import time
import types
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class Clock:
    """A clock the test moves by hand (a Sealer's ``clock=``)."""

    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now


def load_example(name: str) -> types.ModuleType:
    """examples/<name>.py, imported by path (examples/ is no package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

"""Build the default demo world once for the whole demo test package."""

import pytest

from backend.demo.world import DemoWorld, build_world


@pytest.fixture(scope="session")
def demo_world() -> DemoWorld:
    """Return the default world (seed 7, 4,000 retailers)."""
    return build_world()

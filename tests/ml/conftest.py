"""Shared fixtures for the ranking-model tests: small deterministic synthetic datasets."""

from __future__ import annotations

import pytest

from ml.synthetic import generate
from ml.tables import Tables


@pytest.fixture(scope="session")
def tiny_tables() -> Tables:
    """Forty outlets over one year: the smallest dataset evaluation must handle."""
    return generate(retailers=40, days=365, seed=3)


@pytest.fixture(scope="session")
def small_tables() -> Tables:
    """Four hundred outlets over two years, enough for the model to show its signal."""
    return generate(retailers=400, days=730, seed=5)

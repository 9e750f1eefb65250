"""Run Alembic programmatically (the CLI and the test suite both build the schema this way)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from backend.kit.settings import REPO_ROOT


def alembic_config(url: str) -> Config:
    """An Alembic config for the repository's migrations against `url` (owner role)."""
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Downgrade the database at `url` to `revision`."""
    command.downgrade(alembic_config(url), revision)

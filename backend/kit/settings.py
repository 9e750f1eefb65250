"""One typed settings object for the whole application, read once at start-up (`JALUR_` prefix)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.api.guard.settings import GuardSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_JWT_SECRET = "jalur-development-secret-change-me-0123456789"


class GraphQLSettings(GuardSettings):
    """Limits and behaviour of the GraphQL endpoint (the guard's settings plus the IDE switch)."""

    graphiql: bool = True
    operations_dir: Path = REPO_ROOT / "graphql" / "operations"


class OptimizerSettings(BaseModel):
    """Defaults for route planning jobs."""

    time_limit_s: float = 2.0
    circuity_factor: float = 1.35
    speed_kmh: float = 18.0
    osrm_url: str | None = None


class ModelSettings(BaseModel):
    """How ranking models are trained and evaluated (`JALUR_MODEL__HORIZON_DAYS`, `__K`), and
    how many days of scoring runs are kept (`__SCORE_RETENTION_DAYS`: each run writes a row per
    retailer; runs older than that before the newest are deleted when it is written).

    Artefacts are kept in their registry rows (`ranking_model.artefact`), not in a folder: see
    `backend/ranking/models.py` for why.
    """

    horizon_days: int = Field(default=28, gt=0)
    k: int = Field(default=30, gt=0)
    score_retention_days: int = Field(default=180, gt=0)


class Settings(BaseSettings):
    """Everything Jalur reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="JALUR_",
        env_file=REPO_ROOT / ".jalur" / "env",
        env_nested_delimiter="__",
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+asyncpg://jalur_app@127.0.0.1:5432/jalur"
    database_owner_url: str = "postgresql+asyncpg://jalur_owner@127.0.0.1:5432/jalur"
    test_database_url: str = "postgresql+asyncpg://jalur_app@127.0.0.1:5432/jalur_test"
    test_database_owner_url: str = "postgresql+asyncpg://jalur_owner@127.0.0.1:5432/jalur_test"
    database_pool_size: int = 10
    redis_url: str = "redis://127.0.0.1:6379/0"
    test_redis_url: str = "redis://127.0.0.1:6379/15"
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_issuer: str = "jalur"
    jwt_ttl_s: int = Field(default=7 * 24 * 3600, gt=0)
    log_format: Literal["json", "console"] = "console"
    log_level: str = "INFO"
    graphql: GraphQLSettings = GraphQLSettings()
    optimizer: OptimizerSettings = OptimizerSettings()
    model: ModelSettings = ModelSettings()

    @property
    def production(self) -> bool:
        """Whether the API runs hardened: no introspection, no GraphiQL, masked errors."""
        return self.environment == "production"

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.production and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            raise ValueError("JALUR_JWT_SECRET must be set to a private value in production")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()

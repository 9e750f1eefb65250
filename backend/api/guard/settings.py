"""Limits that protect the GraphQL API, nested into the application's settings object."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class GuardSettings(BaseModel):
    """Query limits, the per-principal cost budget and the production switches."""

    model_config = ConfigDict(frozen=True)

    max_depth: int = Field(12, ge=1, description="Deepest allowed nesting of fields.")
    max_aliases: int = Field(30, ge=0, description="Aliases allowed in one document.")
    max_tokens: int = Field(5000, ge=1, description="Lexical tokens (comments too) per document.")
    max_operations_per_batch: int = Field(10, ge=1, description="Operations in one JSON batch.")
    max_query_cost: int = Field(20_000, ge=1, description="Highest estimated cost of one query.")
    default_list_size: int = Field(
        10, ge=1, description="Assumed length of a list field that takes no size argument."
    )
    max_page_size: int = Field(
        100, ge=1, description="Assumed page size when a connection's `first`/`last` is unknown."
    )
    cost_budget_per_window: int = Field(
        200_000, ge=0, description="Cost one principal may spend per window; 0 disables."
    )
    cost_budget_window_seconds: float = Field(60.0, gt=0, description="Budget window length.")
    budget_key_prefix: str = Field("jalur:guard:cost:", description="Redis key prefix.")
    budget_fail_open: bool = Field(
        True, description="Serve queries when Redis is unreachable (logged) instead of refusing."
    )
    production: bool = Field(
        False, description="Hide introspection and suggestions, mask unexpected errors."
    )
    persisted_queries_only: bool = Field(
        True, description="In production, accept only documents from the operations folder."
    )
    operations_dir: Path = Field(
        Path("graphql/operations"), description="Folder of `.graphql` allow-listed documents."
    )

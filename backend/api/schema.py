"""The GraphQL composition root: every domain's queries and mutations in one schema."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from backend.analytics.graphql import AnalyticsQuery
from backend.api.node import NodeQuery
from backend.api.transaction import TransactionPerOperation
from backend.billing.graphql import BillingMutation, BillingQuery
from backend.billing.graphql_types import BillingDocumentNode
from backend.catalog.graphql import CatalogMutation, CatalogQuery, ProductNode
from backend.claims.graphql import ClaimNode, ClaimsMutation, ClaimsQuery
from backend.identity.graphql import IdentityMutation, IdentityQuery, UserNode
from backend.kit.settings import GraphQLSettings
from backend.orders.graphql import OrdersMutation, OrdersQuery
from backend.orders.graphql_types import PrimaryOrderNode
from backend.parties.graphql import PartiesMutation, PartiesQuery
from backend.parties.graphql_types import DistributorNode, RetailerNode
from backend.pricing.graphql import PricingMutation
from backend.territories.graphql import TerritoryMutation, TerritoryNode, TerritoryQuery

Query = merge_types(
    "Query",
    (
        NodeQuery,
        IdentityQuery,
        TerritoryQuery,
        PartiesQuery,
        CatalogQuery,
        OrdersQuery,
        BillingQuery,
        ClaimsQuery,
        AnalyticsQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        IdentityMutation,
        TerritoryMutation,
        PartiesMutation,
        CatalogMutation,
        OrdersMutation,
        BillingMutation,
        ClaimsMutation,
        PricingMutation,
    ),
)

NODE_TYPES = [
    TerritoryNode,
    DistributorNode,
    RetailerNode,
    ProductNode,
    UserNode,
    PrimaryOrderNode,
    BillingDocumentNode,
    ClaimNode,
]


def build_schema(
    settings: GraphQLSettings | None = None, *, production: bool = False
) -> strawberry.Schema:
    """Assemble the schema with its limits and the per-operation transaction."""
    limits = settings or GraphQLSettings()
    extensions: list[Any] = [
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        TransactionPerOperation,
    ]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=NODE_TYPES,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
    )


def export_sdl() -> str:
    """The schema's SDL, as committed in graphql/schema.graphql."""
    return build_schema().as_str() + "\n"

"""The GraphQL composition root: every domain's queries and mutations in one schema."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from backend.analytics.graphql import AnalyticsQuery
from backend.analytics.graphql_field import FieldKpisQuery
from backend.api.guard.batch import strawberry_batching_config
from backend.api.guard.builder import guard_extensions
from backend.api.http_status import RateLimitStatus
from backend.api.node import NodeQuery
from backend.api.transaction import TransactionPerOperation
from backend.billing.graphql import BillingMutation, BillingQuery
from backend.billing.graphql_types import BillingDocumentNode, PaymentType
from backend.catalog.graphql import CatalogMutation, CatalogQuery, ProductNode
from backend.claims.graphql import ClaimNode, ClaimsMutation, ClaimsQuery
from backend.field.graphql_goals import GoalNode
from backend.field.graphql_mutations import FieldMutation
from backend.field.graphql_orders import CapturedOrderNode
from backend.field.graphql_queries import FieldQuery
from backend.field.graphql_types import BeatNode, PjpChangeNode, RepNode, VisitNode
from backend.identity.graphql import IdentityMutation, IdentityQuery, UserNode
from backend.inventory.graphql import (
    DistributorStockNode,
    InventoryMutation,
    InventoryQuery,
    StockMovementNode,
)
from backend.jobs.graphql import JobNode, JobSubscription
from backend.kit.settings import GraphQLSettings
from backend.offtake.graphql import OfftakeImportNode, OfftakeMutation, OfftakeQuery
from backend.orders.graphql import OrdersMutation, OrdersQuery
from backend.orders.graphql_types import PrimaryOrderNode
from backend.parties.graphql import PartiesMutation, PartiesQuery
from backend.parties.graphql_types import DistributorNode, RetailerNode
from backend.planning.graphql import PlanningMutation, PlanningQuery
from backend.pricing.graphql import PricingMutation
from backend.ranking.graphql import RankingModelNode, RankingQuery
from backend.schemes.graphql import SchemesMutation, SchemesQuery
from backend.schemes.graphql_claims import SchemeClaimsMutation
from backend.schemes.graphql_types import SchemeNode
from backend.secondary.graphql import SecondaryMutation, SecondaryQuery
from backend.secondary.graphql_types import SecondaryDocumentNode, SecondaryOrderNode
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
        InventoryQuery,
        AnalyticsQuery,
        FieldKpisQuery,
        FieldQuery,
        SchemesQuery,
        OfftakeQuery,
        RankingQuery,
        PlanningQuery,
        SecondaryQuery,
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
        InventoryMutation,
        PricingMutation,
        FieldMutation,
        SchemesMutation,
        OfftakeMutation,
        SchemeClaimsMutation,
        PlanningMutation,
        SecondaryMutation,
    ),
)


@strawberry.type(description="Pushed updates, over the graphql-transport-ws websocket at /graphql.")
class Subscription(JobSubscription):
    pass


NODE_TYPES = [
    TerritoryNode,
    DistributorNode,
    RetailerNode,
    ProductNode,
    UserNode,
    RepNode,
    BeatNode,
    PjpChangeNode,
    VisitNode,
    GoalNode,
    CapturedOrderNode,
    JobNode,
    PrimaryOrderNode,
    BillingDocumentNode,
    PaymentType,
    SecondaryOrderNode,
    SecondaryDocumentNode,
    ClaimNode,
    DistributorStockNode,
    StockMovementNode,
    SchemeNode,
    OfftakeImportNode,
    RankingModelNode,
]


def build_schema(
    settings: GraphQLSettings | None = None, *, production: bool = False
) -> strawberry.Schema:
    """Assemble the schema with its guards and the per-operation transaction.

    Guards: depth, aliases, tokens, cost and the per-principal budget always; in production also
    no introspection, no suggestions, masked unexpected errors and the persisted-query allow-list.
    """
    limits = (settings or GraphQLSettings()).model_copy(update={"production": production})
    extensions: list[Any] = [RateLimitStatus, *guard_extensions(limits), TransactionPerOperation]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=extensions,
        config=StrawberryConfig(
            auto_camel_case=True,
            batching_config=strawberry_batching_config(limits),
            disable_field_suggestions=production,
        ),
    )


def export_sdl() -> str:
    """The schema's SDL, as committed in graphql/schema.graphql."""
    return build_schema().as_str() + "\n"

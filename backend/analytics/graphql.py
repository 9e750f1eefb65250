"""GraphQL query of distributor performance KPIs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from backend.analytics.distributor_performance import distributor_performance
from backend.api.context import Context
from backend.api.types import Money
from backend.kit.ids import decode_typed_id


@strawberry.type(description="A distributor's KPIs over a period; ratios are fractions (0–1).")
class DistributorPerformanceType:
    fill_rate: Decimal | None = strawberry.field(description="Units delivered ÷ units ordered.")
    delivery_adherence: Decimal | None = strawberry.field(
        description="Deliveries on or before the promised date ÷ deliveries."
    )
    order_accuracy: Decimal | None = strawberry.field(
        description="Orders delivered exactly as ordered ÷ orders delivered."
    )
    primary_sales: Money = strawberry.field(description="Net invoiced less credit notes.")
    dso_days: Decimal | None = strawberry.field(description="Days sales outstanding.")
    overdue_percent: Decimal | None = strawberry.field(description="Overdue ÷ open, in %.")
    claims_ratio: Decimal | None = strawberry.field(description="Value claimed ÷ primary sales.")
    primary_target: Money | None = strawberry.field(
        description="Primary sales target: PRIMARY_VALUE goals prorated by days in the period."
    )
    primary_target_achievement_percent: Decimal | None = strawberry.field(
        description="Primary sales ÷ target, in % (null without a target)."
    )


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        description="Fill rate, delivery adherence, accuracy, primary sales vs target, DSO, overdue, claims."
    )
    async def distributor_performance(
        self,
        info: strawberry.Info[Context, None],
        distributor_id: Annotated[strawberry.ID, strawberry.argument(description="The party.")],
        start: Annotated[date, strawberry.argument(name="from", description="First day.")],
        end: Annotated[date, strawberry.argument(name="to", description="Last day.")],
    ) -> DistributorPerformanceType:
        principal = await info.context.principal()
        kpi = await distributor_performance(
            info.context.session,
            principal=principal,
            start=start,
            end=end,
            distributor_id=decode_typed_id(distributor_id, "Distributor", field="distributorId"),
        )
        return DistributorPerformanceType(
            fill_rate=kpi.fill_rate,
            delivery_adherence=kpi.delivery_adherence,
            order_accuracy=kpi.order_accuracy,
            primary_sales=Money(amount=kpi.primary_sales, currency=kpi.currency),
            dso_days=kpi.dso_days,
            overdue_percent=kpi.overdue_percent,
            claims_ratio=kpi.claims_ratio,
            primary_target=None
            if kpi.primary_target is None
            else Money(amount=kpi.primary_target, currency=kpi.currency),
            primary_target_achievement_percent=kpi.primary_target_achievement,
        )

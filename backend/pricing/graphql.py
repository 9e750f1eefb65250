"""GraphQL mutations of price lists and primary-sales settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from backend.api.context import Context
from backend.api.mutations import run_mutation
from backend.api.types import Money, UserError
from backend.auth.principal import Principal
from backend.kit.ids import decode_typed_id, encode_global_id
from backend.orders.models import CreditAction, PrimarySettings
from backend.pricing import service
from backend.pricing.models import PriceListItem

CreditActionEnum = strawberry.enum(CreditAction, description="Hold or refuse on a failed check.")


@strawberry.input(description="A SKU's prices for a tier from a date.")
class SetPriceInput:
    product_id: strawberry.ID = strawberry.field(description="The SKU.")
    tier: str = strawberry.field(description="Distributor tier, or * for every tier.")
    distributor_price: Decimal = strawberry.field(description="Price to the distributor.")
    retailer_price: Decimal = strawberry.field(description="Price to the retailer.")
    mrp: Decimal = strawberry.field(description="Maximum retail price.")
    valid_from: date = strawberry.field(description="First day in force.")
    valid_to: date | None = strawberry.field(default=None, description="First day no longer.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Client-generated key: a retry with it returns the first result."
    )


@strawberry.type(description="A price list row.")
class PriceType:
    id: strawberry.ID = strawberry.field(description="Global id.")
    tier: str = strawberry.field(description="Tier, or *.")
    distributor_price: Money = strawberry.field(description="Price to the distributor.")
    retailer_price: Money = strawberry.field(description="Price to the retailer.")
    mrp: Money = strawberry.field(description="Maximum retail price.")
    valid_from: date = strawberry.field(description="First day in force.")
    valid_to: date | None = strawberry.field(description="First day no longer.")


@strawberry.type(description="Result of setPrice.")
class PricePayload:
    price: PriceType | None = strawberry.field(description="The row.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="Changes to the primary-sales settings; omitted fields stay.")
class ConfigurePrimaryInput:
    credit_action: CreditAction | None = strawberry.field(default=None, description="HOLD/REFUSE.")
    fiscal_year_start_month: int | None = strawberry.field(
        default=None, description="1 = calendar year, 4 = April (India)."
    )
    number_format: str | None = strawberry.field(
        default=None, description="With {series}, {fy}, {n:05d}; at most 16 characters."
    )
    home_state: str | None = strawberry.field(default=None, description="Supplier's state (GST).")
    enforce_case_multiples: bool | None = strawberry.field(
        default=None, description="Order quantities must be whole cases."
    )


@strawberry.type(description="The tenant's primary-sales settings.")
class PrimarySettingsType:
    credit_action: CreditAction = strawberry.field(description="On a failed credit check.")
    fiscal_year_start_month: int = strawberry.field(description="First month of the year.")
    number_format: str = strawberry.field(description="Document number format.")
    home_state: str | None = strawberry.field(description="Supplier's state.")
    enforce_case_multiples: bool = strawberry.field(description="Whole cases only.")


@strawberry.type(description="Result of configurePrimary.")
class PrimarySettingsPayload:
    settings: PrimarySettingsType | None = strawberry.field(description="The settings.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


def _price(row: PriceListItem) -> PriceType:
    c = row.currency
    return PriceType(
        id=strawberry.ID(encode_global_id("PriceListItem", row.id)),
        tier=row.tier,
        distributor_price=Money(amount=row.distributor_price, currency=c),
        retailer_price=Money(amount=row.retailer_price, currency=c),
        mrp=Money(amount=row.mrp, currency=c),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


def _settings(row: PrimarySettings) -> PrimarySettingsType:
    return PrimarySettingsType(
        credit_action=row.credit_action,
        fiscal_year_start_month=row.fiscal_year_start_month,
        number_format=row.number_format,
        home_state=row.home_state,
        enforce_case_multiples=row.enforce_case_multiples,
    )


@strawberry.type
class PricingMutation:
    @strawberry.mutation(description="Add a price list row (ADMIN).")
    async def set_price(
        self, info: strawberry.Info[Context, None], input: SetPriceInput
    ) -> PricePayload:
        async def work(principal: Principal) -> PriceListItem:
            draft = service.PriceDraft(
                product_id=decode_typed_id(input.product_id, "Product", field="input.productId"),
                tier=input.tier,
                distributor_price=input.distributor_price,
                retailer_price=input.retailer_price,
                mrp=input.mrp,
                valid_from=input.valid_from,
                valid_to=input.valid_to,
            )
            return await service.set_price(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return PricePayload(price=_price(row) if row else None, errors=errors)

    @strawberry.mutation(
        description="Change credit action, fiscal year, numbering, home state (ADMIN)."
    )
    async def configure_primary(
        self, info: strawberry.Info[Context, None], input: ConfigurePrimaryInput
    ) -> PrimarySettingsPayload:
        async def work(principal: Principal) -> PrimarySettings:
            draft = service.SettingsDraft(
                credit_action=input.credit_action,
                fiscal_year_start_month=input.fiscal_year_start_month,
                number_format=input.number_format,
                home_state=input.home_state,
                enforce_case_multiples=input.enforce_case_multiples,
            )
            return await service.configure_primary(
                info.context.session, principal=principal, draft=draft
            )

        row, errors = await run_mutation(info.context, work)
        return PrimarySettingsPayload(settings=_settings(row) if row else None, errors=errors)

"""GraphQL types, queries and mutations of the product catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from backend.api.context import Context
from backend.api.loaders import register_node
from backend.api.mutations import run_mutation
from backend.api.types import (
    Connection,
    Node,
    UserError,
    connection_page,
)
from backend.auth.principal import Principal
from backend.catalog import service
from backend.catalog.models import Product, TaxClass
from backend.catalog.repository import products_by_ids, products_query
from backend.kit.ids import decode_typed_id, encode_global_id

TaxClassEnum = strawberry.enum(
    TaxClass, description="How a product is taxed under the tenant's regime."
)


@strawberry.type(name="Product", description="A SKU the brand sells.")
class ProductNode(Node):
    sku: str = strawberry.field(description="Stock-keeping unit code, unique in the tenant.")
    name: str = strawberry.field(description="Product name.")
    brand: str = strawberry.field(description="Brand.")
    category: str = strawberry.field(description="Category.")
    unit: str = strawberry.field(description="Selling unit, e.g. PCS.")
    case_size: int = strawberry.field(description="Units per case.")
    tax_class: TaxClass = strawberry.field(description="Tax class.")
    must_sell: bool = strawberry.field(description="Whether every eligible outlet must stock it.")
    is_active: bool = strawberry.field(description="Whether it can be ordered.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")


def product_node(row: Product) -> ProductNode:
    """Map a row to its GraphQL object."""
    return ProductNode(
        id=strawberry.ID(encode_global_id("Product", row.id)),
        sku=row.sku,
        name=row.name,
        brand=row.brand,
        category=row.category,
        unit=row.unit,
        case_size=row.case_size,
        tax_class=row.tax_class,
        must_sell=row.must_sell,
        is_active=row.is_active,
        created_at=row.created_at,
    )


register_node("Product", products_by_ids, product_node)


@strawberry.input(description="A SKU to add to the catalog.")
class CreateProductInput:
    sku: str = strawberry.field(description="Unique SKU code.")
    name: str = strawberry.field(description="Product name.")
    brand: str = strawberry.field(description="Brand.")
    category: str = strawberry.field(description="Category.")
    case_size: int = strawberry.field(description="Units per case, 1 to 10,000.")
    tax_class: TaxClass = strawberry.field(description="Tax class.")
    unit: str | None = strawberry.field(default=None, description="Selling unit (default PCS).")
    must_sell: bool | None = strawberry.field(default=None, description="Must-sell flag.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Client-generated key: a retry with it returns the first result."
    )


@strawberry.input(description="Changes to a SKU; omitted fields stay as they are.")
class UpdateProductInput:
    id: strawberry.ID = strawberry.field(description="The product to change.")
    name: str | None = strawberry.field(default=None, description="New name.")
    brand: str | None = strawberry.field(default=None, description="New brand.")
    category: str | None = strawberry.field(default=None, description="New category.")
    case_size: int | None = strawberry.field(default=None, description="New case size.")
    tax_class: TaxClass | None = strawberry.field(default=None, description="New tax class.")
    unit: str | None = strawberry.field(default=None, description="New unit.")
    must_sell: bool | None = strawberry.field(default=None, description="New must-sell flag.")
    is_active: bool | None = strawberry.field(default=None, description="Activate or deactivate.")


@strawberry.type(description="Result of createProduct / updateProduct.")
class ProductPayload:
    product: ProductNode | None = strawberry.field(description="The product, when saved.")
    errors: list[UserError] = strawberry.field(
        description="Why it was not saved; empty on success."
    )


def _fields(data: CreateProductInput | UpdateProductInput) -> service.ProductFields:
    return service.ProductFields(
        sku=getattr(data, "sku", None),
        name=data.name,
        brand=data.brand,
        category=data.category,
        unit=data.unit,
        case_size=data.case_size,
        tax_class=data.tax_class,
        must_sell=data.must_sell,
        is_active=getattr(data, "is_active", None),
    )


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="The catalog, by SKU.")
    async def products(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to start after.")
        ] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Name or SKU contains.")
        ] = None,
        brand: Annotated[str | None, strawberry.argument(description="Of this brand.")] = None,
        category: Annotated[
            str | None, strawberry.argument(description="In this category.")
        ] = None,
        must_sell: Annotated[
            bool | None, strawberry.argument(description="Must-sell only.")
        ] = None,
    ) -> Connection[ProductNode]:
        context = info.context
        await context.principal()
        stmt = products_query(search=search, brand=brand, category=category, must_sell=must_sell)
        return await connection_page(
            context, stmt, sort_column=Product.sku, first=first, after=after, to_node=product_node
        )


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="Add a SKU to the catalog (ADMIN).")
    async def create_product(
        self, info: strawberry.Info[Context, None], input: CreateProductInput
    ) -> ProductPayload:
        async def work(principal: Principal) -> Product:
            return await service.create_product(
                info.context.session,
                principal=principal,
                fields=_fields(input),
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return ProductPayload(product=product_node(row) if row else None, errors=errors)

    @strawberry.mutation(description="Change a SKU (ADMIN).")
    async def update_product(
        self, info: strawberry.Info[Context, None], input: UpdateProductInput
    ) -> ProductPayload:
        async def work(principal: Principal) -> Product:
            return await service.update_product(
                info.context.session,
                principal=principal,
                product_id=decode_typed_id(input.id, "Product", field="input.id"),
                fields=_fields(input),
            )

        row, errors = await run_mutation(info.context, work)
        return ProductPayload(product=product_node(row) if row else None, errors=errors)

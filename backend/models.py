"""Every mapped model, imported in one place so the metadata is complete (Alembic, tests)."""

from backend.billing.models import BillingDocument, BillingLine, Payment, PaymentAllocation
from backend.catalog.models import Product
from backend.claims.models import Claim, ClaimLine
from backend.identity.models import Tenant, User
from backend.inventory.models import DistributorStock, StockMovement
from backend.kit.db import Base
from backend.kit.idempotency import IdempotencyKey
from backend.ledger.models import DocumentSeries, Journal, JournalEntry, LedgerAccount
from backend.orders.models import OrderTransition, PrimaryOrder, PrimaryOrderLine, PrimarySettings
from backend.parties.models import Distributor, Retailer
from backend.pricing.models import PriceListItem
from backend.territories.models import Territory

metadata = Base.metadata

__all__ = [
    "BillingDocument",
    "BillingLine",
    "Claim",
    "ClaimLine",
    "Distributor",
    "DistributorStock",
    "DocumentSeries",
    "IdempotencyKey",
    "Journal",
    "JournalEntry",
    "LedgerAccount",
    "OrderTransition",
    "Payment",
    "PaymentAllocation",
    "PriceListItem",
    "PrimaryOrder",
    "PrimaryOrderLine",
    "PrimarySettings",
    "Product",
    "Retailer",
    "StockMovement",
    "Tenant",
    "Territory",
    "User",
    "metadata",
]

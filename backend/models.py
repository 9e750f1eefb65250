"""Every mapped model, imported in one place so the metadata is complete (Alembic, tests)."""

from backend.billing.models import BillingDocument, BillingLine, Payment, PaymentAllocation
from backend.catalog.models import Product
from backend.claims.models import Claim, ClaimLine
from backend.field.goal_models import Goal
from backend.field.models import Beat, BeatRetailer, FieldSetting, PjpChange, PjpEntry, Rep
from backend.field.sync_models import FieldDevice, SyncItem
from backend.field.visit_models import (
    CapturedOrder,
    CapturedOrderLine,
    CollectionRecord,
    Visit,
    VisitStockLine,
)
from backend.identity.models import Tenant, User
from backend.inventory.models import DistributorStock, StockMovement
from backend.jobs.models import Job
from backend.kit.db import Base
from backend.kit.idempotency import IdempotencyKey
from backend.ledger.models import DocumentSeries, Journal, JournalEntry, LedgerAccount
from backend.orders.models import OrderTransition, PrimaryOrder, PrimaryOrderLine, PrimarySettings
from backend.parties.models import Distributor, Retailer
from backend.pricing.models import PriceListItem
from backend.territories.models import Territory

metadata = Base.metadata

__all__ = [
    "Beat",
    "BeatRetailer",
    "BillingDocument",
    "BillingLine",
    "CapturedOrder",
    "CapturedOrderLine",
    "Claim",
    "ClaimLine",
    "CollectionRecord",
    "Distributor",
    "DistributorStock",
    "DocumentSeries",
    "FieldDevice",
    "FieldSetting",
    "Goal",
    "IdempotencyKey",
    "Job",
    "Journal",
    "JournalEntry",
    "LedgerAccount",
    "OrderTransition",
    "Payment",
    "PaymentAllocation",
    "PjpChange",
    "PjpEntry",
    "PriceListItem",
    "PrimaryOrder",
    "PrimaryOrderLine",
    "PrimarySettings",
    "Product",
    "Rep",
    "Retailer",
    "StockMovement",
    "SyncItem",
    "Tenant",
    "Territory",
    "User",
    "Visit",
    "VisitStockLine",
    "metadata",
]

"""Every mapped model, imported in one place so the metadata is complete (Alembic, tests)."""

from backend.billing.models import (
    BillingDocument,
    BillingLine,
    BillingLineScheme,
    BillingLineTax,
    Payment,
    PaymentAllocation,
)
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
from backend.offtake.models import DerivedOfftake, OfftakeImport, OfftakeRejection, SellOutLine
from backend.orders.models import (
    OrderTransition,
    PrimaryOrder,
    PrimaryOrderLine,
    PrimaryOrderLineScheme,
    PrimarySettings,
)
from backend.parties.models import Distributor, Retailer
from backend.planning.models import DayPlan, DayPlanDropped, DayPlanStop
from backend.pricing.models import PriceListItem
from backend.ranking.models import RankingModel, RetailerScore
from backend.schemes.models import (
    SchemeAccrual,
    SchemeBundleItem,
    SchemeProduct,
    SchemeSlab,
    SchemeTarget,
    TradeScheme,
)
from backend.secondary.models import (
    RetailerCredit,
    SalesReturn,
    SecondaryAllocation,
    SecondaryCollection,
    SecondaryDocument,
    SecondaryLine,
    SecondaryLineBatch,
    SecondaryLineScheme,
    SecondaryOrder,
    SecondaryOrderLine,
    SecondarySettings,
)
from backend.territories.models import Territory

metadata = Base.metadata

__all__ = [
    "Beat",
    "BeatRetailer",
    "BillingDocument",
    "BillingLine",
    "BillingLineScheme",
    "BillingLineTax",
    "CapturedOrder",
    "CapturedOrderLine",
    "Claim",
    "ClaimLine",
    "CollectionRecord",
    "DayPlan",
    "DayPlanDropped",
    "DayPlanStop",
    "DerivedOfftake",
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
    "OfftakeImport",
    "OfftakeRejection",
    "OrderTransition",
    "Payment",
    "PaymentAllocation",
    "PjpChange",
    "PjpEntry",
    "PriceListItem",
    "PrimaryOrder",
    "PrimaryOrderLine",
    "PrimaryOrderLineScheme",
    "PrimarySettings",
    "Product",
    "RankingModel",
    "Rep",
    "Retailer",
    "RetailerCredit",
    "RetailerScore",
    "SalesReturn",
    "SchemeAccrual",
    "SchemeBundleItem",
    "SchemeProduct",
    "SchemeSlab",
    "SchemeTarget",
    "SecondaryAllocation",
    "SecondaryCollection",
    "SecondaryDocument",
    "SecondaryLine",
    "SecondaryLineBatch",
    "SecondaryLineScheme",
    "SecondaryOrder",
    "SecondaryOrderLine",
    "SecondarySettings",
    "SellOutLine",
    "StockMovement",
    "SyncItem",
    "Tenant",
    "Territory",
    "TradeScheme",
    "User",
    "Visit",
    "VisitStockLine",
    "metadata",
]

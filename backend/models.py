"""Every mapped model, imported in one place so the metadata is complete (Alembic, tests)."""

from backend.catalog.models import Product
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
from backend.jobs.models import Job
from backend.kit.db import Base
from backend.kit.idempotency import IdempotencyKey
from backend.parties.models import Distributor, Retailer
from backend.territories.models import Territory

metadata = Base.metadata

__all__ = [
    "Beat",
    "BeatRetailer",
    "CapturedOrder",
    "CapturedOrderLine",
    "CollectionRecord",
    "Distributor",
    "FieldDevice",
    "FieldSetting",
    "Goal",
    "IdempotencyKey",
    "Job",
    "PjpChange",
    "PjpEntry",
    "Product",
    "Rep",
    "Retailer",
    "SyncItem",
    "Tenant",
    "Territory",
    "User",
    "Visit",
    "VisitStockLine",
    "metadata",
]

"""Every mapped model, imported in one place so the metadata is complete (Alembic, tests)."""

from backend.catalog.models import Product
from backend.identity.models import Tenant, User
from backend.jobs.models import Job
from backend.kit.db import Base
from backend.kit.idempotency import IdempotencyKey
from backend.parties.models import Distributor, Retailer
from backend.territories.models import Territory

metadata = Base.metadata

__all__ = [
    "Distributor",
    "IdempotencyKey",
    "Job",
    "Product",
    "Retailer",
    "Tenant",
    "Territory",
    "User",
    "metadata",
]

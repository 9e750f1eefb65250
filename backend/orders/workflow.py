"""Order state transitions, each recorded with who, when, why and the figures behind it.

Submission and approval lock the distributor row first, then the order, and run the credit
check on what is committed at that moment; reopening sends an order back to DRAFT, so it must
pass the check again to move on.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.identity.models import Role, Tenant
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once_row
from backend.orders.credit import credit_figures, credit_problem
from backend.orders.errors import InvalidTransition
from backend.orders.models import CreditAction, OrderStatus, OrderTransition, PrimaryOrder
from backend.orders.repository import order_scope
from backend.orders.schemes import reprice_order
from backend.orders.settings import primary_settings
from backend.parties.models import Distributor

S = OrderStatus
CANCELLABLE = (S.DRAFT, S.SUBMITTED, S.HELD, S.APPROVED, S.REJECTED)
REOPENABLE = (S.HELD, S.REJECTED, S.CANCELLED)


async def load_order(
    session: AsyncSession, principal: Principal, order_id: uuid.UUID, *, lock: bool = False
) -> PrimaryOrder:
    """A visible order (locked when asked), or NOT_FOUND."""
    stmt = select(PrimaryOrder).where(PrimaryOrder.id == order_id, order_scope(principal))
    if lock:
        stmt = stmt.with_for_update(key_share=True)
    order = (await session.execute(stmt)).scalar_one_or_none()
    if order is None:
        raise NotFound("no such order", field="input.orderId")
    return order


async def record_transition(
    session: AsyncSession,
    principal: Principal,
    order: PrimaryOrder,
    from_status: OrderStatus | None,
    to_status: OrderStatus,
    reason: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Move the order to `to_status` and write the history row."""
    order.status = to_status
    session.add(
        OrderTransition(
            id=uuid.uuid4(),
            tenant_id=order.tenant_id,
            order_id=order.id,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value,
            actor_id=principal.user_id,
            reason=reason[:400],
            details=details or {},
        )
    )
    await session.flush()


def _require_state(order: PrimaryOrder, allowed: tuple[OrderStatus, ...], action: str) -> None:
    if order.status not in allowed:
        raise InvalidTransition(
            f"cannot {action} an order that is {order.status.value}", field="input.orderId"
        )


async def _lock_for_credit(
    session: AsyncSession, principal: Principal, order_id: uuid.UUID
) -> tuple[Distributor, PrimaryOrder]:
    # Distributor first, then the order: every credit decision for one distributor is serial.
    order = await load_order(session, principal, order_id)
    distributor = (
        await session.execute(
            select(Distributor)
            .where(Distributor.id == order.distributor_id)
            .with_for_update(key_share=True)
        )
    ).scalar_one()
    await session.refresh(order, with_for_update={"key_share": True})
    return distributor, order


async def submit_order(
    session: AsyncSession,
    *,
    principal: Principal,
    order_id: uuid.UUID,
    reason: str = "",
    today: date | None = None,
) -> PrimaryOrder:
    """DRAFT → SUBMITTED, or HELD (or refused) when the credit check fails."""
    distributor, order = await _lock_for_credit(session, principal, order_id)
    _require_state(order, (S.DRAFT,), "submit")
    return await _credit_gate(session, principal, distributor, order, S.SUBMITTED, reason, today)


async def approve_order(
    session: AsyncSession,
    *,
    principal: Principal,
    order_id: uuid.UUID,
    reason: str = "",
    override_credit: bool = False,
    today: date | None = None,
) -> PrimaryOrder:
    """SUBMITTED/HELD → APPROVED after pricing it again with the PRIMARY schemes of its date
    and the credit check; ADMIN may override the check with a reason."""
    principal.require(Role.ADMIN, Role.MANAGER)
    distributor, order = await _lock_for_credit(session, principal, order_id)
    _require_state(order, (S.SUBMITTED, S.HELD), "approve")
    # Priced again with the PRIMARY schemes that hold now (the credit check sees that total).
    settings = await primary_settings(session, principal.tenant_id)
    tenant = await session.get_one(Tenant, principal.tenant_id)
    intra = order.place_of_supply is None or order.place_of_supply == settings.home_state
    await reprice_order(session, order=order, regime=tenant.tax_regime, intra_state=intra)
    if override_credit:
        principal.require(Role.ADMIN)
        if not reason.strip():
            raise ValidationFailed("an override needs a reason", field="input.reason")
        figures = await credit_figures(session, distributor, order, today=_day(today))
        details = {"override": True, **figures.as_details()}
        await record_transition(
            session, principal, order, order.status, S.APPROVED, reason, details
        )
        return order
    return await _credit_gate(session, principal, distributor, order, S.APPROVED, reason, today)


async def _credit_gate(
    session: AsyncSession,
    principal: Principal,
    distributor: Distributor,
    order: PrimaryOrder,
    target: OrderStatus,
    reason: str,
    today: date | None,
) -> PrimaryOrder:
    figures = await credit_figures(session, distributor, order, today=_day(today))
    problem = credit_problem(figures)
    if problem is None:
        await record_transition(
            session,
            principal,
            order,
            order.status,
            target,
            reason or target.value.lower(),
            figures.as_details(),
        )
        return order
    settings = await primary_settings(session, principal.tenant_id)
    if settings.credit_action is CreditAction.REFUSE or order.status is S.HELD:
        problem.field = "input.orderId"
        raise problem
    details = {"code": problem.code, **figures.as_details()}
    await record_transition(
        session, principal, order, order.status, S.HELD, problem.message, details
    )
    return order


async def reject_order(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID, reason: str
) -> PrimaryOrder:
    """SUBMITTED/HELD → REJECTED, with a reason."""
    principal.require(Role.ADMIN, Role.MANAGER)
    if not reason.strip():
        raise ValidationFailed("give a reason", field="input.reason")
    order = await load_order(session, principal, order_id, lock=True)
    _require_state(order, (S.SUBMITTED, S.HELD), "reject")
    await record_transition(session, principal, order, order.status, S.REJECTED, reason)
    return order


async def cancel_order(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID, reason: str
) -> PrimaryOrder:
    """Cancel an order that has not been invoiced (billing.cancellation credits invoiced ones)."""
    order = await load_order(session, principal, order_id, lock=True)
    _require_state(order, CANCELLABLE, "cancel")
    await record_transition(
        session, principal, order, order.status, S.CANCELLED, reason or "cancelled"
    )
    return order


async def reopen_order(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID, reason: str
) -> PrimaryOrder:
    """HELD/REJECTED/CANCELLED → DRAFT; it must pass the credit check again to go further."""
    order = await load_order(session, principal, order_id, lock=True)
    _require_state(order, REOPENABLE, "reopen")
    if order.invoiced_total > 0:
        raise InvalidTransition(
            "an order cancelled after invoicing stays cancelled; place a new one",
            field="input.orderId",
        )
    await record_transition(session, principal, order, order.status, S.DRAFT, reason or "reopened")
    return order


def _day(today: date | None) -> date:
    return today or date.today()


async def transition_once(
    session: AsyncSession,
    *,
    principal: Principal,
    key: str | None,
    operation: str,
    payload: dict[str, Any],
    work: Callable[[], Awaitable[PrimaryOrder]],
) -> PrimaryOrder:
    """Run a transition at most once per idempotency key; a retry returns the order as it is."""

    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=key,
        operation=operation,
        payload=payload,
        work=work,
        load=lambda row_id: load_order(session, principal, row_id),
    )

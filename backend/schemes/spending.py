"""Spending scheme budgets on a bill: the one rule every billing flow (secondary invoices,
primary invoices) follows.

A bill is priced with its active schemes, then spends each scheme's share (discounts plus the
value of free goods) from the budgets in a savepoint; a scheme whose budget cannot cover the
bill is dropped and the bill re-priced without it, so a bill never takes a scheme past its
budget and is never refused for it. Concurrent bills queue on the scheme rows
(`service.consume_scheme_budget` is one conditional UPDATE per scheme).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.schemes.engine import PricedCart
from backend.schemes.errors import SchemeBudgetExhausted
from backend.schemes.rules import Scheme

ZERO = Decimal("0.00")

Consume = Callable[..., Awaitable[None]]  # (session, *, amounts) -> None


def cart_budget(cart: PricedCart) -> dict[str, Decimal]:
    """The budget a priced cart spends per scheme code: discounts plus the value of free goods."""
    budget: dict[str, Decimal] = defaultdict(Decimal)
    for priced in cart.lines:
        for applied in priced.applied:
            budget[applied.code] += applied.amount
    for item in cart.free_items:
        budget[item.code] += item.value or ZERO
    return {code: amount for code, amount in sorted(budget.items()) if amount > 0}


async def price_within_budgets(
    session: AsyncSession,
    *,
    schemes: Sequence[Scheme],
    price: Callable[[list[Scheme]], PricedCart],
    consume: Consume,
    prepare: Callable[[PricedCart], Awaitable[None]] | None = None,
) -> tuple[PricedCart, list[Scheme]]:
    """Price with `schemes`, run `prepare` on the priced cart (it may refuse the bill), and
    spend the cart's budget through `consume` (`consume_scheme_budget` of a scheme source); on
    `SchemeBudgetExhausted` drop that scheme and start again. Returns the cart spent and the
    schemes it was priced with."""
    active = list(schemes)
    while True:
        cart = price(active)
        if prepare is not None:
            await prepare(cart)
        budget: Mapping[str, Decimal] = cart_budget(cart)
        if not budget:
            return cart, active
        try:
            async with session.begin_nested():
                await consume(session, amounts=budget)
            return cart, active
        except SchemeBudgetExhausted as exhausted:
            kept = [s for s in active if s.code != exhausted.scheme_code]
            if len(kept) == len(active):
                raise
            active = kept

"""Per-principal query-cost budget: a fixed window in Redis, checked and spent atomically."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

# Check and spend in one step so that concurrent requests of one principal cannot overspend.
# A refused request spends nothing. Returns {allowed, spent after the call, milliseconds left}.
_SPEND_SCRIPT = """
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local window_ms = tonumber(ARGV[3])
if spent + cost > budget then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = window_ms end
  return {0, spent, ttl}
end
spent = redis.call('INCRBY', KEYS[1], cost)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], window_ms)
  ttl = window_ms
end
return {1, spent, ttl}
"""


@dataclass(frozen=True)
class BudgetDecision:
    """The outcome of one spend: allowed or not, what is spent in the window, when it resets."""

    allowed: bool
    spent: int
    budget: int
    resets_in_ms: int

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds until the window resets (at least 1)."""
        return max(1, math.ceil(self.resets_in_ms / 1000))


@dataclass(frozen=True)
class CostBudget:
    """A cost budget of `budget` units per `window_seconds` for each rate-limit key."""

    budget: int
    window_seconds: float
    key_prefix: str

    def key(self, rate_limit_key: str) -> str:
        """Return the Redis key holding the spend of one principal."""
        return f"{self.key_prefix}{rate_limit_key}"

    async def spend(self, redis: Redis, rate_limit_key: str, cost: int) -> BudgetDecision:
        """Spend `cost` from the principal's budget, or refuse without spending anything."""
        window_ms = max(1, round(self.window_seconds * 1000))
        reply: Any = await redis.eval(
            _SPEND_SCRIPT, 1, self.key(rate_limit_key), cost, self.budget, window_ms
        )
        allowed, spent, resets_in_ms = (int(value) for value in reply)
        return BudgetDecision(bool(allowed), spent, self.budget, resets_in_ms)

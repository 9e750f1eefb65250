"""The per-request GraphQL context: session, principal, Redis, DataLoaders."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from backend.auth.principal import Principal, load_principal
from backend.auth.tokens import TokenClaims
from backend.kit.errors import JalurError, Unauthenticated
from backend.kit.settings import Settings


@dataclass
class Context:
    """What every resolver can reach. The session exists only while the operation executes."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    request_id: str
    claims: TokenClaims | None = None
    auth_error: JalurError | None = None
    rate_limit_key: str = "anonymous"
    response: Any = None
    job_queue: Any = None
    connection_params: dict[str, Any] | None = None  # a websocket's connection_init payload
    _session: AsyncSession | None = None
    _principal: Principal | None = None
    _loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)
    _principal_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def tenant_id(self) -> uuid.UUID | None:
        """The tenant named by a verified token, if any."""
        return self.claims.tenant_id if self.claims else None

    @property
    def session(self) -> AsyncSession:
        """The operation's session (one transaction, committed by the transaction extension)."""
        if self._session is None:
            raise RuntimeError("no database session outside an executing operation")
        return self._session

    def attach_session(self, session: AsyncSession | None) -> None:
        """Bind (or unbind) the operation's session."""
        self._session = session

    async def principal(self) -> Principal:
        """The authenticated principal, or an `Unauthenticated` error."""
        async with self._principal_lock:  # sibling resolvers ask at once; load it once
            if self._principal is not None:
                return self._principal
            if self.auth_error is not None:
                raise self.auth_error
            if self.claims is None:
                raise Unauthenticated("sign in: send an Authorization: Bearer token")
            try:
                self._principal = await load_principal(self.session, self.claims)
            except Unauthenticated as exc:
                self.auth_error = exc
                raise
            return self._principal

    def loader(self, name: str, factory: Any) -> DataLoader[Any, Any]:
        """Return the request's DataLoader called `name`, creating it with `factory()` once."""
        existing = self._loaders.get(name)
        if existing is None:
            existing = factory()
            self._loaders[name] = existing
        return existing

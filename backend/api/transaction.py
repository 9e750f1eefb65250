"""One transaction per operation, opened and committed here and nowhere else."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from backend.api.context import Context
from backend.jobs.queue import push_committed
from backend.jobs.service import forget_pending, pending_after_commit
from backend.kit.db import set_tenant
from backend.kit.errors import JalurError

log = logging.getLogger(__name__)


class TransactionPerOperation(SchemaExtension):
    """Open a session scoped to the token's tenant; commit unless something unexpected failed."""

    async def on_execute(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        async with context.sessionmaker() as session:
            await session.begin()
            await set_tenant(session, context.tenant_id)
            context.attach_session(session)
            try:
                yield
            except BaseException:
                await session.rollback()
                forget_pending(session)
                raise
            finally:
                context.attach_session(None)
            if self._unexpected_errors():
                await session.rollback()
                forget_pending(session)
                return
            await session.commit()
            jobs = pending_after_commit(session)
            if jobs and context.job_queue is not None:
                await push_committed(context.job_queue, context.sessionmaker, jobs)

    def _unexpected_errors(self) -> bool:
        result = self.execution_context.result
        errors = getattr(result, "errors", None) or []
        return any(
            e.original_error is not None and not isinstance(e.original_error, JalurError)
            for e in errors
        )

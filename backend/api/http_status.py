"""Answer a rate-limited operation with HTTP 429 and `Retry-After`, as HTTP clients expect."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from backend.api.guard.errors import retry_after_seconds


class RateLimitStatus(SchemaExtension):
    """Set 429 and `Retry-After` on the response when the cost budget refused the operation."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        wait = retry_after_seconds(getattr(result, "errors", None))
        response = getattr(self.execution_context.context, "response", None)
        if wait is not None and response is not None:
            response.status_code = 429
            response.headers["Retry-After"] = str(wait)

"""Expected failures: exceptions that carry a machine-readable code and the input field at fault.

A `JalurError` is safe to show a client: its message is written for one. The GraphQL layer turns it
into a payload error (`{code, field, message}`) for mutations, or a top-level error with
`extensions.code` elsewhere. Anything that is not a `JalurError` is unexpected and is masked in
production.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class JalurError(Exception):
    """An expected failure with a code, an optional input field path, and a client-safe message."""

    code: str = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = dict(details or {})

    @property
    def extensions(self) -> dict[str, Any]:
        """What a top-level GraphQL error shows under `extensions` (graphql-core reads this)."""
        return {"code": self.code, "field": self.field, **self.details}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, field={self.field!r}, message={self.message!r})"


class ValidationFailed(JalurError):
    """Input that breaks a rule of form: a range, a format, a length."""

    code = "INVALID_INPUT"


class NotFound(JalurError):
    """The object does not exist, or the principal may not see it (the two are indistinguishable)."""

    code = "NOT_FOUND"


class AlreadyExists(JalurError):
    """A natural key (a code, a SKU) is already taken inside the tenant."""

    code = "ALREADY_EXISTS"


class PermissionDenied(JalurError):
    """The principal is known but its role or scope does not allow the action."""

    code = "FORBIDDEN"


class Unauthenticated(JalurError):
    """No valid credentials: missing, expired or forged token."""

    code = "UNAUTHENTICATED"


class IdempotencyConflict(JalurError):
    """An idempotency key was reused with a different input."""

    code = "IDEMPOTENCY_KEY_REUSED"


class LimitExceeded(JalurError):
    """A request is over a limit: depth, aliases, tokens, cost, batch size or rate."""

    code = "LIMIT_EXCEEDED"


class InputErrors(JalurError):
    """Several input errors found at once, reported together."""

    code = "INVALID_INPUT"

    def __init__(self, errors: list[JalurError]) -> None:
        super().__init__("; ".join(e.message for e in errors) or "invalid input")
        self.errors = errors

    def flatten(self) -> list[JalurError]:
        """Return the individual errors."""
        return list(self.errors)

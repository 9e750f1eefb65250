"""Error codes of the guard and the GraphQL errors that carry them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from graphql import GraphQLError

from backend.kit.errors import LimitExceeded


class GuardCode(StrEnum):
    """Codes put into `extensions.code` of a refused request."""

    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
    RATE_LIMITED = "RATE_LIMITED"
    TOO_MANY_OPERATIONS = "TOO_MANY_OPERATIONS"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    INTERNAL_ERROR = "INTERNAL_ERROR"


def guard_error(code: GuardCode, message: str, **extensions: Any) -> GraphQLError:
    """Build a top-level GraphQL error whose extensions carry `code` and the given figures."""
    return GraphQLError(message, extensions={"code": code.value, **extensions})


def retry_after_seconds(errors: Iterable[GraphQLError] | None) -> int | None:
    """Return the wait of a `RATE_LIMITED` error, for the view's 429 and `Retry-After` header."""
    for error in errors or ():
        extensions = error.extensions or {}
        if extensions.get("code") == GuardCode.RATE_LIMITED.value:
            return int(extensions["retryAfterSeconds"])
    return None


class TooManyOperations(LimitExceeded):
    """A JSON batch holds more operations than allowed."""

    code = GuardCode.TOO_MANY_OPERATIONS.value

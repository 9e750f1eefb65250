"""Error codes of the guard and the GraphQL errors that carry them."""

from __future__ import annotations

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


class TooManyOperations(LimitExceeded):
    """A JSON batch holds more operations than allowed."""

    code = GuardCode.TOO_MANY_OPERATIONS.value

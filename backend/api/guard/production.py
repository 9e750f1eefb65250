"""Production error policy: coded domain errors, masked unexpected errors, no suggestions."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

from backend.api.guard.errors import GuardCode
from backend.kit.errors import JalurError

logger = logging.getLogger(__name__)

UNEXPECTED_ERROR_MESSAGE = "Unexpected error."
# graphql-core appends suggestions as " Did you mean 'a', 'b', or 'c'?"; names hold no '?'.
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
_MAX_CHAIN = 32


def error_chain(error: BaseException) -> Iterator[BaseException]:
    """Yield the error and the errors it wraps through GraphQL's `original_error` links.

    `__cause__` is not followed: graphql-core raises its own readable errors `from` internal
    ones (a KeyError behind "Value 'X' does not exist in 'Color' enum").
    """
    current: BaseException | None = error
    for _ in range(_MAX_CHAIN):
        if current is None:
            return
        yield current
        current = current.original_error if isinstance(current, GraphQLError) else None


def jalur_error_of(error: GraphQLError) -> JalurError | None:
    """Return the `JalurError` a GraphQL error was raised from, if any."""
    return next((e for e in error_chain(error) if isinstance(e, JalurError)), None)


def should_mask_error(error: GraphQLError) -> bool:
    """Mask an error unless it is a domain error or produced by GraphQL itself.

    Syntax, validation and input-coercion errors, and the guard's refusals, are GraphQL errors
    all the way down and stay readable; anything else raised by our code is unexpected.
    """
    if jalur_error_of(error) is not None:
        return False
    return any(not isinstance(e, GraphQLError) for e in error_chain(error))


def strip_suggestions(message: str) -> str:
    """Remove graphql-core's "Did you mean …?" hints, which leak the schema's names."""
    return _SUGGESTION.sub("", message)


class MaskUnexpectedErrors(MaskErrors):
    """`MaskErrors` that keeps domain and GraphQL errors and logs what it masks."""

    def __init__(self) -> None:
        super().__init__(should_mask_error, UNEXPECTED_ERROR_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """Log the original error with its traceback, return a masked one with a code."""
        original = error.original_error or error
        logger.error(
            "unexpected error at %s: %s",
            ".".join(str(key) for key in error.path or ()),
            original,
            exc_info=(type(original), original, original.__traceback__),
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": GuardCode.INTERNAL_ERROR.value}
        return masked


class JalurErrorCodes(SchemaExtension):
    """Put a domain error's `code` (and `field`) into the top-level error's extensions."""

    def on_operation(self) -> Iterator[None]:
        yield
        for error in _result_errors(self):
            jalur_error = jalur_error_of(error)
            if jalur_error is not None:
                error.extensions = {
                    **(error.extensions or {}),
                    "code": jalur_error.code,
                    **({"field": jalur_error.field} if jalur_error.field else {}),
                }


class HideSuggestions(SchemaExtension):
    """Strip "Did you mean …?" from every error: validation and variable coercion alike."""

    def on_operation(self) -> Iterator[None]:
        yield
        for error in _result_errors(self):
            if jalur_error_of(error) is None:  # a domain message is written for the client
                error.message = strip_suggestions(error.message)


def _result_errors(extension: SchemaExtension) -> list[GraphQLError]:
    result = extension.execution_context.result
    return list(getattr(result, "errors", None) or [])

"""Translate database constraint violations into the domain errors clients understand."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from backend.kit.errors import AlreadyExists, JalurError, ValidationFailed

# constraint name → (input field, message); domains register their natural keys here.
UNIQUE_KEYS: dict[str, tuple[str, str]] = {}
CHECKS: dict[str, tuple[str, str]] = {}


def register_unique(constraint: str, field: str, message: str) -> None:
    """Declare what a unique-constraint violation means to a client."""
    UNIQUE_KEYS[constraint] = (field, message)


def register_check(constraint: str, field: str, message: str) -> None:
    """Declare what a check-constraint violation means to a client."""
    CHECKS[constraint] = (field, message)


def translate_integrity_error(error: IntegrityError) -> JalurError | None:
    """The domain error for a known constraint, or None when the violation is unexpected."""
    name = getattr(getattr(error.orig, "__cause__", None), "constraint_name", None)
    name = name or getattr(error.orig, "constraint_name", None)
    if name in UNIQUE_KEYS:
        field, message = UNIQUE_KEYS[name]
        return AlreadyExists(message, field=field)
    if name in CHECKS:
        field, message = CHECKS[name]
        return ValidationFailed(message, field=field)
    return None

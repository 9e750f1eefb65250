"""Collect every input error of a request before refusing it, so a client fixes them all at once."""

from __future__ import annotations

import math
import re
from datetime import time

from backend.kit.errors import InputErrors, JalurError, ValidationFailed

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class Checks:
    """An accumulator of field errors."""

    def __init__(self) -> None:
        self.errors: list[JalurError] = []

    def fail(self, field: str, message: str, *, code: str = "INVALID_INPUT") -> None:
        """Record one error."""
        self.errors.append(ValidationFailed(message, field=field, code=code))

    def add(self, error: JalurError) -> None:
        """Record an error raised elsewhere."""
        self.errors.append(error)

    def text(
        self, field: str, value: str | None, *, max_length: int, required: bool = True
    ) -> None:
        """Check a free-text value's presence and length."""
        if value is None:
            if required:
                self.fail(field, "is required")
            return
        if required and not value.strip():
            self.fail(field, "must not be blank")
        if len(value) > max_length:
            self.fail(field, f"must be at most {max_length} characters")

    def code(self, field: str, value: str | None, *, max_length: int = 40) -> None:
        """Check a business code: letters, digits and . _ / - only."""
        if value is None:
            self.fail(field, "is required")
            return
        if not CODE_PATTERN.match(value) or len(value) > max_length:
            self.fail(field, f"must be 1 to {max_length} letters, digits, '.', '_', '/' or '-'")

    def location(self, field: str, latitude: float, longitude: float) -> None:
        """Check coordinates are finite and in range."""
        if not math.isfinite(latitude) or not -90 <= latitude <= 90:
            self.fail(f"{field}.latitude", "must be between -90 and 90")
        if not math.isfinite(longitude) or not -180 <= longitude <= 180:
            self.fail(f"{field}.longitude", "must be between -180 and 180")

    def raise_if_any(self) -> None:
        """Raise every recorded error together."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InputErrors(self.errors)


def parse_hhmm(value: str) -> int:
    """Minutes since midnight of an "HH:MM" string (24:00 allowed as end of day)."""
    if not HHMM.match(value):
        raise ValueError(value)
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def minutes_to_time(minutes: int) -> time:
    """A `time` for minutes since midnight (24:00 maps to 23:59:59)."""
    if minutes >= 24 * 60:
        return time(23, 59, 59)
    return time(minutes // 60, minutes % 60)

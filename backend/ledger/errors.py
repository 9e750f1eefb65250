"""What the ledger refuses."""

from __future__ import annotations

from backend.kit.errors import JalurError


class UnbalancedJournal(JalurError):
    """A journal whose entries do not sum to zero, or that has no entries."""

    code = "UNBALANCED_JOURNAL"


class AlreadyPosted(JalurError):
    """The source document has already been posted (or the journal already reversed)."""

    code = "ALREADY_POSTED"


class NumberTooLong(JalurError):
    """A document number would be longer than 16 characters."""

    code = "NUMBER_TOO_LONG"

"""Why training or scoring refused to run: coded, so a job's failure says what to do."""

from __future__ import annotations

from backend.kit.errors import JalurError


class NotEnoughHistory(JalurError):
    """The tenant's sales are too short (or empty) for the rolling-origin evaluation."""

    code = "NOT_ENOUGH_HISTORY"


class TrainingDataInvalid(JalurError):
    """The exported tables break the `ml` input format (a bug in the export, never user input)."""

    code = "TRAINING_DATA_INVALID"


class NoActiveModel(JalurError):
    """Scoring was asked for, but no model has been trained and activated for the tenant."""

    code = "NO_ACTIVE_MODEL"


class ModelIncompatible(JalurError):
    """The active model's artefact cannot be served by this code or these library versions."""

    code = "MODEL_INCOMPATIBLE"

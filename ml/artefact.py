"""Versioned model artefacts: save, load and refuse what this code cannot serve."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import holidays
import numpy as np
import pandas as pd
import sklearn

from ml.baselines import ACTIVATABLE_BASELINES
from ml.features import FeatureSpec
from ml.modeling import Regressor

ARTEFACT_FORMAT_VERSION = 1
# Bump when a feature's meaning changes, so old models are refused instead of fed wrong inputs.
FEATURE_SET_VERSION = "2026-11-25.3"
MODEL_FILE = "model.pkl"
CARD_FILE = "card.json"


class IncompatibleArtefactError(RuntimeError):
    """The artefact cannot be served by this code or these library versions."""


def library_versions() -> dict[str, str]:
    """Return the versions of the libraries a fitted model depends on."""
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "holidays": holidays.__version__,
    }


@dataclass
class Artefact:
    """A trained ranking: the active model (or baseline), its feature spec and its card."""

    active: str
    estimator: Regressor | None
    spec: FeatureSpec
    card: dict[str, Any]

    @property
    def version(self) -> str:
        """Return the artefact's version string."""
        return str(self.card["version"])

    @property
    def uses_baseline(self) -> bool:
        """Return whether production serves a baseline instead of a fitted model."""
        return self.estimator is None


def make_card(
    active: str, spec: FeatureSpec, data_hash: str, details: dict[str, Any]
) -> dict[str, Any]:
    """Build the card that describes an artefact."""
    created = datetime.now(UTC)
    return {
        "format_version": ARTEFACT_FORMAT_VERSION,
        "feature_set_version": FEATURE_SET_VERSION,
        "version": f"{created:%Y%m%dT%H%M%S%fZ}-{data_hash[:8]}",
        "created_at": created.isoformat(),
        "active": active,
        "feature_names": spec.feature_names(),
        "feature_spec": asdict(spec),
        "libraries": library_versions(),
        "data_hash": data_hash,
    } | details


def artefact_payload(artefact: Artefact) -> tuple[dict[str, Any], bytes]:
    """Return the final card (with the model file's SHA-256) and the model file's bytes.

    This is what any store keeps: `save_artefact` writes it to a folder, a database may keep
    it in a row; `artefact_from_payload` reads it back with the same checks.
    """
    model_bytes = pickle.dumps(artefact.estimator, protocol=pickle.HIGHEST_PROTOCOL)
    card = artefact.card | {"model_sha256": hashlib.sha256(model_bytes).hexdigest()}
    return card, model_bytes


def save_artefact(artefact: Artefact, models_dir: str | Path) -> Path:
    """Write the artefact into MODELS_DIR/<version>/ atomically and return that folder."""
    root = Path(models_dir)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    card, model_bytes = artefact_payload(artefact)
    (staging / MODEL_FILE).write_bytes(model_bytes)
    (staging / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    target = root / artefact.version
    os.replace(staging, target)
    artefact.card = card
    return target


def _resolve(path: Path) -> Path:
    if (path / CARD_FILE).exists():
        return path
    versions = sorted(p for p in path.glob("*") if (p / CARD_FILE).exists())
    if not versions:
        raise IncompatibleArtefactError(f"no artefact ({CARD_FILE}) found in {path}")
    return versions[-1]


def _check_compatible(card: dict[str, Any], where: str) -> None:
    def refuse(problem: str) -> IncompatibleArtefactError:
        version = card.get("version", "?")
        return IncompatibleArtefactError(
            f"artefact {version} at {where}: {problem}; retrain with python -m ml.train"
        )

    if card.get("format_version") != ARTEFACT_FORMAT_VERSION:
        found = card.get("format_version")
        raise refuse(f"format version {found} but this code reads {ARTEFACT_FORMAT_VERSION}")
    if card.get("feature_set_version") != FEATURE_SET_VERSION:
        found = card.get("feature_set_version")
        raise refuse(f"feature set {found} but this code builds {FEATURE_SET_VERSION}")
    built, running = card.get("libraries", {}), library_versions()
    for library in ("scikit-learn", "numpy"):
        # A pickled estimator is only trusted on the same minor release it was fitted with.
        if str(built.get(library, "")).split(".")[:2] != running[library].split(".")[:2]:
            raise refuse(f"built with {library} {built.get(library)}, running {running[library]}")


def load_artefact(path: str | Path) -> Artefact:
    """Load the artefact at PATH (a version folder, or the newest one under it) after checks."""
    folder = _resolve(Path(path))
    card = json.loads((folder / CARD_FILE).read_text())
    _check_compatible(card, str(folder))
    return artefact_from_payload(card, (folder / MODEL_FILE).read_bytes(), str(folder))


def artefact_from_payload(card: dict[str, Any], model_bytes: bytes, where: str) -> Artefact:
    """Rebuild an artefact from its card and model bytes, refusing what cannot be served.

    WHERE names the store in error messages (a folder, a registry row).
    """
    _check_compatible(card, where)
    if hashlib.sha256(model_bytes).hexdigest() != card.get("model_sha256"):
        raise IncompatibleArtefactError(
            f"artefact at {where}: {MODEL_FILE} does not match its card"
        )
    spec = FeatureSpec(**card["feature_spec"])
    if spec.feature_names() != card["feature_names"]:
        raise IncompatibleArtefactError(
            f"artefact at {where}: feature list does not match its spec"
        )
    estimator = pickle.loads(model_bytes)  # trusted: our own bytes, checked against its card
    if estimator is None and card["active"] not in ACTIVATABLE_BASELINES:
        raise IncompatibleArtefactError(f"artefact at {where}: unknown baseline {card['active']!r}")
    return Artefact(card["active"], estimator, spec, card)

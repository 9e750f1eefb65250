"""Outlet attributes: channel mix, latent weekly value, A/B/C class and buying rhythm."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from backend.demo.places import KECAMATAN, PlaceKind
from backend.demo.records import Channel, OutletClass

# Share of outlets per non-GT channel; general trade takes the rest (about 79%).
CHANNEL_SHARES: dict[Channel, float] = {"MT": 0.08, "HORECA": 0.08, "WHOLESALE": 0.05}
# How much more likely a kind of neighbourhood is to host a channel's outlet: markets breed
# wholesalers, upscale districts cafés, new suburbs minimarkets; the dense core stays warung
# country.
CHANNEL_AFFINITY: dict[Channel, dict[PlaceKind, float]] = {
    "MT": {"core": 0.4, "market": 0.7, "upscale": 3.0, "residential": 1.5, "periphery": 1.8},
    "HORECA": {"core": 0.7, "market": 1.2, "upscale": 3.0, "residential": 1.0, "periphery": 0.9},
    "WHOLESALE": {"core": 1.0, "market": 4.0, "upscale": 0.3, "residential": 0.6,
                  "periphery": 1.0},
}  # fmt: skip
# Median weekly purchase of the brand's goods by a typical outlet of each channel, in rupiah.
CHANNEL_MEDIAN_IDR: dict[Channel, float] = {
    "GT": 300_000.0,
    "HORECA": 400_000.0,
    "MT": 900_000.0,
    "WHOLESALE": 1_500_000.0,
}
TOP_FIFTH_VALUE_SHARE = 0.65
CLASS_A_SHARE = 0.15
CLASS_B_SHARE = 0.30
MIN_WEEKLY_IDR = 10_000.0


def assign_channels(rng: np.random.Generator, kecamatan: np.ndarray) -> list[Channel]:
    """Give exact channel quotas, drawing each channel's outlets by neighbourhood affinity."""
    n = len(kecamatan)
    channels: list[Channel] = ["GT"] * n
    free = np.ones(n, dtype=bool)
    kinds = [KECAMATAN[int(i)].kind for i in kecamatan]
    for channel, share in CHANNEL_SHARES.items():
        quota = round(n * share)
        candidates = np.flatnonzero(free)
        affinity = np.array([CHANNEL_AFFINITY[channel][kinds[i]] for i in candidates])
        picked = rng.choice(candidates, size=quota, replace=False, p=affinity / affinity.sum())
        for i in picked:
            channels[int(i)] = channel
        free[picked] = False
    return channels


def weekly_values(rng: np.random.Generator, channels: list[Channel]) -> np.ndarray:
    """Draw log-normal weekly values whose spread is tuned so the top 20% give ~65% of value."""
    base = np.log([CHANNEL_MEDIAN_IDR[c] for c in channels])
    noise = rng.normal(size=len(channels))
    low, high = 0.05, 3.0
    for _ in range(50):
        sigma = (low + high) / 2
        if top_share(np.exp(base + sigma * noise), 0.2) < TOP_FIFTH_VALUE_SHARE:
            low = sigma
        else:
            high = sigma
    values = np.maximum(np.exp(base + sigma * noise), MIN_WEEKLY_IDR)
    return np.round(values / 100.0) * 100.0


def top_share(values: Sequence[float] | np.ndarray, fraction: float) -> float:
    """Return the share of total value held by the top fraction of outlets."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))[::-1]
    top = max(1, math.ceil(len(ordered) * fraction))
    return float(ordered[:top].sum() / ordered.sum())


def assign_classes(values: np.ndarray) -> list[OutletClass]:
    """Rank outlets by value: the top 15% are A, the next 30% B, the rest C."""
    n = len(values)
    order = np.argsort(-values, kind="stable")
    a_count, b_count = round(n * CLASS_A_SHARE), round(n * CLASS_B_SHARE)
    classes: list[OutletClass] = ["C"] * n
    for rank, i in enumerate(order):
        if rank < a_count:
            classes[int(i)] = "A"
        elif rank < a_count + b_count:
            classes[int(i)] = "B"
    return classes


def order_interval_days(rng: np.random.Generator, outlet_class: OutletClass) -> int:
    """Draw an outlet's buying rhythm: about weekly for A, fortnightly for B, 3-4 weeks for C."""
    if outlet_class == "A":
        return int(np.clip(round(rng.normal(7, 0.8)), 5, 9))
    if outlet_class == "B":
        return int(np.clip(round(rng.normal(14, 1.5)), 11, 18))
    return int(rng.integers(21, 31))

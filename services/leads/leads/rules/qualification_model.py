"""Optional: a qualification model learned from past qualified and disqualified leads.

Logistic regression over one-hot attributes (industry, region, source,
channel, title keywords, company-size band) and behaviour counts, trained by
batch gradient descent with L2 regularisation, in pure Python: the data is
small (thousands of closed leads), the model is explainable (a weight per
feature) and it needs no numeric library. Accuracy is measured on a
held-out fifth of the data, split deterministically. Plain Python, no I/O.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_TITLE_WORDS = ("chief", "vp", "director", "head", "manager", "founder", "engineer", "owner")


def features(lead: Mapping[str, Any], behaviour: Mapping[str, int]) -> dict[str, float]:
    """The model's inputs for one lead."""
    found: dict[str, float] = {"bias": 1.0}
    for attr in ("industry", "region", "country", "source", "channel"):
        value = lead.get(attr)
        if value:
            found[f"{attr}={str(value).strip().casefold()}"] = 1.0
    title = str(lead.get("title") or "").casefold()
    for word in _TITLE_WORDS:
        if word in title:
            found[f"title~{word}"] = 1.0
    size = lead.get("company_size")
    if isinstance(size, int):
        band = (
            "1-49"
            if size < 50
            else "50-199"
            if size < 200
            else "200-999"
            if size < 1000
            else "1000+"
        )
        found[f"size={band}"] = 1.0
    for kind, count in behaviour.items():
        found[f"did={kind}"] = math.log1p(count)
    return found


@dataclass
class Model:
    """Weights per feature, and how well they did on held-out leads."""

    weights: dict[str, float] = field(default_factory=dict)
    accuracy: float | None = None
    trained_on: int = 0
    tested_on: int = 0
    baseline_accuracy: float | None = None

    def probability(self, x: Mapping[str, float]) -> float:
        """P(qualified) for a feature vector."""
        z = sum(self.weights.get(k, 0.0) * v for k, v in x.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, Any]:
        """JSON form (kept in the service's settings)."""
        return {
            "weights": self.weights,
            "accuracy": self.accuracy,
            "baseline_accuracy": self.baseline_accuracy,
            "trained_on": self.trained_on,
            "tested_on": self.tested_on,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        """Back from :meth:`to_dict`."""
        return cls(
            weights=dict(data.get("weights") or {}),
            accuracy=data.get("accuracy"),
            baseline_accuracy=data.get("baseline_accuracy"),
            trained_on=int(data.get("trained_on") or 0),
            tested_on=int(data.get("tested_on") or 0),
        )


def _held_out(key: str) -> bool:
    return hashlib.sha256(key.encode()).digest()[0] < 52  # about a fifth


def train(
    examples: Sequence[tuple[str, dict[str, float], bool]],
    *,
    epochs: int = 200,
    rate: float = 0.5,
    l2: float = 0.01,
) -> Model:
    """Fit on examples ``(key, features, qualified)``; report held-out accuracy.

    ``key`` (the lead id) decides the split, so retraining on the same data
    gives the same figures.
    """
    train_set = [(x, y) for key, x, y in examples if not _held_out(key)]
    test_set = [(x, y) for key, x, y in examples if _held_out(key)]
    weights: dict[str, float] = {}
    n = max(1, len(train_set))
    for _ in range(epochs):
        gradient: dict[str, float] = {}
        for x, y in train_set:
            z = sum(weights.get(k, 0.0) * v for k, v in x.items())
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            error = p - (1.0 if y else 0.0)
            for k, v in x.items():
                gradient[k] = gradient.get(k, 0.0) + error * v
        for k, g in gradient.items():
            w = weights.get(k, 0.0)
            weights[k] = w - rate * (g / n + l2 * w * (k != "bias"))
    model = Model(weights=weights, trained_on=len(train_set), tested_on=len(test_set))
    if test_set:
        correct = sum((model.probability(x) >= 0.5) == y for x, y in test_set)
        model.accuracy = round(correct / len(test_set), 4)
        positives = sum(1 for _, y in train_set if y) / n
        majority = positives >= 0.5
        model.baseline_accuracy = round(
            sum(1 for _, y in test_set if y == majority) / len(test_set), 4
        )
    return model

"""Whether to answer: a logistic model over what is known about the best passage, fitted on question sets.

The features (:data:`FEATURES`) describe the best passage found for a question: how close it is in meaning, how much
of the question it covers, how far ahead of the next passage it is, and whether it holds the kind of value asked for
and the identifiers named. The model's probability is the answer's confidence; below the threshold the question is
declined. Some checks are hard rules (:data:`DeclineModel.hard_rules`, a feature and the value from which it
declines): when one fails the question is declined whatever the probability (a question about CR054 is never
answered from the passage about CR055).

The coefficients live in ``decline_model.json`` beside this module, written by ``benchmarks/answer_cv.py`` (which
fits them with cross-validation); the running assistant needs nothing but this file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

MODEL_FILE = Path(__file__).resolve().parent / "decline_model.json"
FEATURES = (
    "confidence",  # the passage confidence: meaning similarity and coverage, equally weighted (0-1)
    "dense",  # cosine similarity of question and passage
    "coverage",  # rarity-weighted share of the question's content words in the passage
    "margin",  # fused score of the best passage minus that of the second
    "unknown",  # rarity-weighted share of the question's content words the guidance never uses
    "type_missing",  # 1 when the question asks for a kind of value the answering sentences do not hold
    "ids_missing",  # 1 when the question names an identifier the passage does not
    "ids_missing_sentence",  # 1 when it names one the answering sentences (with the section path) do not
    "absence",  # 1 when the answering sentence says the guidance does not give what is asked
)


@dataclass(frozen=True)
class DeclineModel:
    coefficients: dict[str, float]
    intercept: float
    threshold: float = 0.5
    hard_rules: dict[str, float] = field(default_factory=dict)  # feature -> the value from which it declines
    fitted_on: dict = field(default_factory=dict)

    def probability(self, evidence: dict[str, float]) -> float:
        z = self.intercept + sum(w * float(evidence.get(name, 0.0)) for name, w in self.coefficients.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def blocked(self, evidence: dict[str, float]) -> bool:
        return any(evidence.get(rule, 0.0) >= limit for rule, limit in self.hard_rules.items())

    def to_dict(self) -> dict:
        return {
            "coefficients": self.coefficients,
            "intercept": self.intercept,
            "threshold": self.threshold,
            "hard_rules": self.hard_rules,
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_dict(cls, data: dict) -> DeclineModel:
        unknown = set(data["coefficients"]) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features in the decline model: {sorted(unknown)}")
        return cls(
            {k: float(v) for k, v in data["coefficients"].items()},
            float(data["intercept"]),
            float(data.get("threshold", 0.5)),
            {k: float(v) for k, v in data.get("hard_rules", {}).items()},
            dict(data.get("fitted_on", {})),
        )

    def save(self, path: Path = MODEL_FILE) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")


def load_decline_model(path: Path = MODEL_FILE) -> DeclineModel:
    return DeclineModel.from_dict(json.loads(path.read_text(encoding="utf-8")))

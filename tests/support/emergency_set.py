"""The labelled emergency messages (tests/data/emergency_messages.tsv) and how they are scored.

Shared by tests/domain/test_emergency_detection.py (floors) and bench/emergency_detection.py
(the printed figures), so both count exactly the same way. Scoring is binary first (emergency
or not: that decides the lane), and the kind is reported separately (it decides the first
action, e.g. offering a card block).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

LABELLED = Path(__file__).resolve().parent.parent / "data" / "emergency_messages.tsv"
NONE = "none"


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    language: str
    channel: str
    label: str  # an EmergencyKind value or "none"
    split: str  # "dev" (rules were tuned on these) or "holdout" (measured, never tuned on)
    text: str


def load_rows(path: Path = LABELLED) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Row(**row) for row in reader]


@dataclass(frozen=True, slots=True)
class Scores:
    """Binary emergency-or-not counts, plus how many recognised emergencies got the right kind."""

    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    right_kind: int

    @property
    def precision(self) -> float:
        fired = self.true_positives + self.false_positives
        return self.true_positives / fired if fired else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    @property
    def kind_accuracy(self) -> float:
        return self.right_kind / self.true_positives if self.true_positives else 1.0


def score(pairs: Iterable[tuple[str, str]]) -> Scores:
    """Score (label, predicted) pairs; both are a kind value or ``NONE``."""
    tp = fp = fn = tn = right = 0
    for label, predicted in pairs:
        if NONE not in (label, predicted):
            tp += 1
            right += label == predicted
        elif predicted != NONE:
            fp += 1
        elif label != NONE:
            fn += 1
        else:
            tn += 1
    return Scores(tp, fp, fn, tn, right)


def predict_all(rows: Iterable[Row], predict: Callable[[str], str]) -> list[tuple[Row, str]]:
    return [(row, predict(row.text)) for row in rows]

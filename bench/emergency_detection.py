"""bench/emergency_detection: how well and how fast emergencies are recognised in customer text.

Prints, for ``domain/emergency_detection.detect_emergency``:

1. Our labelled set (tests/data/emergency_messages.tsv, nl + en): precision, recall and F1 of
   "emergency or not" per language and split (``dev``: the rules were tuned on it; ``holdout``:
   never tuned on), the share of recognised emergencies given the right kind, and the
   confusion by kind.
2. Banking77's training split (English, CC-BY-4.0, read from /work/shared/data/banking77, never
   copied into the repository): recall and precision with these intents counted as emergencies
   (``EMERGENCY_INTENTS``), the rest not; recall per emergency intent and the intents that
   produce the most false alarms.
3. Cost: microseconds per message, interleaved rounds, median, on both sets as written and
   joined into messages of about 200 characters (the issue's "typical message"); baseline in
   the same run: a bare ``"fraud" in text.casefold()`` over the same texts; the ratio.

    .venv/bin/python bench/emergency_detection.py [--rounds 7] [--data /work/shared/data/banking77]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support.emergency_set

from tests.support.emergency_set import NONE, Scores, load_rows, predict_all, score

from klantenservice.domain.emergency_detection import EmergencyKind, detect_emergency

BANKING77 = Path("/work/shared/data/banking77")
# Banking77 intents that are an emergency in our sense (PSD2 art. 69/70: loss, theft or misuse
# of a payment instrument; money taken without consent). Not counted: lost_or_stolen_phone (the
# app stays behind its own PIN/biometrics; the questions ask how to sign out or re-register),
# card_swallowed (the ATM kept the card: no third party has it), transaction_charged_twice and
# extra_charge_on_statement (merchant or fee errors, handled as disputes), declined or pending
# payments, passcode_forgotten, pin_blocked.
EMERGENCY_INTENTS = {
    "lost_or_stolen_card": EmergencyKind.LOST_OR_STOLEN_CARD,
    "compromised_card": EmergencyKind.FRAUD,
    "card_payment_not_recognised": EmergencyKind.FRAUD,
    "direct_debit_payment_not_recognised": EmergencyKind.FRAUD,
    "cash_withdrawal_not_recognised": EmergencyKind.FRAUD,
}


def predicted(text: str) -> str:
    signal = detect_emergency(text)
    return signal.kind.value if signal else NONE


def line(name: str, result: Scores, n: int) -> str:
    return (
        f"  {name:<14} n={n:>4}  P={result.precision:.3f}  R={result.recall:.3f}"
        f"  F1={result.f1:.3f}  kind right={result.kind_accuracy:.3f}"
        f"  (tp {result.true_positives}, fp {result.false_positives},"
        f" fn {result.false_negatives})"
    )


def our_set() -> list[str]:
    rows = load_rows()
    results = predict_all(rows, predicted)
    print(f"Our labelled set: {len(rows)} messages (tests/data/emergency_messages.tsv)")
    for split in ("dev", "holdout"):
        for language in ("nl", "en", "all"):
            chosen = [
                (row, kind)
                for row, kind in results
                if row.split == split and language in (row.language, "all")
            ]
            print(line(f"{split} {language}", score((r.label, k) for r, k in chosen), len(chosen)))
    labels = [NONE, *EmergencyKind]
    confusion = Counter((row.label, kind) for row, kind in results)
    print("\n  confusion, all rows (rows: label, columns: recognised)")
    print("  " + " " * 20 + "".join(f"{str(label)[:12]:>13}" for label in labels))
    for label in labels:
        cells = "".join(f"{confusion[(str(label), str(got))]:>13}" for got in labels)
        print(f"  {label:<20}{cells}")
    return [row.text for row in rows]


def timed(fn: Callable[[str], object], texts: Sequence[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        fn(text)
    return (time.perf_counter() - start) / len(texts) * 1e6


def baseline(text: str) -> bool:
    return "fraud" in text.casefold()


def about_200_characters(texts: Sequence[str]) -> list[str]:
    """Each text followed by the next ones until at least 200 characters: a longer message."""
    joined = []
    for i, text in enumerate(texts):
        message, j = text, i + 1
        while len(message) < 200:
            message += " " + texts[j % len(texts)]
            j += 1
        joined.append(message)
    return joined


def cost(sets: dict[str, list[str]], rounds: int) -> None:
    print(
        f"\nCost, {rounds} interleaved rounds, median us/message; baseline in the same run:"
        " a bare `'fraud' in text.casefold()` over the same texts"
    )
    for name, texts in sets.items():
        detect_emergency(texts[0])  # warm the per-word cache as a running intake would
        candidate: list[float] = []
        bare: list[float] = []
        for _ in range(rounds):
            candidate.append(timed(detect_emergency, texts))
            bare.append(timed(baseline, texts))
        c, b = statistics.median(candidate), statistics.median(bare)
        chars = statistics.mean(len(text) for text in texts)
        print(
            f"  {name:<34} n={len(texts):>5} mean {chars:3.0f} chars  candidate {c:6.1f}"
            f"  baseline {b:5.2f}  ratio baseline/candidate {b / c:.4f}"
        )


def banking77(directory: Path) -> list[str]:
    with (directory / "train.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fired = {i: predicted(row["text"]) for i, row in enumerate(rows)}
    pairs = [
        (
            EMERGENCY_INTENTS[row["category"]].value
            if row["category"] in EMERGENCY_INTENTS
            else NONE,
            fired[i],
        )
        for i, row in enumerate(rows)
    ]
    print(
        f"\nBanking77 training split: {len(rows)} English messages, 77 intents, "
        f"{len(EMERGENCY_INTENTS)} counted as emergencies"
    )
    print(line("all", score(pairs), len(rows)))
    print("  recall per emergency intent (recognised, and with the mapped kind):")
    for intent, kind in EMERGENCY_INTENTS.items():
        texts = [i for i, row in enumerate(rows) if row["category"] == intent]
        hit = sum(fired[i] != NONE for i in texts)
        right = sum(fired[i] == kind.value for i in texts)
        print(
            f"    {intent:<38} {hit / len(texts):.3f}  kind {right / len(texts):.3f}"
            f"  (n={len(texts)})"
        )
    false_alarms = Counter(
        row["category"]
        for i, row in enumerate(rows)
        if row["category"] not in EMERGENCY_INTENTS and fired[i] != NONE
    )
    print(
        "  intents with the most false alarms: "
        + ", ".join(f"{intent} {count}" for intent, count in false_alarms.most_common(6))
        or "none"
    )
    return [row["text"] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--data", type=Path, default=BANKING77)
    args = parser.parse_args()
    if not (args.data / "train.csv").is_file():
        raise SystemExit(f"bench/emergency_detection: {args.data}/train.csv not found (Banking77)")
    texts = our_set()
    banking = banking77(args.data)
    cost(
        {
            "our set, as written": texts,
            "our set, joined to ~200 chars": about_200_characters(texts),
            "Banking77, as written": banking,
            "Banking77, joined to ~200 chars": about_200_characters(banking),
        },
        args.rounds,
    )


if __name__ == "__main__":
    main()

"""``bench/emergency.py`` runs end to end on a tiny day and prints its comparison.

Only that it runs and reports: its figures are measurements (docs/subsystems/routing.md),
never asserted here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "emergency.py"


def test_the_emergency_simulation_runs_and_prints_the_comparison() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--days", "1", "--hours", "3", "--wave-hour", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for line in ("within 10 min", "time to human p50", "chat+calls within 5 min", "goal >= 99 %"):
        assert line in done.stdout
    assert "reserve 0" in done.stdout and "reserve 1" in done.stdout

"""How fast the escalation register is computed: every shipped diagram's, from the BPMN and DMN in processes/.

Usage:
    .venv/bin/python bench/register.py [--rounds 20]

Loads the application once (for the operators' declared kinds and the forms' choices; an in-memory SQLite
database, which the register never reads here), reads processes/ with the hardened parser, then, --rounds times,
computes the register of every process from scratch (nothing kept between rounds: the called lifecycle processes
are walked again for each caller). It prints, per process, the paths found, the largest number of conditions on a
path and the median time; then the median and worst time of a whole round beside the target (every shipped
diagram under one second in total). It only prints: it exits 0 when it measured, whether or not the target is met.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "sqlite://")
    from app import create_app
    from app.legal import register, sources

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        shipped = sources.of_directory(ROOT / "processes")
        parsed = time.perf_counter() - started
        keys = sorted(shipped.diagrams)
        per_key: dict[str, list[float]] = {key: [] for key in keys}
        rounds: list[float] = []
        results: dict[str, dict] = {}
        for _ in range(args.rounds):
            round_start = time.perf_counter()
            for key in keys:
                start = time.perf_counter()
                results[key] = register.compute(key, None, shipped)
                per_key[key].append(time.perf_counter() - start)
            rounds.append(time.perf_counter() - round_start)
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; {args.rounds} rounds")
    print(f"parsing processes/ ({len(keys)} processes, {len(shipped.tables)} decision tables): {parsed * 1000:.1f} ms")
    print(f"{'process':<24}{'paths':>7}{'most conditions':>17}{'complete':>10}{'median ms':>11}")
    for key in keys:
        paths = results[key]["paths"]
        longest = max((len(p["conditions"]) for p in paths), default=0)
        print(f"{key:<24}{len(paths):>7}{longest:>17}{str(results[key]['complete']):>10}"
              f"{statistics.median(per_key[key]) * 1000:>11.1f}")
    median, worst = statistics.median(rounds), max(rounds)
    verdict = "met" if worst < TARGET_SECONDS else "NOT met"
    print(f"every shipped register: median {median * 1000:.0f} ms, worst {worst * 1000:.0f} ms "
          f"(target < {TARGET_SECONDS * 1000:.0f} ms: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Set up and run the whole test suite: lint, then pytest on two workers (pytest-xdist).
# TEST_DATABASE_URL selects the database (default: a fresh SQLite file per worker), e.g.
#   TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test scripts/test.sh
# On PostgreSQL each worker uses a database of its own named after the given one (test_gw0, test_gw1).
# Arguments go to pytest after the defaults: `scripts/test.sh -n 0 tests/test_money.py` runs in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements-dev.txt
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder "$@"

#!/usr/bin/env bash
# Set up and run the whole test suite: lint, then pytest.
# TEST_DATABASE_URL selects the database (default: a fresh SQLite file), e.g.
#   TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements-dev.txt
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"

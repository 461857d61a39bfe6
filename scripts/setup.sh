#!/usr/bin/env bash
# Create the virtual environment and install the pinned dependencies (REQUIREMENTS, default requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS="${1:-requirements.txt}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"

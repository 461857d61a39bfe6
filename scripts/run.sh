#!/usr/bin/env bash
# Set up and run the service on 127.0.0.1:8000 with its timer worker
# (SQLite under instance/ unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements.txt
.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi processes deploy
.venv/bin/flask --app wsgi places demo
echo "Demo users (passwords and tokens are new on every start):"
.venv/bin/flask --app wsgi users demo
.venv/bin/flask --app wsgi worker &
worker=$!
trap 'kill "$worker" 2>/dev/null' EXIT INT TERM
echo "Serving on http://127.0.0.1:8000  (API: /api/v1, OpenAPI: /api/v1/openapi.json); timer worker pid $worker"
# Threads let a log-in (about 0.1 s of password hashing, which releases the GIL) run beside other requests.
.venv/bin/gunicorn --workers 2 --threads 4 --bind 127.0.0.1:8000 --access-logfile - wsgi:app

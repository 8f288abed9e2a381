#!/usr/bin/env bash
# Start the Rasa server (REST channel + HTTP API behind a token), bound to RASA_HOST (default 127.0.0.1;
# compose sets 0.0.0.0 on its private network — never publish Rasa: its channel webhooks have no auth).
#
# Env: RASA_TOKEN (required), REDIS_URL (redis://127.0.0.1:6379/0), ACTIONS_URL (http://127.0.0.1:5055),
#      RASA_PORT (5005), RASA_MODEL (models/famibot.tar.gz), RASA_LOG_LEVEL (--quiet: warnings only),
#      TRACKER_WINDOW_EVENTS (60: events of a conversation loaded per turn, see docs/TRACKER_STORE.md),
#      RASA_ENDPOINTS (nlu/endpoints.yml; the bench points it at Rasa's own Redis store to compare).
# REDIS_URL is split into RASA_REDIS_HOST/PORT/DB/PASSWORD, which nlu/endpoints.yml reads.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

: "${RASA_TOKEN:?RASA_TOKEN is required}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export ACTIONS_URL="${ACTIONS_URL:-http://127.0.0.1:5055}"
RASA_PORT="${RASA_PORT:-5005}"
RASA_MODEL="${RASA_MODEL:-models/famibot.tar.gz}"
RASA_LOG_LEVEL="${RASA_LOG_LEVEL:---quiet}"  # or -v / -vv when debugging (never in production)

if [[ ! -f "$RASA_MODEL" ]]; then
    echo "no model at $RASA_MODEL: run scripts/train.sh first" >&2
    exit 1
fi

# Parse REDIS_URL with the Rasa venv's Python; prints four lines: host, port, db, password.
parsed="$(.venv-rasa/bin/python - "$REDIS_URL" <<'PY'
import sys
from urllib.parse import unquote, urlsplit

url = urlsplit(sys.argv[1])
if url.scheme != "redis":
    sys.exit(f"REDIS_URL must start with redis:// (got scheme {url.scheme!r})")
db = (url.path or "/0").lstrip("/") or "0"
if not db.isdigit():
    sys.exit("REDIS_URL database must be a number, e.g. redis://127.0.0.1:6379/0")
print(url.hostname or "127.0.0.1")
print(url.port or 6379)
print(db)
print(unquote(url.password or ""))
PY
)"
{
    read -r RASA_REDIS_HOST
    read -r RASA_REDIS_PORT
    read -r RASA_REDIS_DB
    IFS= read -r RASA_REDIS_PASSWORD || true
} <<<"$parsed"
# endpoints.yml uses every one of these; an empty password means "no AUTH".
export RASA_REDIS_HOST RASA_REDIS_PORT RASA_REDIS_DB RASA_REDIS_PASSWORD

export TRACKER_WINDOW_EVENTS="${TRACKER_WINDOW_EVENTS:-60}"
# famibot's tracker store (nlu/famibot_store/) is imported by Rasa from here.
export PYTHONPATH="$PWD/nlu${PYTHONPATH:+:$PYTHONPATH}"

export RASA_TELEMETRY_ENABLED=false
# Rasa's dependencies print ~10 import-time DeprecationWarnings; PYTHONWARNINGS cannot hide them
# (a dependency re-adds a 'once' filter at import). This one at least can be silenced.
export SQLALCHEMY_SILENCE_UBER_WARNING=1

exec .venv-rasa/bin/rasa run --enable-api --auth-token "$RASA_TOKEN" \
    -i "${RASA_HOST:-127.0.0.1}" -p "$RASA_PORT" --model "$RASA_MODEL" \
    --endpoints "${RASA_ENDPOINTS:-nlu/endpoints.yml}" --credentials nlu/credentials.yml \
    "$RASA_LOG_LEVEL"

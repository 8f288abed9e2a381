#!/usr/bin/env bash
# Train the Rasa model only when its inputs changed.
#
# The inputs (nlu/config.yml, nlu/domain/, nlu/data/, nlu/requirements.lock) are hashed; trained models
# live outside the clone in ${FAMIBOT_CACHE:-~/.cache/famibot}/models/<hash>.tar.gz so every clone on
# this machine reuses them. The current model is always copied to models/famibot.tar.gz.
#
#   scripts/train.sh           # train if needed
#   scripts/train.sh --force   # train even if a model for these inputs exists
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

force=0
if [[ "${1:-}" == "--force" ]]; then
    force=1
elif [[ $# -gt 0 ]]; then
    echo "usage: scripts/train.sh [--force]" >&2
    exit 2
fi

export RASA_TELEMETRY_ENABLED=false
# Rasa's dependencies print ~10 import-time DeprecationWarnings; PYTHONWARNINGS cannot hide them
# (a dependency re-adds a 'once' filter at import). This one at least can be silenced.
export SQLALCHEMY_SILENCE_UBER_WARNING=1
cache="${FAMIBOT_CACHE:-$HOME/.cache/famibot}"
store="$cache/models"
export RASA_CACHE_DIRECTORY="$cache/rasa-cache"
rasa=.venv-rasa/bin/rasa
target=models/famibot.tar.gz
mkdir -p "$store" "$RASA_CACHE_DIRECTORY" models

inputs_hash() {
    find nlu/config.yml nlu/domain nlu/data nlu/requirements.lock -type f -print0 \
        | LC_ALL=C sort -z \
        | xargs -0 sha256sum \
        | sha256sum \
        | cut -c1-16
}

install_model() {  # copy $1 to models/famibot.tar.gz atomically
    local tmp
    tmp="$(mktemp models/.famibot.XXXXXX)"
    cp "$1" "$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$target"
}

hash="$(inputs_hash)"
stored="$store/$hash.tar.gz"

# One training at a time on this machine; a second caller waits and then reuses the result.
exec 9>"$cache/train.lock"
flock 9

if [[ $force -eq 0 && -f "$stored" ]]; then
    install_model "$stored"
    echo "model up to date ($hash) -> $target"
    exit 0
fi

echo "validating training data..."
"$rasa" data validate --domain nlu/domain --data nlu/data --config nlu/config.yml --fail-on-warnings

echo "training model $hash (Rasa cache: $RASA_CACHE_DIRECTORY)..."
workdir="$(mktemp -d "$store/.train.XXXXXX")"
trap 'rm -rf "$workdir"' EXIT
SECONDS=0
"$rasa" train --domain nlu/domain --data nlu/data --config nlu/config.yml \
    --out "$workdir" --fixed-model-name "$hash"
mv -f "$workdir/$hash.tar.gz" "$stored"
install_model "$stored"
echo "trained $hash in ${SECONDS}s -> $target (stored in $stored)"

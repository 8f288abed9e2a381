#!/usr/bin/env bash
# Make sure the Redis at $REDIS_URL answers PING.
#
#   scripts/ensure_redis.sh          answers? fine. Local URL and redis-server installed? start one
#                                    (daemonized, data in var/redis, pidfile var/redis.pid). Else stop
#                                    with a message on how to get Redis.
#   scripts/ensure_redis.sh stop     stop the Redis this script started (nothing else)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
PIDFILE="$ROOT/var/redis.pid"
DATADIR="$ROOT/var/redis"
LOGFILE="$DATADIR/redis.log"

log() { printf '==> %s\n' "$*"; }
die() { printf '\nensure_redis: ERROR: %s\n' "$*" >&2; exit 1; }

# Split redis://[user:password@]host[:port][/db] into host and port (IPv6 as [::1]).
scheme="${REDIS_URL%%://*}"
rest="${REDIS_URL#*://}"
rest="${rest%%/*}"
rest="${rest##*@}"
if [[ "$rest" == \[* ]]; then
    host="${rest%%]*}"
    host="${host#[}"
    port="${rest##*]}"
    port="${port#:}"
else
    host="${rest%%:*}"
    port=""
    [[ "$rest" == *:* ]] && port="${rest##*:}"
fi
host="${host:-127.0.0.1}"
port="${port:-6379}"
shown="$scheme://$host:$port"  # never print the password

ping_redis() {
    if [[ -x .venv/bin/python ]] && .venv/bin/python -c 'import redis' >/dev/null 2>&1; then
        .venv/bin/python - "$REDIS_URL" >/dev/null 2>&1 <<'EOF'
import sys

import redis

redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2, socket_timeout=2).ping()
EOF
    elif command -v redis-cli >/dev/null 2>&1; then
        [[ "$(redis-cli -u "$REDIS_URL" --no-auth-warning ping 2>/dev/null)" == PONG ]]
    else  # last resort, no auth: bash's /dev/tcp
        local reply
        { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || return 1
        printf 'PING\r\n' >&3
        IFS= read -r -t 2 reply <&3 || true
        exec 3>&- 3<&-
        [[ "$reply" == +PONG* ]]
    fi
}

our_pid() {  # pid of the redis-server this script started, if it is still running
    local pid
    [[ -f "$PIDFILE" ]] || return 1
    pid="$(cat "$PIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(ps -p "$pid" -o comm= 2>/dev/null)" == redis-server* ]] || return 1
    printf '%s\n' "$pid"
}

if [[ "${1:-}" == stop ]]; then
    if pid="$(our_pid)"; then
        log "stopping the local Redis (pid $pid)"
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    else
        log "no Redis started by scripts/ensure_redis.sh is running"
    fi
    exit 0
elif [[ $# -gt 0 ]]; then
    echo "usage: scripts/ensure_redis.sh [stop]" >&2
    exit 2
fi

if ping_redis; then
    log "Redis at $shown answers"
    exit 0
fi

case "$host" in
    127.0.0.1 | localhost | ::1) ;;
    *) die "Redis at $shown does not answer, and it is not on this machine, so I will not start one.
       Check REDIS_URL, or unset it to use a local Redis (redis://127.0.0.1:6379/0)." ;;
esac
[[ "$scheme" == redis ]] ||
    die "Redis at $shown does not answer; I only start plain redis:// servers (REDIS_URL is $scheme://)."

if ! command -v redis-server >/dev/null 2>&1; then
    die "Redis at $shown does not answer and redis-server is not installed.
       Install it:  sudo apt-get install redis-server   (macOS: brew install redis)
       or point REDIS_URL at a running Redis."
fi

if pid="$(our_pid)"; then
    log "a local Redis (pid $pid) is already running but not answering yet; waiting for it"
else
    log "Redis at $shown does not answer; starting redis-server on port $port (data in var/redis)"
    mkdir -p "$DATADIR"
    redis-server --daemonize yes --bind "$host" --port "$port" --dir "$DATADIR" \
        --pidfile "$PIDFILE" --logfile "$LOGFILE" --save 60 1 --appendonly no ||
        die "redis-server failed to start (log: $LOGFILE)"
fi

for _ in $(seq 100); do
    if ping_redis; then
        log "Redis at $shown is up (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'); stop it with: scripts/ensure_redis.sh stop)"
        exit 0
    fi
    sleep 0.1
done
tail -n 20 "$LOGFILE" >&2 2>/dev/null || true
die "started redis-server, but $shown still does not answer after 10 s (log above: $LOGFILE).
       Is port $port taken by something else, or does it need a password (REDIS_URL=redis://:PASSWORD@...)?"

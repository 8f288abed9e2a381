#!/usr/bin/env bash
# Run a command at a lower CPU priority, so the web process (the doorman that must answer Twilio in
# milliseconds) gets the CPU first when the worker, Rasa and the action server are busy.
#
#   scripts/low_priority.sh COMMAND [ARGS…]        (LOW_PRIORITY_NICE: the nice level, default 10)
#
# With autogroup scheduling (kernel.sched_autogroup_enabled=1, the default on most Linux machines),
# the kernel first shares the CPU fairly between sessions and `nice` only ranks processes inside one
# session. honcho (make run) and the bench start every process in its own session, so `nice` alone
# changes nothing there: when this process leads its session, the session's autogroup is reniced too.
# In a terminal session it shares with other programs, only `nice` applies. (Containers: use the
# compose file's cpu_shares instead.)
set -euo pipefail

level="${LOW_PRIORITY_NICE:-10}"
if [[ ! "$level" =~ ^[0-9]+$ ]] || (( level > 19 )); then
    echo "LOW_PRIORITY_NICE must be 0..19 (got '$level')" >&2
    exit 2
fi
(( $# > 0 )) || { echo "usage: $0 COMMAND [ARGS…]" >&2; exit 2; }

stat="$(</proc/$$/stat)"
read -r _state _ppid _pgrp session _rest <<<"${stat##*) }"
if [[ "$session" == "$$" && -w /proc/$$/autogroup ]]; then
    echo "$level" >"/proc/$$/autogroup" 2>/dev/null || true
fi
exec nice -n "$level" "$@"

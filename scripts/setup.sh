#!/usr/bin/env bash
# Create or refresh the two virtualenvs:
#   .venv       app (Python >= 3.11)   pip install -e '.[dev]'             input: pyproject.toml
#   .venv-rasa  Rasa (Python 3.10)     pip install -r nlu/requirements.lock  input: nlu/requirements.lock
#
# Each venv keeps a stamp (.famibot-stamp) with the sha256 of its input. Same hash -> nothing to do.
# Input changed -> .venv-rasa is rebuilt from scratch (the lock is a complete freeze, so the result is
# exact); .venv is synced in place (pyproject.toml pins direct dependencies only, so a rebuild would
# not be more exact, and running processes keep working). A working venv without a stamp (made by
# hand) is synced in place and stamped. A broken venv, or one on the wrong Python, is rebuilt.
#
#   scripts/setup.sh [all|app|rasa]      (default: all)
#
# Environment:
#   APP_VENV=.venv  RASA_VENV=.venv-rasa   where the venvs live (relative to the repo root, or absolute)
#   APP_PYTHON=/path/to/python3.11+        interpreter for the app venv (else discovered)
#   PYTHON310=/path/to/python3.10          interpreter for the Rasa venv (else discovered)
#   FORCE=1                                rebuild even if the stamp matches
#   VERBOSE=1                              show pip's full output
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

APP_VENV="${APP_VENV:-.venv}"
RASA_VENV="${RASA_VENV:-.venv-rasa}"
# Bootstrap tools for the Rasa venv. rasa 3.6.21 itself requires setuptools>=70.3.0,<70.4.0; wheel
# 0.46+ requires packaging>=24, which conflicts with the lock's packaging==20.9.
RASA_BOOTSTRAP=("setuptools==70.3.0" "wheel==0.45.1")
STAMP_NAME=".famibot-stamp"

log() { printf '==> %s\n' "$*"; }
die() {
    printf '\nsetup: ERROR: %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do printf '       %s\n' "$line" >&2; done
    exit 1
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

pip_quiet=(--quiet)
if [[ "${VERBOSE:-0}" == 1 ]]; then pip_quiet=(); fi

# --- interpreter discovery ------------------------------------------------------------------------

# Print the real executable of interpreter $1 if it runs and its version satisfies the Python
# expression $2 (over v = sys.version_info); fail silently otherwise.
probe() {
    local candidate="$1" condition="$2"
    [[ -n "$candidate" ]] || return 1
    "$candidate" -c "import sys; v = sys.version_info; sys.exit(0 if ($condition) else 1)" \
        >/dev/null 2>&1 || return 1
    "$candidate" -c 'import sys; print(sys.executable)' 2>/dev/null
}

pyenv_python() {  # $1 = version prefix (3.10), $2 = binary name
    command -v pyenv >/dev/null 2>&1 || return 1
    local prefix
    prefix="$(pyenv prefix "$1" 2>/dev/null | head -n1)" || return 1
    [[ -n "$prefix" ]] && printf '%s/bin/%s\n' "$prefix" "$2"
}

find_python310() {
    local cond='v[:2] == (3, 10)' found candidate
    if [[ -n "${PYTHON310:-}" ]]; then
        found="$(probe "$PYTHON310" "$cond")" ||
            die "PYTHON310=$PYTHON310 is not a working Python 3.10 interpreter." \
                "Point PYTHON310 at a python3.10 binary, or unset it to let setup look for one."
        printf '%s\n' "$found"
        return
    fi
    for candidate in python3.10 "$(pyenv_python 3.10 python3.10 || true)" \
        "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10; do
        if found="$(probe "$candidate" "$cond")"; then
            printf '%s\n' "$found"
            return
        fi
    done
    die "no working Python 3.10 found (Rasa 3.6 needs exactly 3.10)." \
        "Get one of:  pyenv install 3.10      (then re-run; setup finds it without 'pyenv local')" \
        "             sudo apt-get install python3.10 python3.10-venv" \
        "or point at one:  PYTHON310=/path/to/python3.10 make setup"
}

find_app_python() {
    local cond='v >= (3, 11)' found candidate v
    if [[ -n "${APP_PYTHON:-}" ]]; then
        found="$(probe "$APP_PYTHON" "$cond")" ||
            die "APP_PYTHON=$APP_PYTHON is not a working Python >= 3.11 interpreter."
        printf '%s\n' "$found"
        return
    fi
    local candidates=(python3 python3.12 python3.13 python3.11)
    for v in 3.12 3.13 3.11; do candidates+=("$(pyenv_python "$v" "python$v" || true)"); done
    candidates+=("$HOME"/.pyenv/versions/3.1[1-9]*/bin/python3 /usr/bin/python3.11)
    for candidate in "${candidates[@]}"; do
        if found="$(probe "$candidate" "$cond")"; then
            printf '%s\n' "$found"
            return
        fi
    done
    die "no working Python >= 3.11 found for the app." \
        "Get one of:  pyenv install 3.12   |   sudo apt-get install python3.11 python3.11-venv" \
        "or point at one:  APP_PYTHON=/path/to/python3.12 make setup"
}

# --- venv handling --------------------------------------------------------------------------------

abs_path() { if [[ "$1" == /* ]]; then printf '%s\n' "$1"; else printf '%s/%s\n' "$ROOT" "$1"; fi; }

# ensure_venv NAME DIR PYTHON_FINDER VERSION_CONDITION INPUT_FILE INSTALL_FUNCTION ON_CHANGE(rebuild|sync)
ensure_venv() {
    local name="$1" dir="$2" finder="$3" cond="$4" input="$5" install="$6" on_change="$7"
    local stamp="$dir/$STAMP_NAME" want have="" mode
    [[ -f "$input" ]] || die "$input is missing; cannot set up the $name venv."
    want="$(sha256_of "$input")"
    [[ -f "$stamp" ]] && have="$(cat "$stamp")"

    if [[ "${FORCE:-0}" == 1 ]]; then
        mode=rebuild
        log "$name venv: FORCE=1, rebuilding $dir"
    elif ! probe "$dir/bin/python" "$cond" >/dev/null; then
        mode=rebuild
        if [[ -e "$dir" ]]; then
            log "$name venv: $dir is broken or on the wrong Python, rebuilding"
        else
            log "$name venv: creating $dir"
        fi
    elif [[ "$have" == "$want" ]]; then
        log "$name venv: up to date ($dir, $input unchanged)"
        return 0
    elif [[ -n "$have" && "$on_change" == rebuild ]]; then
        mode=rebuild
        log "$name venv: $input changed, rebuilding $dir"
    elif [[ -n "$have" ]]; then
        mode=sync
        log "$name venv: $input changed, syncing $dir in place"
    else
        mode=sync
        log "$name venv: $dir has no stamp, syncing it with $input in place"
    fi

    if [[ "$mode" == rebuild ]]; then
        local python
        python="$("$finder")"
        "$python" -c 'import venv, ensurepip' >/dev/null 2>&1 ||
            die "$python cannot create virtualenvs (the venv/ensurepip module is missing)." \
                "On Debian/Ubuntu: sudo apt-get install python3.X-venv (X = its minor version)"
        log "$name venv: python $("$python" -c 'import platform; print(platform.python_version())') ($python)"
        rm -rf "$dir"
        "$python" -m venv "$dir" || die "could not create the venv $dir with $python"
    fi

    rm -f "$stamp"  # no stamp while installing: an interrupted install is redone next time
    SECONDS=0
    "$install" "$dir" || die "installing the $name venv failed (see pip's output above)." \
        "Fix the cause and re-run 'make setup' (or FORCE=1 make setup to start from scratch)."
    printf '%s\n' "$want" >"$stamp"
    log "$name venv: ready in ${SECONDS}s ($dir)"
}

install_app() {
    local dir="$1"
    log "app venv: pip install -e '.[dev]' (pins from pyproject.toml)"
    "$dir/bin/python" -m pip install "${pip_quiet[@]}" --upgrade pip &&
        "$dir/bin/python" -m pip install "${pip_quiet[@]}" -e "${ROOT}[dev]" &&
        "$dir/bin/python" -c 'import fastapi, honcho, pytest, ruff, mypy, rasa_sdk'
}

install_rasa() {
    local dir="$1" want_version got_version
    log "rasa venv: pip install -r nlu/requirements.lock (about a minute with a warm pip cache)"
    "$dir/bin/python" -m pip install "${pip_quiet[@]}" --upgrade pip "${RASA_BOOTSTRAP[@]}" &&
        "$dir/bin/python" -m pip install "${pip_quiet[@]}" -r "$ROOT/nlu/requirements.lock" || return 1
    want_version="$(sed -n 's/^rasa==\([^ ;]*\).*/\1/p' "$ROOT/nlu/requirements.lock")"
    got_version="$("$dir/bin/python" -c 'from rasa.version import __version__; print(__version__)')" ||
        return 1
    if [[ -n "$want_version" && "$got_version" != "$want_version" ]]; then
        printf 'rasa %s installed, but nlu/requirements.lock pins %s\n' "$got_version" "$want_version" >&2
        return 1
    fi
    [[ -x "$dir/bin/rasa" ]]
}

# --- main -----------------------------------------------------------------------------------------

what="${1:-all}"
case "$what" in
    all | app | rasa) ;;
    *) die "usage: scripts/setup.sh [all|app|rasa]" ;;
esac

# One setup at a time per checkout (two 'make test' in parallel must not build the same venv twice).
mkdir -p "$ROOT/var"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$ROOT/var/setup.lock"
    if ! flock -n 9; then
        log "another setup is running in this checkout; waiting for it"
        flock 9
    fi
fi

if [[ "$what" == all || "$what" == app ]]; then
    ensure_venv app "$(abs_path "$APP_VENV")" find_app_python 'v >= (3, 11)' pyproject.toml install_app sync
fi
if [[ "$what" == all || "$what" == rasa ]]; then
    ensure_venv rasa "$(abs_path "$RASA_VENV")" find_python310 'v[:2] == (3, 10)' \
        nlu/requirements.lock install_rasa rebuild
fi

#!/usr/bin/env bash
# Make sure a Chromium for the browser tests exists (Debian's package; Playwright never downloads one).
# Honours CHROME_BIN. Installs with apt-get when run as root; otherwise says how.
set -euo pipefail

if [[ -n "${CHROME_BIN:-}" && -x "${CHROME_BIN}" ]]; then
  echo "    chromium: ${CHROME_BIN}"
  exit 0
fi
if command -v chromium >/dev/null 2>&1; then
  echo "    chromium: $(command -v chromium)"
  exit 0
fi
if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "    installing Debian's chromium for the browser tests (apt-get, once per machine)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  echo "    chromium: $(command -v chromium)"
  exit 0
fi
echo "Chromium is needed for the browser tests and is not installed." >&2
echo "Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROME_BIN to a Chromium binary." >&2
exit 1
